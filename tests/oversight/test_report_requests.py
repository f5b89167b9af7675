"""The reports page (issue 22): leadership produces the due reports on request, once per
period; the page tells when the schedule next produces them, from its crontab."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django_celery_beat.models import CrontabSchedule, PeriodicTask

from accountability.models import AuditEntry
from oversight.models import PeriodicReport, ReportKind
from oversight.selectors.reports import REPORT_TASK, crontab_next_run
from tests.oversight.conftest import Cast

pytestmark = [pytest.mark.django_db]

SHANGHAI = ZoneInfo("Asia/Shanghai")
UTC = ZoneInfo("UTC")
REFUSED = "只有领导可以提前生成到期报告。"


def at(month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=SHANGHAI)


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _task() -> PeriodicTask:
    return PeriodicTask.objects.get(task=REPORT_TASK)


def _next_run(user: Any, when: datetime) -> str:
    with time_machine.travel(when, tick=False):
        response = _client(user).get(reverse("oversight:reports"))
    assert response.status_code == 200
    return response.content.decode()


# -- producing on request ------------------------------------------------------------------


def test_it_lets_a_leader_produce_the_due_reports_once(cast: Cast) -> None:
    client = _client(cast.leader)
    with time_machine.travel(at(4, 5), tick=False):
        page = client.get(reverse("oversight:reports")).content.decode()
        assert reverse("oversight:reports_produce") in page
        response = client.post(reverse("oversight:reports_produce"))
    assert (response.status_code, response["Location"]) == (302, reverse("oversight:reports"))
    kept = PeriodicReport.objects.order_by("kind")
    assert [(r.kind, f"{r.period_start}", f"{r.period_end}", r.generated_by) for r in kept] == [
        (ReportKind.HALF_MONTH, "2026-03-16", "2026-03-31", cast.leader),
        (ReportKind.MONTH, "2026-03-01", "2026-03-31", cast.leader),
    ]
    audit = AuditEntry.objects.filter(action="oversight.report_produce")
    assert [(entry.actor, entry.object_id) for entry in audit.order_by("object_id")] == [
        (cast.leader, str(report.pk)) for report in kept.order_by("pk")
    ]
    # Asked again for the same periods: the kept reports stay as they are.
    with time_machine.travel(at(4, 10), tick=False):
        again = client.post(reverse("oversight:reports_produce"), follow=True)
    assert PeriodicReport.objects.count() == 2
    assert audit.count() == 2
    assert again.content.decode().count("此报告已生成过，保持不变") == 2


def test_it_produces_the_half_month_that_ended_last(cast: Cast) -> None:
    with time_machine.travel(at(4, 20), tick=False):
        _client(cast.leader).post(reverse("oversight:reports_produce"))
    half = PeriodicReport.objects.get(kind=ReportKind.HALF_MONTH)
    assert (f"{half.period_start}", f"{half.period_end}") == ("2026-04-01", "2026-04-15")
    month = PeriodicReport.objects.get(kind=ReportKind.MONTH)
    assert f"{month.period_start}" == "2026-03-01"


@pytest.mark.parametrize("who", ["inspector", "head", "handler"])
def test_it_refuses_a_report_on_request_to_other_roles(cast: Cast, who: str) -> None:
    client = _client(getattr(cast, who))
    with time_machine.travel(at(4, 5), tick=False):
        response = client.post(reverse("oversight:reports_produce"))
    assert response.status_code == 403
    assert REFUSED in response.content.decode()
    assert not PeriodicReport.objects.exists()


def test_it_offers_the_button_to_leadership_only(cast: Cast) -> None:
    url = reverse("oversight:reports_produce")
    assert url in _next_run(cast.leader, at(4, 5))
    assert url not in _next_run(cast.inspector, at(4, 5))
    assert url not in _next_run(cast.head, at(4, 5))


# -- the next scheduled run ----------------------------------------------------------------


def test_it_shows_the_next_run_of_the_schedule(cast: Cast) -> None:
    # Migration 0004: the 1st and the 16th at 01:00 Beijing time.
    assert "data-next-run>2026-04-16 01:00</time>" in _next_run(cast.leader, at(4, 5))
    # At the very moment of a run, the next one.
    assert "data-next-run>2026-05-01 01:00</time>" in _next_run(cast.leader, at(4, 16, 1))
    # 18:00 Beijing time on 30 April is 10:00 UTC: still Beijing's calendar that counts.
    assert "data-next-run>2026-05-01 01:00</time>" in _next_run(cast.inspector, at(4, 30, 18))


def test_it_follows_the_crontab_an_administrator_set(cast: Cast) -> None:
    task = _task()
    # Mondays at 17:00 UTC: 01:00 on Tuesdays in Beijing.
    task.crontab = CrontabSchedule.objects.create(
        minute="0", hour="17", day_of_week="1", day_of_month="*", month_of_year="*", timezone=UTC
    )
    task.save()
    # Wednesday 15 April 2026: the next Monday is the 20th.
    assert "data-next-run>2026-04-21 01:00</time>" in _next_run(cast.leader, at(4, 15))


def test_it_says_when_the_schedule_is_disabled(cast: Cast) -> None:
    task = _task()
    task.enabled = False
    task.save()
    html = _next_run(cast.leader, at(4, 5))
    assert "报告定时任务已停用" in html
    assert "data-next-run" not in html


def test_it_computes_the_next_run_of_a_crontab() -> None:
    def run(after: datetime, **fields: str) -> datetime | None:
        spec = {"minute": "0", "hour": "1", "day_of_month": "*", "month_of_year": "*"}
        spec["day_of_week"] = "*"
        spec.update(fields)
        return crontab_next_run(tz=SHANGHAI, after=after, **spec)

    assert run(at(4, 5), day_of_month="1,16") == at(4, 16, 1)
    assert run(at(12, 20), day_of_month="1,16") == datetime(2027, 1, 1, 1, tzinfo=SHANGHAI)
    assert run(at(4, 5), minute="*/30", hour="9-10") == at(4, 5, 10, 30)
    assert run(at(4, 5, 11), minute="*/30", hour="9-10") == at(4, 6, 9)
    assert run(at(4, 6, 9, 10), minute="*/30", hour="9-10") == at(4, 6, 9, 30)
    # The day of the month and the day of the week both must match (as in Celery).
    assert run(at(4, 5), day_of_month="1", day_of_week="fri") == at(5, 1, 1)  # a Friday
    assert run(at(5, 2), day_of_month="1", day_of_week="fri") == datetime(
        2027, 1, 1, 1, tzinfo=SHANGHAI
    )
    assert run(at(4, 5), day_of_month="29", month_of_year="2") == datetime(
        2028, 2, 29, 1, tzinfo=SHANGHAI
    )
