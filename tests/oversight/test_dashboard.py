"""The dashboard (issue 8, lines 1, 2 and 5): figures, drill-down lists, scope, filters,
charts and a query count that does not grow with the data."""

from __future__ import annotations

import re
from datetime import date, datetime
from io import StringIO
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils.translation import gettext
from django_celery_beat.models import PeriodicTask

from deadlines.models import Case, Clock, ClockKind, MatterKind
from deadlines.selectors.calendar import calendar_snapshot
from deadlines.services.cases import (
    case_accept,
    case_close,
    case_log_feedback,
    case_rate,
    case_resolve,
    case_start_work,
)
from oversight.models import DailyFigures
from oversight.selectors.dashboard import Dashboard, DashboardFilters, Figure, dashboard_figures
from oversight.services.figures import figures_refresh
from oversight.tasks import refresh_figures
from tests.factories import PASSWORD
from tests.oversight.conftest import Cast, open_case

pytestmark = [pytest.mark.django_db]

TZ = ZoneInfo("Asia/Shanghai")
MARCH = {"start": "2026-03-01", "end": "2026-03-31"}


def at(day: int, hour: int = 10, minute: int = 0, month: int = 3) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=TZ)


def opened(cast: Cast, when: datetime, **fields: Any) -> Case:
    with time_machine.travel(when, tick=False):
        return open_case(cast, **fields)


def finish(
    cast: Cast, case: Case, *, resolved: datetime, closed: datetime, rating: int | None
) -> Case:
    """Worked by the service department's handler, signed off by the head, rated."""
    with time_machine.travel(case.opened_at, tick=False):
        case = case_accept(actor=cast.head, case=case, handler=cast.handler)
        case = case_start_work(actor=cast.handler, case=case)
    with time_machine.travel(resolved, tick=False):
        case = case_resolve(actor=cast.handler, case=case, resolution="已维修。")
    with time_machine.travel(closed, tick=False):
        case = case_close(actor=cast.head, case=case)
        if rating is not None:
            case = case_rate(actor=cast.desk, case=case, rating=rating, caused_by_unit=False)
    return case


@pytest.fixture
def open_cases(cast: Cast) -> dict[str, Case]:
    """At noon on Wednesday 4 March 2026: complaints whose 2-day result clocks are past
    due (red), past their warning point a working day before (yellow), or neither."""
    return {
        "red": opened(cast, at(26, month=2), service_item_code="water-pressure"),
        "yellow": opened(cast, at(2), service_item_code="water-pressure"),
        "green": opened(cast, at(4, 9)),
        "network_red": opened(
            cast, at(26, month=2), department=cast.network, service_item_code="leak"
        ),
    }


@pytest.fixture
def finished_cases(cast: Cast) -> dict[str, Case]:
    """Two complaints completed in March: one on time in a working day (rated 5), one
    late after four working days (rated 2); and a consultation answered in half an hour
    on its 1-hour feedback clock."""
    on_time = opened(cast, at(2))
    finish(cast, on_time, resolved=at(3, 9), closed=at(3, 15), rating=5)
    late = opened(cast, at(26, month=2))
    finish(cast, late, resolved=at(4, 9), closed=at(4, 11), rating=2)
    consultation = opened(cast, at(5), matter_kind=MatterKind.CONSULTATION)
    with time_machine.travel(at(5, 10, 30), tick=False):
        case_log_feedback(
            actor=cast.desk,
            case=consultation,
            audience="citizen",
            channel="phone",
            content="已答复",
        )
    return {"on_time": on_time, "late": late, "consultation": consultation}


def figures(cast: Cast, now: datetime, **filters: Any) -> Dashboard:
    """The dashboard's figures at `now`, for everyone's departments, after the summary
    was brought up to date then."""
    figures_refresh(now=now)
    values = {"start": date(2026, 3, 1), "end": date(2026, 3, 31), **filters}
    return dashboard_figures(
        filters=DashboardFilters(**values),
        now=now,
        department_ids=[cast.service.pk, cast.network.pk],
    )


def signed_in(user: Any) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def listed(client: Client, **params: str) -> list[str]:
    response = client.get(reverse("oversight:cases"), params)
    assert response.status_code == 200
    return [case.number for case in response.context["page"].object_list]


def test_it_counts_open_at_risk_and_overdue_by_department_and_service_item(
    cast: Cast, open_cases: dict[str, Case]
) -> None:
    board = figures(cast, at(4, 12))
    assert (board.total.open, board.total.yellow, board.total.red) == (4, 1, 2)
    service = board.by_department[cast.service.pk]
    assert (service.open, service.yellow, service.red) == (3, 1, 1)
    network = board.by_department[cast.network.pk]
    assert (network.open, network.yellow, network.red) == (1, 0, 1)
    pressure = board.by_service_item["water-pressure"]
    assert (pressure.open, pressure.yellow, pressure.red) == (2, 1, 1)
    assert (board.by_service_item[""].open, board.by_service_item["leak"].red) == (1, 1)


