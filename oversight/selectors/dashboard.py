"""The dashboard's figures and the case lists behind them.

Every figure is aggregated in SQL, a fixed number of statements whatever the number of
cases, so that a figure and its parts come from one scan. Open, at-risk and overdue
cases are counted live, from the case rows alone (the case stores its next due and first
warning moments), by department and service item; the period's figures are read from
the daily summary that oversight.services keeps (oversight.models.DailyFigures), since
summing a million cases at each look is too slow (bench/dashboard.py), by day,
department and service item (grouping sets of one statement), the weeks and months
summed from the days. The SQL is PostgreSQL's;
oversight.sql gives SQLite (the demo's database) the same results.

What the figures mean (DOMAIN §9, §10; seed 003 投诉反馈制度, 投诉工作要求 (5)):

- open: a case not ended (closed, rejected, terminated, withdrawn);
- overdue (red): an open case with a running clock past its due moment: a step that is
  overdue counts even when the whole case is not;
- at risk (yellow): an open case not overdue with a running clock past its warning
  moment. Both are deadlines' one colour rule (deadlines.selectors.clocks: its SQL
  predicates here, its ORM predicates in the lists, its ``case_colour`` for a row), so
  the dashboard, its lists, the staff lists and the case page show the same colour;
- completed: a case closed (signed off) in the period; on time when none of its
  handling clocks (result, closure, review) stopped after its due moment;
- handling time: working days from the day the case was opened to the day it was
  closed, the opening day not counted (民法典 §201), on deadlines' working calendar;
- satisfaction: the ratings (1-5) of the cases completed in the period;
- callback rate, satisfaction (share satisfied, average grade) and rework rate: the
  callbacks owed after the closings in the period (intake.selectors.callback);
- feedback timeliness: the clocks of word owed to the citizen decided in the period,
  each counted once, when its fate was sealed: when it stopped, if before its due moment
  (on time); else at its due moment (late). The target is 100% (seed 003 (5)). Those
  clocks are every first-feedback clock (consultations, help requests, reports,
  transfer follow-ups: seed 003 投诉反馈制度) and a complaint's result clock, which is
  the 2-day "result fed back to the complainant" that target is set for (seed 003
  投诉工作要求 (5), deadlines' policy complaint-result).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import connection
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.db.models.functions import Coalesce, Least
from django.utils import timezone

from deadlines.models import (
    OPEN_STATES,
    Case,
    CaseState,
    Clock,
    ClockKind,
    MatterKind,
)
from deadlines.selectors.cases import LIST_ORDER, CaseList
from deadlines.selectors.clocks import Colour, cases_of_colour
from intake.selectors import callback
from intake.selectors.callback import CallbackBoard, callback_case_filter, callback_figures, share
from oversight import sql
from oversight.models import DailyFigures, FiguresRefresh

# The clocks whose lateness makes a completion late.
HANDLING_CLOCKS = (ClockKind.RESULT.value, ClockKind.CLOSURE.value, ClockKind.REVIEW.value)
# Word owed to the citizen (seed 003 投诉工作要求 (5): 反馈及时率达到100%): these clocks,
# and a complaint's result clock (see the module's docstring).
FEEDBACK_CLOCKS = (ClockKind.FIRST_FEEDBACK.value,)
FEEDBACK_RESULT_KIND = MatterKind.COMPLAINT.value
FEEDBACK_TARGET = 100
# Handling time counts working days on a calendar table from this far before the period;
# a case opened earlier counts from there (a case open for years is an exception the
# list shows, not something an average should hide or be dominated by).
CALENDAR_LOOKBACK = timedelta(days=3 * 366)
NO_SERVICE_ITEM = "~"  # cases registered without a catalogue item, in links


class Figure:
    """The figures a list can be drilled down to (the ``figure`` query parameter)."""

    OPEN = "open"
    YELLOW = "yellow"
    RED = "red"
    OPENED = "opened"
    COMPLETED = "completed"
    ON_TIME = "on_time"
    LATE = "late"
    RATED = "rated"
    FEEDBACK = "feedback"
    FEEDBACK_LATE = "feedback_late"
    # The callback after closing (回访, 好差评): intake.selectors.callback says what they
    # count.
    CALLBACK_DUE = callback.CALLBACK_DUE
    CALLED_BACK = callback.CALLED_BACK
    NOT_CALLED_BACK = callback.NOT_CALLED_BACK
    CALLBACK_RATED = callback.CALLBACK_RATED
    REWORKED = callback.REWORKED

    ALL = (
        OPEN,
        YELLOW,
        RED,
        OPENED,
        COMPLETED,
        ON_TIME,
        LATE,
        RATED,
        FEEDBACK,
        FEEDBACK_LATE,
        *callback.CALLBACK_FIGURES,
    )


@dataclass(frozen=True)
class DashboardFilters:
    start: date
    end: date  # inclusive
    department_id: int | None = None
    matter_kind: str = ""
    service_item_code: str | None = None  # NO_SERVICE_ITEM for "none"; lists only

    def bounds(self) -> tuple[datetime, datetime]:
        """The period as aware instants: local midnight of the start to local midnight
        after the end."""
        tz = timezone.get_current_timezone()
        return (
            datetime.combine(self.start, time(), tzinfo=tz),
            datetime.combine(self.end + timedelta(days=1), time(), tzinfo=tz),
        )


@dataclass
class Counts:
    """The figures of one slice (everything, a department, a service item, a week)."""

    open: int = 0
    yellow: int = 0
    red: int = 0
    opened: int = 0
    completed: int = 0
    on_time: int = 0
    handling_days_sum: int = 0
    rated: int = 0
    rating_sum: int = 0
    feedback: int = 0
    feedback_on_time: int = 0

    @property
    def late(self) -> int:
        return self.completed - self.on_time

    @property
    def feedback_late(self) -> int:
        return self.feedback - self.feedback_on_time

    @property
    def on_time_rate(self) -> float | None:
        return share(self.on_time, self.completed)

    @property
    def feedback_rate(self) -> float | None:
        return share(self.feedback_on_time, self.feedback)

    @property
    def handling_days(self) -> float | None:
        return round(self.handling_days_sum / self.completed, 1) if self.completed else None

    @property
    def rating(self) -> float | None:
        return round(self.rating_sum / self.rated, 2) if self.rated else None


@dataclass
class Dashboard:
    filters: DashboardFilters
    now: datetime
    total: Counts = field(default_factory=Counts)
    by_department: dict[int, Counts] = field(default_factory=dict)
    by_service_item: dict[str, Counts] = field(default_factory=dict)
    by_week: dict[date, Counts] = field(default_factory=dict)
    by_month: dict[date, Counts] = field(default_factory=dict)
    refreshed_at: datetime | None = None  # when the period figures were brought up to date


# The period figures' grouping sets: per day, per department, per service item. The
# total, the weeks (from Monday) and the months are summed here from the days: grouping
# the summary rows by them too would cost a hash table and a date truncation per row.
# GROUPING() tells the sets apart: a bit per key not grouped on, the day's the highest.
_KEYS = ("day", "department_id", "service_item_code")
_SETS = (("day",), ("department_id",), ("service_item_code",))
_BY_DAY, _BY_DEPARTMENT, _BY_SERVICE_ITEM = 0b011, 0b101, 0b110
# The Counts fields the summary's sums fill, in the statement's order.
_PERIOD_FIELDS = (
    "opened",
    "completed",
    "on_time",
    "handling_days_sum",
    "rated",
    "rating_sum",
    "feedback",
    "feedback_on_time",
)


def _where(filters: DashboardFilters, alias: str = "c") -> tuple[str, dict[str, Any]]:
    sql, params = "", dict[str, Any]()
    if filters.department_id is not None:
        sql += f" AND {alias}.department_id = %(department)s"
        params["department"] = filters.department_id
    if filters.matter_kind:
        sql += f" AND {alias}.matter_kind = %(matter_kind)s"
        params["matter_kind"] = filters.matter_kind
    return sql, params


def _open_now(
    filters: DashboardFilters, now: datetime, department_ids: Sequence[int]
) -> QuerySet[Case, tuple[int, str, int, int, int]]:
    """Open, at-risk and overdue cases now, per department and service item: one pass over
    the open cases, each read on its own row. The case stores its running clocks' earliest
    due and warning moments (``Case.next_due_at``, ``Case.first_warn_at``, kept by
    deadlines' triggers), so deadlines' one colour rule (``cases_of_colour``, the lists'
    and their filters' predicate) needs no clock: no join, no aggregate of the running
    clocks. Only the grouped, filtered and compared columns are read (no id), so that an
    index on the open cases holding them can answer alone."""
    cases = Case.objects.filter(department_id__in=department_ids, state__in=OPEN_STATES)
    if filters.department_id is not None:
        cases = cases.filter(department_id=filters.department_id)
    if filters.matter_kind:
        cases = cases.filter(matter_kind=filters.matter_kind)
    return (
        cases.values_list("department_id", "service_item_code")
        .annotate(
            n_open=Count("*"),
            # A red or yellow case has a next due moment: counting it counts the case.
            n_red=Count("next_due_at", filter=cases_of_colour(Colour.RED, now)),
            n_yellow=Count("next_due_at", filter=cases_of_colour(Colour.YELLOW, now)),
        )
        .order_by()
    )


def _slots(board: Dashboard, grouping: int, row: Sequence[Any]) -> list[Counts | None]:
    """The slices a row of the period figures adds to."""
    day, department_id, item = row
    if grouping == _BY_DAY:
        local = sql.as_date(day)
        assert local is not None  # a day's row has its day
        week = local - timedelta(days=local.weekday())
        return [board.total, board.by_week.get(week), board.by_month.get(local.replace(day=1))]
    if grouping == _BY_DEPARTMENT:
        return [board.by_department.setdefault(department_id, Counts())]
    if grouping == _BY_SERVICE_ITEM:
        return [board.by_service_item.setdefault(item, Counts())]
    return []


def _weeks(start: date, end: date) -> list[date]:
    first = start - timedelta(days=start.weekday())
    return [first + timedelta(weeks=n) for n in range((end - first).days // 7 + 1)]


def _months(start: date, end: date) -> list[date]:
    months, month = [], start.replace(day=1)
    while month <= end:
        months.append(month)
        month = (month + timedelta(days=32)).replace(day=1)
    return months


def _figures_sql(where: str) -> str:
    """The period figures, from the daily summary (oversight.services keeps it)."""
    sums = """sum(opened), sum(completed), sum(on_time), sum(handling_days), sum(rated),
           sum(rating_sum), sum(feedback), sum(feedback_on_time)"""
    return f"""
    WITH c AS (
        SELECT c.* FROM {DailyFigures._meta.db_table} AS c
        WHERE c.day >= %(first_day)s AND c.day <= %(last_day)s {where}
    )
    {sql.grouping_sets(keys=_KEYS, sets=_SETS, aggregates=sums, source="c")}
    """


def dashboard_figures(
    *, filters: DashboardFilters, now: datetime, department_ids: Sequence[int]
) -> Dashboard:
    """Every figure of the dashboard in three queries whatever the number of cases: the
    open cases now, live (``_open_now``); the period's figures from the daily summary;
    when that was last brought up to date. ``department_ids``: the departments the viewer
    may see (the open-case count is read by department)."""
    board = Dashboard(filters=filters, now=now)
    board.by_week = {week: Counts() for week in _weeks(filters.start, filters.end)}
    board.by_month = {month: Counts() for month in _months(filters.start, filters.end)}
    where, params = _where(filters)
    params.update(first_day=filters.start, last_day=filters.end)

    for department_id, item, n_open, red, yellow in _open_now(filters, now, department_ids):
        for slot in (
            board.total,
            board.by_department.setdefault(department_id, Counts()),
            board.by_service_item.setdefault(item, Counts()),
        ):
            slot.open += n_open
            slot.red += red
            slot.yellow += yellow
    with connection.cursor() as cursor:
        cursor.execute(_figures_sql(where), sql.params(params))
        for grouping, *row in cursor.fetchall():
            values = [int(v or 0) for v in row[len(_KEYS) :]]
            for counts in _slots(board, grouping, row[: len(_KEYS)]):
                if counts is not None:
                    for name, value in zip(_PERIOD_FIELDS, values, strict=True):
                        setattr(counts, name, getattr(counts, name) + value)
    state = FiguresRefresh.objects.filter(pk=1).first()
    board.refreshed_at = state.refreshed_at if state is not None else None
    return board


# -- the lists behind the figures ------------------------------------------------------------


def _late_handling_clock(now: datetime) -> Exists:
    return Exists(
        Clock.objects.filter(
            case=OuterRef("pk"),
            kind__in=HANDLING_CLOCKS,
            due_at__lt=Coalesce(F("stopped_at"), now),
        )
    )


FEEDBACK_CLOCK = Q(kind__in=FEEDBACK_CLOCKS) | Q(
    kind=ClockKind.RESULT, case__matter_kind=FEEDBACK_RESULT_KIND
)
LATE_CLOCK = Q(due_at__isnull=False) & (Q(stopped_at__isnull=True) | Q(stopped_at__gt=F("due_at")))


def _feedback_decided(start: datetime, end: datetime, now: datetime, *, late: bool) -> Exists:
    clocks = (
        Clock.objects.annotate(decided=Least("stopped_at", "due_at"))
        .filter(FEEDBACK_CLOCK)
        .filter(case=OuterRef("pk"), decided__gte=start, decided__lt=min(end, now))
    )
    return Exists(clocks.filter(LATE_CLOCK) if late else clocks)


def case_list_for_figure(
    *, figure: str, filters: DashboardFilters, now: datetime, department_ids: Sequence[int]
) -> QuerySet[Case] | CaseList:
    """The cases behind one figure of the dashboard, with the next due moment and the
    first warning moment (stored on the case) annotated, for the row's colour
    (deadlines.selectors.clocks.case_colour; two queries for a page: count and rows):
    open cases by their next deadline, completions latest first, the others by when
    they were registered."""
    start, end = filters.bounds()
    # The departments the viewer may see: also lets open cases be found through the
    # index on department and state.
    cases = Case.objects.filter(department_id__in=department_ids)
    if filters.department_id is not None:
        cases = cases.filter(department_id=filters.department_id)
    if filters.matter_kind:
        cases = cases.filter(matter_kind=filters.matter_kind)
    if filters.service_item_code is not None:
        code = "" if filters.service_item_code == NO_SERVICE_ITEM else filters.service_item_code
        cases = cases.filter(service_item_code=code)
    completed = Q(state=CaseState.CLOSED, closed_at__gte=start, closed_at__lt=end)
    wanted: dict[str, Any] = {
        Figure.OPEN: Q(state__in=OPEN_STATES),
        Figure.RED: Q(state__in=OPEN_STATES) & cases_of_colour(Colour.RED, now),
        Figure.YELLOW: Q(state__in=OPEN_STATES) & cases_of_colour(Colour.YELLOW, now),
        Figure.OPENED: Q(opened_at__gte=start, opened_at__lt=end),
        Figure.COMPLETED: completed,
        Figure.ON_TIME: completed & ~_late_handling_clock(now),
        Figure.LATE: completed & _late_handling_clock(now),
        Figure.RATED: completed & Q(rating__isnull=False),
        Figure.FEEDBACK: _feedback_decided(start, end, now, late=False),
        Figure.FEEDBACK_LATE: _feedback_decided(start, end, now, late=True),
        **{
            figure: Q(callback_case_filter(figure, start=start, end=end))
            for figure in callback.CALLBACK_FIGURES
        },
    }
    if figure in (Figure.OPEN, Figure.YELLOW, Figure.RED):
        # In the staff lists' order, next deadline first (deadlines.selectors.cases): the
        # count and the page's ids are read from the case table's list indexes alone,
        # then the page's rows, rather than every open case joined and sorted.
        return CaseList(keys=cases.filter(wanted[figure]).order_by(*LIST_ORDER))
    # The case's stored earliest running due and warning moments (kept by deadlines'
    # triggers), the names case_colour reads.
    listed = (
        cases.filter(wanted[figure])
        .select_related("department", "handler")
        .annotate(next_due=F("next_due_at"), first_warning=F("first_warn_at"))
    )
    if figure in (Figure.COMPLETED, Figure.ON_TIME, Figure.LATE, Figure.RATED):
        return listed.order_by("-closed_at", "-id")
    if figure in callback.CALLBACK_FIGURES:
        return listed.order_by(F("closed_at").desc(nulls_last=True), "-opened_at", "-id")
    return listed.order_by("-opened_at", "-id")


def dashboard_callback_figures(
    *, filters: DashboardFilters, department_ids: Sequence[int]
) -> CallbackBoard:
    """Callback rate, satisfaction and rework rate over the period, in total, by
    department and by service item (intake.selectors.callback; one query). Live, not
    from the daily summary: the callbacks of a period are few beside its cases."""
    start, end = filters.bounds()
    return callback_figures(
        start=start,
        end=end,
        department_ids=department_ids,
        department_id=filters.department_id,
        matter_kind=filters.matter_kind,
    )
