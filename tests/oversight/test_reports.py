"""The half-monthly and monthly reports (issue 8, line 3): produced once per period by
beat or by hand, frozen, downloadable as Excel and printable, read by department heads
(their own rows), leadership and the inspection office."""

from __future__ import annotations

from datetime import timedelta
from io import BytesIO, StringIO
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.test import Client
from django.urls import reverse
from django.utils.translation import gettext
from django_celery_beat.models import PeriodicTask
from openpyxl import load_workbook

from outages.models import OutageKind
from outages.services import outage_record
from oversight.models import PeriodicReport, ReportKind
from oversight.selectors.reports import periods_just_ended, report_period
from oversight.services.reports import report_produce
from oversight.tasks import produce_reports
from sanctions.models import DismissalReason
from sanctions.services import violation_dismiss, violation_review
from tests.factories import DepartmentFactory
from tests.oversight.conftest import Cast
from tests.oversight.test_dashboard import at, finish, opened
from tests.sanctions.conftest import SanctionsCast, confirm, decide, raise_finding, sc

pytestmark = [pytest.mark.django_db]

__all__ = ["sc"]

APRIL_FIRST = at(1, 1, 0, month=4)  # 01:00 on 1 April 2026, when beat runs


@pytest.fixture
def march(cast: Cast, sc: SanctionsCast) -> dict[str, Any]:
    """In March 2026: a complaint completed on time and rated 5 (service department);
    a complaint to the network department left open; two violations raised, one
    confirmed and sanctioned, one dismissed; a fault outage of the network department."""
    done = opened(cast, at(2))
    opened(cast, at(10), department=cast.network)  # still open when the reports are made
    finish(cast, done, resolved=at(3, 9), closed=at(3, 15), rating=5)
    confirmed = confirm(sc, raise_finding(sc, "breach-overdue", sc.handler, at(5)), at(6))
    dismissed = raise_finding(sc, "breach-overdue", sc.handler, at(18))
    with time_machine.travel(at(19), tick=False):
        dismissed = violation_review(actor=sc.inspector, violation=dismissed)
        violation_dismiss(
            actor=sc.inspector, violation=dismissed, reason=DismissalReason.NOT_FOUNDED
        )
    decision = decide(sc, confirmed, at(20))
    DepartmentFactory(code="dispatch", name="生产调度部", is_dispatch=True)
    with time_machine.travel(at(23), tick=False):
        outage_record(
            actor=cast.network_head,
            kind=OutageKind.FAULT,
            title="DN300 主管爆管",
            area="东区",
            households=1200,
            starts_at=at(23),
            expected_restoration_at=at(23) + timedelta(hours=10),
            cause="管道老化",
            department=cast.network,
        )
    return {"case": done, "decision": decision}


def test_it_names_the_periods_that_just_ended() -> None:
    assert report_period(kind=ReportKind.HALF_MONTH, day=at(10).date()) == (
        at(1).date(),
        at(15).date(),
    )
    assert report_period(kind=ReportKind.HALF_MONTH, day=at(2, month=2).date())[1].day == 15
    second_half_of_feb = report_period(kind=ReportKind.HALF_MONTH, day=at(20, month=2).date())
    assert second_half_of_feb == (at(16, month=2).date(), at(28, month=2).date())
    assert periods_just_ended(today=at(16).date()) == [
        (ReportKind.HALF_MONTH, at(1).date(), at(15).date())
    ]
    assert periods_just_ended(today=APRIL_FIRST.date()) == [
        (ReportKind.HALF_MONTH, at(16).date(), at(31).date()),
        (ReportKind.MONTH, at(1).date(), at(31).date()),
    ]
    assert periods_just_ended(today=at(10).date()) == []


def test_it_registers_the_beat_task_on_the_1st_and_16th() -> None:
    task = PeriodicTask.objects.select_related("crontab").get(
        task="oversight.tasks.produce_reports"
    )
    assert task.enabled
    assert (task.crontab.day_of_month, task.crontab.hour, task.crontab.minute) == ("1,16", "1", "0")
    assert str(task.crontab.timezone) == "Asia/Shanghai"