def test_it_drills_each_open_figure_down_to_the_same_cases(
    cast: Cast, open_cases: dict[str, Case]
) -> None:
    client = signed_in(cast.leader)
    with time_machine.travel(at(4, 12), tick=False):
        red = listed(client, figure=Figure.RED, **MARCH)
        yellow = listed(client, figure=Figure.YELLOW, **MARCH)
        open_ = listed(client, figure=Figure.OPEN, **MARCH)
        network_red = listed(client, figure=Figure.RED, department="network", **MARCH)
        item = listed(client, figure=Figure.OPEN, service_item="~", **MARCH)
    assert sorted(red) == sorted([open_cases["red"].number, open_cases["network_red"].number])
    assert yellow == [open_cases["yellow"].number]
    assert len(open_) == 4
    assert network_red == [open_cases["network_red"].number]
    assert item == [open_cases["green"].number]


def test_it_links_every_dashboard_figure_to_its_list(
    cast: Cast, open_cases: dict[str, Case]
) -> None:
    client = signed_in(cast.leader)
    with time_machine.travel(at(4, 12), tick=False):
        page = client.get(reverse("oversight:dashboard"), MARCH).content.decode()
        red_link = re.search(r'data-figure="red"><a href="([^"]+)">2<', page)
        assert red_link is not None
        target = client.get(red_link.group(1).replace("&amp;", "&"))
    assert sorted(c.number for c in target.context["page"].object_list) == sorted(
        [open_cases["red"].number, open_cases["network_red"].number]
    )


def test_it_measures_completions_handling_time_satisfaction_and_feedback(
    cast: Cast, finished_cases: dict[str, Case]
) -> None:
    board = figures(cast, at(6, 12))
    total = board.total
    assert (total.completed, total.on_time, total.late, total.on_time_rate) == (2, 1, 1, 50.0)
    calendar = calendar_snapshot()
    days = [
        calendar.working_days_between(date(2026, 3, 2), date(2026, 3, 3)),
        calendar.working_days_between(date(2026, 2, 26), date(2026, 3, 4)),
    ]
    # Thu 26 Feb → Wed 4 Mar: Fri, Sat 28 Feb (a make-up working day of the 2026 Spring
    # Festival), Mon, Tue, Wed: deadlines' official calendar, not a weekday count.
    assert days == [1, 5]
    assert total.handling_days == 3.0
    assert (total.rated, total.rating) == (2, 3.5)
    # Result fed back to the complainants: one on time, one late; the consultation's
    # first feedback within its hour.
    assert (total.feedback, total.feedback_on_time, total.feedback_rate) == (3, 2, 66.7)
    # Both completions fall in the week of Monday 2 March and in March.
    assert board.by_week[date(2026, 3, 2)].completed == 2
    assert board.by_month[date(2026, 3, 1)].on_time == 1
    assert board.by_month[date(2026, 3, 1)].opened == 2  # the one of 26 Feb is February's


def test_it_lists_late_completions_and_late_feedback(
    cast: Cast, finished_cases: dict[str, Case]
) -> None:
    client = signed_in(cast.leader)
    with time_machine.travel(at(6, 12), tick=False):
        late = listed(client, figure=Figure.LATE, **MARCH)
        on_time = listed(client, figure=Figure.ON_TIME, **MARCH)
        feedback_late = listed(client, figure=Figure.FEEDBACK_LATE, **MARCH)
        feedback = listed(client, figure=Figure.FEEDBACK, **MARCH)
        rated = listed(client, figure=Figure.RATED, **MARCH)
    assert late == [finished_cases["late"].number]
    assert on_time == [finished_cases["on_time"].number]
    assert feedback_late == [finished_cases["late"].number]
    assert len(feedback) == 3
    assert len(rated) == 2


