"""The daily summary and the dashboard's breakdowns against a plain Python count of the
same cases (DOMAIN §9, the definitions in oversight.selectors.dashboard). These tests run on
PostgreSQL and on SQLite (the demo's database, oversight.sql): each backend agreeing
with the same reference is what makes their figures identical. The times are spread
over local midnights (Asia/Shanghai, UTC+8), where a local day is not the UTC one."""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.db.models import F

from deadlines.models import Case, CaseState, Clock
from deadlines.selectors.calendar import calendar_snapshot
from deadlines.services.cases import case_log_feedback
from oversight.models import DailyFigures
from oversight.selectors.dashboard import (
    FEEDBACK_CLOCK,
    HANDLING_CLOCKS,
    OPEN_STATES,
    DashboardFilters,
    dashboard_figures,
)
from oversight.services.figures import figures_refresh
from tests.oversight.conftest import Cast
from tests.oversight.test_dashboard import TZ, at, finish, opened

pytestmark = [pytest.mark.django_db]

FIELDS = (
    "opened",
    "completed",
    "on_time",
    "handling_days",
    "rated",
    "rating_sum",
    "feedback",
    "feedback_on_time",
)
Key = tuple[date, int, str, str]


@pytest.fixture
def spread_cases(cast: Cast) -> None:
    """Complaints and consultations opened at all hours from 20 February to 20 March
    2026, in both departments, under two service items or none; the service
    department's mostly completed a few days later at any hour, some late, some rated;
    consultations answered within their hour or after it, or not at all."""
    rng = random.Random(2026)
    for n in range(16):
        when = at(20, month=2) + timedelta(minutes=rng.randrange(28 * 24 * 60))
        department = cast.network if n % 3 == 0 else cast.service
        item = ("leak", "water-pressure", "")[n % 3]
        if n % 4 == 3:
            case = opened(cast, when, matter_kind="consultation", department=department)
            if n % 8 != 7:
                with time_machine.travel(when + timedelta(minutes=rng.choice((20, 50, 70, 300)))):
                    case_log_feedback(
                        actor=cast.desk,
                        case=case,
                        audience="citizen",
                        channel="phone",
                        content="已答复",
                    )
            continue
        case = opened(cast, when, department=department, service_item_code=item)
        if n % 5 == 4 or department == cast.network:
            continue  # still open (finish: the service department's staff)
        resolved = when + timedelta(hours=rng.randrange(3, 120))
        closed = resolved + timedelta(hours=rng.randrange(1, 30))
        rating = rng.choice((None, 1, 3, 5))
        finish(cast, case, resolved=resolved, closed=closed, rating=rating)


def _local_day(moment: datetime) -> date:
    return moment.astimezone(TZ).date()


def _reference(now: datetime) -> dict[Key, Counter[str]]:
    """The daily figures counted in Python from the cases and their clocks."""
    calendar = calendar_snapshot()
    rows: dict[Key, Counter[str]] = defaultdict(Counter)
    for case in Case.objects.all():
        key_of = (case.department_id, case.service_item_code, case.matter_kind)
        rows[(_local_day(case.opened_at), *key_of)]["opened"] += 1
        if case.state == CaseState.CLOSED and case.closed_at is not None:
            row = rows[(_local_day(case.closed_at), *key_of)]
            row["completed"] += 1
            late = any(
                clock.due_at is not None and clock.due_at < (clock.stopped_at or now)
                for clock in case.clocks.filter(kind__in=HANDLING_CLOCKS)
            )
            row["on_time"] += not late
            row["handling_days"] += calendar.working_days_between(
                _local_day(case.opened_at), _local_day(case.closed_at)
            )
            row["rated"] += case.rating is not None
            row["rating_sum"] += case.rating or 0
    for clock in Clock.objects.filter(FEEDBACK_CLOCK).select_related("case"):
        moments = [m for m in (clock.stopped_at, clock.due_at) if m is not None]
        if not moments or min(moments) >= now:
            continue
        case = clock.case
        row = rows[
            (_local_day(min(moments)), case.department_id, case.service_item_code, case.matter_kind)
        ]
        row["feedback"] += 1
        on_time = clock.due_at is None or (
            clock.stopped_at is not None and clock.stopped_at <= clock.due_at
        )
        row["feedback_on_time"] += on_time
    return {key: row for key, row in rows.items() if any(row.values())}


def _kept() -> dict[Key, Counter[str]]:
    kept: dict[Key, Counter[str]] = {}
    for figures in DailyFigures.objects.all():
        key = (figures.day, figures.department_id, figures.service_item_code, figures.matter_kind)
        assert key not in kept
        kept[key] = Counter({name: getattr(figures, name) for name in FIELDS})
    return kept


def _plain(rows: dict[Key, Counter[str]]) -> dict[Key, dict[str, int]]:
    return {key: {name: row[name] for name in FIELDS} for key, row in rows.items()}


def test_it_keeps_the_daily_figures_a_plain_count_gives(cast: Cast, spread_cases: None) -> None:
    now = at(25, 12)
    # The cases span the local midnights the test is about.
    hours = {case.opened_at.astimezone(TZ).hour for case in Case.objects.all()}
    assert hours & set(range(8))  # before 08:00 local: the day before in UTC
    assert hours - set(range(8))
    assert Case.objects.filter(state=CaseState.CLOSED).count() >= 6
    assert Clock.objects.filter(FEEDBACK_CLOCK, stopped_at__gt=F("due_at")).exists()
    figures_refresh(now=now, full=True)
    expected = _reference(now)
    assert sum(row["completed"] for row in expected.values()) >= 6
    assert _plain(_kept()) == _plain(expected)


def test_it_breaks_the_period_down_by_week_and_month_as_a_plain_count(
    cast: Cast, spread_cases: None
) -> None:
    now = at(25, 12)
    figures_refresh(now=now, full=True)
    start, end = date(2026, 2, 16), date(2026, 3, 22)
    board = dashboard_figures(
        filters=DashboardFilters(start=start, end=end),
        now=now,
        department_ids=[cast.service.pk, cast.network.pk],
    )
    weeks: dict[date, Counter[str]] = defaultdict(Counter)
    months: dict[date, Counter[str]] = defaultdict(Counter)
    items: dict[str, Counter[str]] = defaultdict(Counter)
    for (day, _department, item, _kind), row in _reference(now).items():
        if start <= day <= end:
            weeks[day - timedelta(days=day.weekday())].update(row)
            months[day.replace(day=1)].update(row)
            items[item].update(row)

    def seen(counts: Any) -> dict[str, int]:
        return {
            name: getattr(counts, "handling_days_sum" if name == "handling_days" else name)
            for name in FIELDS
        }

    assert list(board.by_week) == [start + timedelta(weeks=n) for n in range(5)]
    for week, counts in board.by_week.items():
        assert seen(counts) == {name: weeks[week][name] for name in FIELDS}, week
    for month, counts in board.by_month.items():
        assert seen(counts) == {name: months[month][name] for name in FIELDS}, month
    by_item = {item: seen(counts) for item, counts in board.by_service_item.items()}
    assert {item: counts for item, counts in by_item.items() if any(counts.values())} == {
        item: {name: row[name] for name in FIELDS} for item, row in items.items()
    }
    assert seen(board.total) == {name: sum(row[name] for row in weeks.values()) for name in FIELDS}
    # Open cases now, live: every case not ended.
    assert board.total.open == Case.objects.filter(state__in=OPEN_STATES).count() > 0
