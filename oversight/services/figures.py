"""Keeping the daily figures (oversight.models.DailyFigures) up to date.

The figures of a day are recomputed whole, from the cases and clocks, in one statement
(delete and insert in one transaction: a reader sees the old day or the new one). What
they count is set out in oversight.selectors.dashboard; the cases and clocks are read
through deadlines.selectors.daily_figures. Safe to run twice or at the same time: a run
holds the refresh row's lock, so a second waits and then finds little to do. The
statement runs on PostgreSQL and SQLite alike (oversight.sql).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from deadlines.selectors.calendar import calendar_snapshot
from deadlines.selectors.daily_figures import (
    case_first_opened_at,
    changed_case_days,
    daily_rows_sql,
)
from oversight import sql
from oversight.models import DailyFigures, FiguresRefresh
from oversight.selectors.dashboard import (
    CALENDAR_LOOKBACK,
    FEEDBACK_CLOCKS,
    FEEDBACK_RESULT_KIND,
    HANDLING_CLOCKS,
)

# Every refresh recomputes this many recent days whatever changed: a feedback clock
# that came due since the last run, a rating given after the close, a case reopened.
RECENT_DAYS = 35
# Days far apart are recomputed in separate statements, each reading its own span;
# beyond this many spans, one statement over the whole range reads less.
MOST_SPANS = 8
# When the days to recompute are more than this share of the days from the first of them
# to today, every day of that range is recomputed, as a full rebuild does: one statement
# over the range with no list of days to test each row against, never slower than the
# rebuild itself (over so many days, the statements read the whole range anyway).
FULL_SHARE = 0.5
# When more cases than this changed since the last run (an import, a mass update),
# every day is recomputed without first listing their days: listing them reads the
# changed cases, all of them at worst, before the rebuild would read them again.
FULL_AFTER_CASES = 20_000


def _day_sql(*, every_day: bool) -> tuple[str, dict[str, Any]]:
    """The statement that inserts the figures of the days of a span, with the named
    parameters deadlines' selector binds; ``every_day``: all the days between its first
    and last (the rows read are then the span's, no list of days to test them against)."""
    rows, params = daily_rows_sql(
        dialect=sql,
        handling_kinds=HANDLING_CLOCKS,
        feedback_kinds=FEEDBACK_CLOCKS,
        feedback_matter=FEEDBACK_RESULT_KIND,
    )
    statement = f"""
    WITH src AS ({rows})
    INSERT INTO {DailyFigures._meta.db_table} (
        day, department_id, service_item_code, matter_kind, opened, completed, on_time,
        handling_days, rated, rating_sum, feedback, feedback_on_time)
    SELECT day, department_id, service_item_code, matter_kind, sum(opened), sum(completed),
           sum(on_time), sum(days), sum(rated), sum(rating), sum(feedback),
           sum(feedback_on_time)
    FROM src {"" if every_day else f"WHERE {sql.any_of('day', 'days')}"}
    GROUP BY day, department_id, service_item_code, matter_kind
    """
    return statement, params


def _spans(days: list[date]) -> list[tuple[date, date]]:
    """Runs of consecutive days, as (first, last)."""
    spans: list[tuple[date, date]] = []
    for day in sorted(set(days)):
        if spans and day == spans[-1][1] + timedelta(days=1):
            spans[-1] = (spans[-1][0], day)
        else:
            spans.append((day, day))
    if len(spans) > MOST_SPANS:
        return [(spans[0][0], spans[-1][1])]
    return spans


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=timezone.get_current_timezone())


def figures_recompute(*, days: Iterable[date], now: datetime) -> int:
    """Recompute the daily figures of these local days; returns how many days."""
    wanted = sorted(set(days))
    if not wanted:
        return 0
    calendar = calendar_snapshot()
    every_day = (wanted[-1] - wanted[0]).days + 1 == len(wanted)
    with transaction.atomic(), connection.cursor() as cursor:
        if every_day:
            cursor.execute(
                f"DELETE FROM {DailyFigures._meta.db_table}"
                " WHERE day >= %(first)s AND day <= %(last)s",
                sql.params({"first": wanted[0], "last": wanted[-1]}),
            )
        else:
            cursor.execute(
                f"DELETE FROM {DailyFigures._meta.db_table} WHERE {sql.any_of('day', 'days')}",
                sql.params({"days": wanted}),
            )
        for first, last in _spans(wanted):
            # cum[i] = working days in (cal_lo, cal_lo + i], from deadlines' calendar: SQL
            # subtracts two entries as WorkCalendar.working_days_between does.
            cal_lo = max(first - CALENDAR_LOOKBACK, calendar.first_day)
            cal_hi = min(last, calendar.last_day)
            cum = [
                calendar.working_days_between(cal_lo, cal_lo + timedelta(days=i))
                for i in range((cal_hi - cal_lo).days + 1)
            ]
            statement, rows_params = _day_sql(
                every_day=every_day or (last - first).days + 1 == len(wanted)
            )
            cursor.execute(
                statement,
                sql.params(
                    {
                        **rows_params,
                        "days": [d for d in wanted if first <= d <= last],
                        "lo": _midnight(first),
                        "hi": _midnight(last + timedelta(days=1)),
                        "now": now,
                        "tz": settings.TIME_ZONE,
                        "cal_lo": cal_lo,
                        "cum": cum,
                    }
                ),
            )
    return len(wanted)


def _all_days(today: date) -> list[date]:
    first = case_first_opened_at()
    if first is None:
        return [today]
    start = timezone.localtime(first).date()
    return [start + timedelta(days=n) for n in range((today - start).days + 1)]


@transaction.atomic
def figures_refresh(*, now: datetime, full: bool = False) -> int:
    """Bring the daily figures up to date: every day on the first run (or with
    ``full``, after the working calendar changed), else the recent days and the days of
    the cases changed since the last run. Returns how many days were recomputed."""
    state, _created = FiguresRefresh.objects.get_or_create(
        pk=1, defaults={"refreshed_at": now, "days": 0}
    )
    state = FiguresRefresh.objects.select_for_update().get(pk=1)
    today = timezone.localdate(now)
    if full or _created:
        days = _all_days(today)
    else:
        days = [today - timedelta(days=n) for n in range(RECENT_DAYS)]
        # The days of the cases changed since the last run (opened and closed: a rating
        # counts on the day of the close), with a little overlap: a case saved during
        # the last run is looked at again. Too many changed: every day, unlisted.
        changed = changed_case_days(
            since=state.refreshed_at - timedelta(minutes=1),
            most=FULL_AFTER_CASES,
            dialect=sql,
            tz=settings.TIME_ZONE,
        )
        days += _all_days(today) if changed is None else changed
        first = min(days)
        if len(set(days)) > FULL_SHARE * ((today - first).days + 1):
            days = [first + timedelta(days=n) for n in range((today - first).days + 1)]
    count = figures_recompute(days=days, now=now)
    state.refreshed_at, state.days = now, count
    state.save()
    return count