def test_it_counts_each_case_on_its_local_day_week_and_month(cast: Cast) -> None:
    """Local (Asia/Shanghai) days, Monday weeks and months, on PostgreSQL and SQLite
    alike: each of these cases is on another UTC day than its local one."""
    for when in (
        at(1, 7, 59),  # Sunday 1 March (UTC: Saturday 28 February)
        at(2, 0, 30),  # Monday 2 March (UTC: Sunday 1 March)
        at(31, 23, 30),  # Tuesday 31 March
        at(1, 0, 30, month=4),  # Wednesday 1 April (UTC: 31 March)
    ):
        opened(cast, when)
    now = at(30, 12, month=4)
    board = figures(cast, now, start=date(2026, 2, 23), end=date(2026, 4, 5))
    assert [(week, counts.opened) for week, counts in board.by_week.items()] == [
        (date(2026, 2, 23), 1),
        (date(2026, 3, 2), 1),
        (date(2026, 3, 9), 0),
        (date(2026, 3, 16), 0),
        (date(2026, 3, 23), 0),
        (date(2026, 3, 30), 2),
    ]
    assert [(month, counts.opened) for month, counts in board.by_month.items()] == [
        (date(2026, 2, 1), 0),
        (date(2026, 3, 1), 3),
        (date(2026, 4, 1), 1),
    ]
    assert set(DailyFigures.objects.filter(opened__gt=0).values_list("day", flat=True)) == {
        date(2026, 3, 1),
        date(2026, 3, 2),
        date(2026, 3, 31),
        date(2026, 4, 1),
    }
    # The result clocks never stopped: each is late feedback on the day it fell due.
    due = [
        due_at.astimezone(TZ).date()
        for due_at in Clock.objects.filter(kind=ClockKind.RESULT).values_list("due_at", flat=True)
        if due_at is not None
    ]
    assert len(due) == 4
    in_period = sum(date(2026, 2, 23) <= day <= date(2026, 4, 5) for day in due)
    assert (board.total.feedback, board.total.feedback_on_time) == (in_period, 0)
    assert board.total.open == 4


def test_it_filters_by_kind_of_matter_and_period(
    cast: Cast, finished_cases: dict[str, Case]
) -> None:
    consultations = figures(cast, at(6, 12), matter_kind=MatterKind.CONSULTATION)
    assert (consultations.total.completed, consultations.total.feedback) == (0, 1)
    february = figures(cast, at(6, 12), start=date(2026, 2, 1), end=date(2026, 2, 28))
    assert (february.total.opened, february.total.completed) == (1, 0)


def test_it_shows_a_head_only_their_own_department(cast: Cast, open_cases: dict[str, Case]) -> None:
    client = signed_in(cast.head)
    with time_machine.travel(at(4, 12), tick=False):
        response = client.get(reverse("oversight:dashboard"), {**MARCH, "department": "network"})
        red = listed(client, figure=Figure.RED, department="network", **MARCH)
    board = response.context["board"]
    assert board.filters.department_id == cast.service.pk
    assert (board.total.open, board.total.red) == (3, 1)
    assert list(board.by_department) == [cast.service.pk]
    assert red == [open_cases["red"].number]
    assert "department" not in response.context["form"].fields


def test_it_lets_leadership_pick_a_department(cast: Cast, open_cases: dict[str, Case]) -> None:
    client = signed_in(cast.inspector)
    with time_machine.travel(at(4, 12), tick=False):
        response = client.get(reverse("oversight:dashboard"), {**MARCH, "department": "network"})
    assert response.status_code == 200
    assert (response.context["board"].total.open, response.context["board"].total.red) == (1, 1)


@pytest.mark.parametrize("who", ["desk", "handler", "outsider"])
def test_it_refuses_staff_who_are_not_heads_or_leadership(cast: Cast, who: str) -> None:
    client = signed_in(getattr(cast, who))
    assert client.get(reverse("oversight:dashboard")).status_code == 403
    assert client.get(reverse("oversight:cases"), {"figure": "red"}).status_code == 403


def test_it_explains_a_period_that_ends_before_it_starts(cast: Cast) -> None:
    client = signed_in(cast.leader)
    response = client.get(
        reverse("oversight:dashboard"), {"start": "2026-03-31", "end": "2026-03-01"}
    )
    assert response.status_code == 200
    assert gettext("The period ends before it starts.") in response.content.decode()
    # The figures fall back to the default period rather than failing.
    assert response.context["board"].filters.start <= response.context["board"].filters.end


def test_it_refuses_an_unknown_figure_with_a_reason(cast: Cast) -> None:
    response = signed_in(cast.leader).get(reverse("oversight:cases"), {"figure": "everything"})
    assert response.status_code == 400
    assert response.context["form"].errors["figure"]


def test_it_draws_labelled_bar_and_line_charts(cast: Cast, open_cases: dict[str, Case]) -> None:
    client = signed_in(cast.leader)
    with time_machine.travel(at(4, 12), tick=False):
        page = client.get(reverse("oversight:dashboard"), MARCH).content.decode()
    assert page.count('<svg class="chart bars"') == 2
    assert page.count('<svg class="chart lines"') == 2
    assert cast.service.name in page
    assert cast.network.name in page
    assert gettext("Open cases by department") in page
    assert '<rect class="red"' in page
    assert '<polyline class="line opened"' in page
    assert "@media print" in (settings.BASE_DIR / "static/oversight/dashboard.css").read_text()