def test_it_produces_each_report_once_however_often_the_task_runs(
    march: dict[str, Any],
) -> None:
    with time_machine.travel(APRIL_FIRST, tick=False):
        first = produce_reports()
        again = produce_reports()
    assert len(first) == 2
    assert again == []
    kept = PeriodicReport.objects.order_by("kind")
    assert [(r.kind, r.period_start.day, r.period_end.day) for r in kept] == [
        (ReportKind.HALF_MONTH, 16, 31),
        (ReportKind.MONTH, 1, 31),
    ]
    with time_machine.travel(APRIL_FIRST + timedelta(days=15), tick=False):
        produce_reports()  # the 16th: the first half of April
        produce_reports()
    assert PeriodicReport.objects.filter(kind=ReportKind.HALF_MONTH).count() == 2


def test_it_keeps_the_figures_of_the_period(cast: Cast, march: dict[str, Any]) -> None:
    with time_machine.travel(APRIL_FIRST, tick=False):
        produce_reports()
    month = PeriodicReport.objects.get(kind=ReportKind.MONTH).figures
    assert month["total"]["completed"] == 1
    assert (month["total"]["open"], month["total"]["opened"]) == (1, 2)
    assert month["total"]["on_time_rate"] == 100.0
    assert month["total"]["rating"] == 5.0
    assert month["feedback_target"] == 100
    service = next(d for d in month["departments"] if d["code"] == "service")
    assert (service["name"], service["completed"], service["handling_days"]) == (
        "客户服务中心",
        1,
        1.0,
    )
    assert {k: month["violations"][k] for k in ("raised", "confirmed", "dismissed")} == {
        "raised": 2,
        "confirmed": 1,
        "dismissed": 1,
    }
    assert month["sanctions"]["approved"] == 1
    assert month["sanctions"]["by_kind"] == dict.fromkeys(march["decision"].chosen_kinds, 1)
    assert (month["outages"]["faults"], month["outages"]["households"]) == (1, 1200)
    assert month["outages"]["large"] == 1
    # The second half month: the dismissal and the sanction, not the raising on the 5th;
    # no outage section (outage figures are by calendar month).
    half = PeriodicReport.objects.get(kind=ReportKind.HALF_MONTH).figures
    assert (half["violations"]["raised"], half["violations"]["dismissed"]) == (1, 1)
    assert half["violations"]["confirmed"] == 0
    assert half["total"]["completed"] == 0
    assert half["outages"] is None


def test_it_never_changes_a_report_after_it_is_produced(
    cast: Cast, sc: SanctionsCast, march: dict[str, Any]
) -> None:
    with time_machine.travel(APRIL_FIRST, tick=False):
        report, created = report_produce(kind=ReportKind.MONTH, day=at(5).date(), now=APRIL_FIRST)
    assert created
    frozen = report.figures
    # Later: another March completion and violation enter the data.
    late_entry = opened(cast, at(25))
    finish(cast, late_entry, resolved=at(26, 9), closed=at(26, 15), rating=1)
    raise_finding(sc, "breach-overdue", sc.handler, at(27))
    cast.service.name = "客服中心(改名)"
    cast.service.save()
    with time_machine.travel(APRIL_FIRST + timedelta(days=2), tick=False):
        again, created = report_produce(
            kind=ReportKind.MONTH, day=at(5).date(), now=APRIL_FIRST + timedelta(days=2)
        )
        call_command(
            "oversight_produce_report", "--kind", "month", "--date", "2026-03-31", stdout=StringIO()
        )
    assert (again.pk, created) == (report.pk, False)
    assert PeriodicReport.objects.get(pk=report.pk).figures == frozen
    assert frozen["total"]["completed"] == 1
    # The row itself refuses changes (in the database too: the next test).
    with pytest.raises(PermissionError):
        report.save()


# PostgreSQL only: the trigger that refuses changes to a kept report is created by
# migration 0003 on PostgreSQL alone (SQLite, for demos, has no such trigger).
@pytest.mark.postgres
def test_it_refuses_changes_to_a_kept_report_in_the_database(march: dict[str, Any]) -> None:
    with time_machine.travel(APRIL_FIRST, tick=False):
        report_produce(kind=ReportKind.MONTH, day=at(5).date(), now=APRIL_FIRST)
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE oversight_periodicreport SET figures = '{}'")


def test_it_produces_a_report_by_hand_and_refuses_a_running_period(
    march: dict[str, Any],
) -> None:
    out = StringIO()
    with time_machine.travel(APRIL_FIRST, tick=False):
        call_command(
            "oversight_produce_report", "--kind", "half_month", "--date", "2026-03-10", stdout=out
        )
        assert "produced" in out.getvalue()
        with pytest.raises(CommandError):
            call_command(
                "oversight_produce_report", "--kind", "month", "--date", "2026-04-01", stdout=out
            )
    report = PeriodicReport.objects.get()
    assert (report.period_start, report.period_end) == (at(1).date(), at(15).date())
    assert report.generated_by is None
    assert report.figures["total"]["completed"] == 1


