"""outages_month_summary: the figures the monthly report shows, and the beat entry."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django_celery_beat.models import PeriodicTask

from accountability.celery import app as celery_app
from outages.models import (
    OutageBreach,
    OutageEvent,
    OutageKind,
    OutageReport,
    PublicNotice,
    ReportMethod,
    ReportRecipient,
)
from outages.selectors import outages_month_summary
from outages.services import report_record
from outages.tasks import scan_obligations
from tests.outages.conftest import OutageCast, record

pytestmark = pytest.mark.django_db

LOCAL = ZoneInfo("Asia/Shanghai")


def test_it_sums_up_a_month_of_outages(oc: OutageCast, django_assert_num_queries: Any) -> None:
    june = datetime(2026, 6, 10, 9, tzinfo=LOCAL)
    fault = record(oc, at=june, households=1200, hours=10)  # large: 3 reports owed
    with time_machine.travel(june + timedelta(minutes=5), tick=False):
        report_record(
            actor=oc.network_handler,
            event=fault,
            recipient=ReportRecipient.DISPATCH,
            method=ReportMethod.PHONE,
            reported_at=june + timedelta(minutes=5),
        )
    record(oc, at=june, kind=OutageKind.PLANNED, households=100, hours=2,
           starts_at=datetime(2026, 6, 20, 9, tzinfo=LOCAL))  # fmt: skip
    # Not in June: starts 1 July 00:00 local, owes its notice on 30 June.
    record(oc, at=june, kind=OutageKind.PLANNED, households=100, hours=2,
           starts_at=datetime(2026, 7, 1, 0, tzinfo=LOCAL))  # fmt: skip
    record(oc, at=datetime(2026, 5, 31, 23, 59, tzinfo=LOCAL), households=50, hours=1)
    with time_machine.travel(datetime(2026, 7, 2, tzinfo=LOCAL), tick=False):
        scan_obligations()
    with django_assert_num_queries(5):
        june_summary = outages_month_summary(year=2026, month=6)
    assert (june_summary.planned, june_summary.faults, june_summary.events) == (1, 1, 2)
    assert june_summary.households == 1300
    assert june_summary.outage_hours == 12.0
    assert june_summary.large == 1
    # Due in June: the fault's three reports and both planned works' 1-day notices.
    assert june_summary.obligations_due == 5
    assert june_summary.met_in_time == 1
    assert june_summary.missed == 4
    assert june_summary.on_time_rate == pytest.approx(0.2)
    assert june_summary.breaches == {"report_not_in_time": 2, "notice_not_in_time": 2}
    may = outages_month_summary(year=2026, month=5)
    assert (may.faults, may.households, may.obligations_due) == (1, 50, 0)
    assert may.on_time_rate is None
    assert outages_month_summary(year=2026, month=12).events == 0


def test_it_schedules_the_scan_every_minute() -> None:
    celery_app.loader.import_default_modules()  # what a worker does at start
    task = PeriodicTask.objects.select_related("interval").get(
        task="outages.tasks.scan_obligations"
    )
    assert task.enabled
    assert task.interval is not None
    assert (task.interval.every, task.interval.period) == (1, "minutes")
    assert task.expire_seconds == 60
    assert "outages.tasks.scan_obligations" in celery_app.tasks


def test_it_adds_the_demo_outages_once() -> None:
    for command in ("demo_seed", "demo_outages", "demo_outages"):
        call_command(command)
    assert OutageEvent.objects.count() == 3
    # Last week's unreported fault is a breach of the network unit's head.
    breach = OutageBreach.objects.select_related("responsible").get()
    assert breach.responsible is not None
    assert breach.responsible.username == "network_head"
    assert OutageReport.objects.count() == 3
    assert PublicNotice.objects.get().channels == ["newspaper", "portal", "radio"]