def _dashboard_and_list(client: Client) -> None:
    assert client.get(reverse("oversight:dashboard"), MARCH).status_code == 200
    assert listed(client, figure=Figure.OPEN, **MARCH) is not None


# 10: the callback figures (intake.selectors.callback) are one more.
DASHBOARD_QUERIES = 10
LIST_QUERIES = 7


@pytest.mark.parametrize("extra_cases", [0, 30])
def test_it_issues_a_fixed_number_of_queries_whatever_the_data(
    cast: Cast,
    finished_cases: dict[str, Case],
    extra_cases: int,
    django_assert_num_queries: Any,
) -> None:
    for n in range(extra_cases):
        department = cast.network if n % 2 else cast.service
        opened(cast, at(1 + n % 5), department=department, service_item_code=f"item-{n % 7}")
    client = signed_in(cast.leader)
    figures_refresh(now=at(6, 12))
    with time_machine.travel(at(6, 12), tick=False):
        _dashboard_and_list(client)  # the calendar snapshot is built once per change
        with django_assert_num_queries(DASHBOARD_QUERIES):
            client.get(reverse("oversight:dashboard"), MARCH)
        with django_assert_num_queries(LIST_QUERIES):
            client.get(reverse("oversight:cases"), {"figure": Figure.OPEN, **MARCH})


def test_it_brings_the_summary_up_to_date_with_cases_changed_long_after(cast: Cast) -> None:
    """A rating given months after the close counts on the day of the close, though
    that day is long out of the window every refresh recomputes."""
    case = finish(cast, opened(cast, at(2)), resolved=at(3, 9), closed=at(3, 15), rating=None)
    assert (figures(cast, at(6, 12)).total.completed, figures(cast, at(6, 12)).total.rated) == (
        1,
        0,
    )
    with time_machine.travel(at(20, month=5), tick=False):
        case_rate(actor=cast.desk, case=case, rating=4, caused_by_unit=False)
    board = figures(cast, at(20, 12, month=5))
    assert (board.total.completed, board.total.rated, board.total.rating) == (1, 1, 4.0)


def test_it_recomputes_days_whole_so_a_second_run_changes_nothing(
    cast: Cast, finished_cases: dict[str, Case]
) -> None:
    first = figures(cast, at(6, 12)).total
    again = figures(cast, at(6, 12)).total
    assert first == again
    assert DailyFigures.objects.filter(day=date(2026, 3, 3)).count() == 1


def test_it_shows_when_the_period_figures_were_last_computed(
    cast: Cast, finished_cases: dict[str, Case]
) -> None:
    client = signed_in(cast.leader)
    before = client.get(reverse("oversight:dashboard"), MARCH)
    assert gettext("The period figures have not been computed yet.") in before.content.decode()
    figures_refresh(now=at(6, 12))
    after = client.get(reverse("oversight:dashboard"), MARCH)
    assert after.context["board"].refreshed_at == at(6, 12)
    assert after.context["board"].total.completed == 2


def test_it_schedules_the_refresh_and_the_task_runs_it(
    cast: Cast, finished_cases: dict[str, Case]
) -> None:
    task = PeriodicTask.objects.select_related("interval").get(
        task="oversight.tasks.refresh_figures"
    )
    assert task.enabled
    assert (task.interval.every, task.interval.period) == (5, "minutes")
    with time_machine.travel(at(6, 12), tick=False):
        assert refresh_figures() > 0
    assert DailyFigures.objects.filter(day=date(2026, 3, 3), completed=1).exists()


def test_it_recomputes_every_day_from_the_command_line(
    cast: Cast, finished_cases: dict[str, Case]
) -> None:
    out = StringIO()
    with time_machine.travel(at(6, 12), tick=False):
        call_command("oversight_refresh_figures", "--full", stdout=out)
    # From the first case's day (26 February) to today (6 March).
    assert out.getvalue().strip() == "9 days recomputed"
    assert DailyFigures.objects.filter(day=date(2026, 3, 4), completed=1, on_time=0).exists()


def test_it_tells_a_head_without_a_department_to_ask_an_administrator(cast: Cast) -> None:
    cast.head.staff.delete()
    response = signed_in(cast.head).get(reverse("oversight:dashboard"))
    assert response.status_code == 200
    assert (
        gettext("Your account belongs to no department. Ask an administrator.")
        in response.content.decode()
    )