@pytest.fixture
def kept(march: dict[str, Any]) -> PeriodicReport:
    with time_machine.travel(APRIL_FIRST, tick=False):
        produce_reports()
    return PeriodicReport.objects.get(kind=ReportKind.MONTH)


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_it_downloads_the_report_as_excel_with_its_figures(
    cast: Cast, kept: PeriodicReport
) -> None:
    response = _client(cast.leader).get(reverse("oversight:report_xlsx", args=[kept.pk]))
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    book = load_workbook(BytesIO(response.content))
    sheet = book[gettext("Figures by department")]
    rows = list(sheet.iter_rows(values_only=True))
    # The title, then the period and scope (issue 22), then the header row.
    assert [row[0] for row in rows[1:4]] == [
        "期间：2026-03-01 至 2026-03-31",
        "部门：全部部门",
        "生成时间：2026-04-01 01:00",
    ]
    header = rows[4]
    assert header[0] == gettext("Department")
    service = next(row for row in rows if row[0] == "客户服务中心")
    by_header = dict(zip(header, service, strict=True))
    assert by_header[gettext("Completed")] == 1
    assert by_header[gettext("On-time completion")] == 100.0
    assert by_header[gettext("Satisfaction (out of 5)")] == 5.0
    violations = list(book[gettext("Violations")].iter_rows(values_only=True))
    assert violations[-1] == (gettext("In all"), 2, 1, 1)
    outages = dict(book[gettext("Outages")].iter_rows(min_row=6, values_only=True))
    assert outages[gettext("Fault outages")] == 1


def test_it_shows_a_printable_page(cast: Cast, kept: PeriodicReport) -> None:
    response = _client(cast.inspector).get(reverse("oversight:report", args=[kept.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert gettext("Cases by department") in html
    assert "客户服务中心" in html
    assert "管网所" in html
    assert "oversight/reports.css" in html
    assert reverse("oversight:report_xlsx", args=[kept.pk]) in html
    css = (Path(settings.BASE_DIR) / "static" / "oversight" / "reports.css").read_text()
    assert "@media print" in css
    assert ".no-print" in css


def test_it_shows_a_head_their_own_department_only(cast: Cast, kept: PeriodicReport) -> None:
    client = _client(cast.network_head)
    html = client.get(reverse("oversight:report", args=[kept.pk])).content.decode()
    assert "管网所" in html
    assert "客户服务中心" not in html
    book = load_workbook(
        BytesIO(client.get(reverse("oversight:report_xlsx", args=[kept.pk])).content)
    )
    names = [row[0] for row in book[gettext("Figures by department")].iter_rows(values_only=True)]
    assert "部门：管网所" in names
    assert "客户服务中心" not in names
    assert gettext("All departments") not in names


def test_it_refuses_the_reports_to_other_staff(cast: Cast, kept: PeriodicReport) -> None:
    client = _client(cast.handler)
    assert client.get(reverse("oversight:reports")).status_code == 403
    assert client.get(reverse("oversight:report", args=[kept.pk])).status_code == 403
    assert client.get(reverse("oversight:report_xlsx", args=[kept.pk])).status_code == 403


def test_it_lists_the_reports_in_a_fixed_number_of_queries(
    cast: Cast, kept: PeriodicReport, django_assert_num_queries: Any
) -> None:
    client = _client(cast.leader)
    client.get(reverse("oversight:reports"))  # warm the session
    with django_assert_num_queries(7):  # 6, and the schedule row (issue 22)
        first = client.get(reverse("oversight:reports"))
    with time_machine.travel(APRIL_FIRST, tick=False):
        for day in (5, 20):
            report_produce(kind=ReportKind.HALF_MONTH, day=at(day, month=2).date(), now=APRIL_FIRST)
        report_produce(kind=ReportKind.MONTH, day=at(5, month=2).date(), now=APRIL_FIRST)
    with django_assert_num_queries(7):  # 6, and the schedule row (issue 22)
        more = client.get(reverse("oversight:reports"))
    assert len(first.context["page"].object_list) == 2
    assert len(more.context["page"].object_list) == 5
    assert reverse("oversight:report_xlsx", args=[kept.pk]) in more.content.decode()
