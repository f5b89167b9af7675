"""Keeping the daily figures (oversight.models.DailyFigures) up to date.

The figures of a day are recomputed whole, from the cases and clocks, in one statement
(delete and insert in one transaction: a reader sees the old day or the new one). What
they count is set out in oversight.selectors. Safe to run twice or at the same time: a
run holds the refresh row's lock, so a second waits and then finds little to do. The
statement runs on PostgreSQL and SQLite alike (oversight.sql).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from deadlines.models import Case, CaseState, Clock, ClockKind
from deadlines.selectors.calendar import calendar_snapshot
from oversight import sql
from oversight.models import DailyFigures, FiguresRefresh
from oversight.selectors import (
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


def _decided(alias: str = "k") -> str:
    """When a feedback clock's fate was sealed: stopped in time, or due and not stopped."""
    return sql.least(f"{alias}.stopped_at", f"{alias}.due_at")


def _day_sql(*, every_day: bool) -> str:
    """The statement that inserts the figures of the days of a span; ``every_day``: all
    the days between its first and last (the rows read are then the span's, no list of
    days to test them against)."""
    case, clock = Case._meta.db_table, Clock._meta.db_table
    opened, closed = sql.local_date("c.opened_at"), sql.local_date("c.closed_at")
    cal_lo = sql.date_param("cal_lo")
    # Working days from the opening day (or the calendar's first) to the closing day.
    closed_index = sql.days_between(closed, cal_lo) + " + 1"
    opened_index = sql.greatest(sql.days_between(opened, cal_lo), "0") + " + 1"
    handling_days = f"{sql.nth('cum', closed_index)} - {sql.nth('cum', opened_index)}"
    return f"""
    WITH src AS (
        SELECT {opened} AS day, c.department_id, c.service_item_code, c.matter_kind,
               1 AS opened, 0 AS completed, 0 AS on_time, 0 AS days, 0 AS rated,
               0 AS rating, 0 AS feedback, 0 AS feedback_on_time
        FROM {case} AS c
        WHERE c.opened_at >= %(lo)s AND c.opened_at < %(hi)s
        UNION ALL
        SELECT {closed}, c.department_id, c.service_item_code, c.matter_kind,
               0, 1,
               CAST(NOT EXISTS (
                   SELECT 1 FROM {clock} AS k
                   WHERE k.case_id = c.id AND {sql.any_of("k.kind", "handling")}
                     AND k.due_at < coalesce(k.stopped_at, %(now)s)
               ) AS integer),
               {handling_days},
               CAST(c.rating IS NOT NULL AS integer), coalesce(c.rating, 0), 0, 0
        FROM {case} AS c
        WHERE c.state = %(closed_state)s AND c.closed_at >= %(lo)s AND c.closed_at < %(hi)s
        UNION ALL
        SELECT {sql.local_date(_decided())}, c.department_id, c.service_item_code,
               c.matter_kind, 0, 0, 0, 0, 0, 0, 1,
               CAST(coalesce(k.due_at IS NULL OR k.stopped_at <= k.due_at, false) AS integer)
        FROM {clock} AS k
        JOIN {case} AS c ON c.id = k.case_id
        WHERE ({sql.any_of("k.kind", "feedback")}
               OR k.kind = %(result_kind)s AND c.matter_kind = %(feedback_matter)s)
          AND {_decided()} >= %(lo)s AND {_decided()} < {sql.least("%(hi)s", "%(now)s")}
    )
    INSERT INTO {DailyFigures._meta.db_table} (
        day, department_id, service_item_code, matter_kind, opened, completed, on_time,
        handling_days, rated, rating_sum, feedback, feedback_on_time)
    SELECT day, department_id, service_item_code, matter_kind, sum(opened), sum(completed),
           sum(on_time), sum(days), sum(rated), sum(rating), sum(feedback),
           sum(feedback_on_time)
    FROM src {"" if every_day else f"WHERE {sql.any_of('day', 'days')}"}
    GROUP BY day, department_id, service_item_code, matter_kind
    """


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
            cursor.execute(
                _day_sql(every_day=every_day or (last - first).days + 1 == len(wanted)),
                sql.params(
                    {
                        "days": [d for d in wanted if first <= d <= last],
                        "lo": _midnight(first),
                        "hi": _midnight(last + timedelta(days=1)),
                        "now": now,
                        "tz": settings.TIME_ZONE,
                        "cal_lo": cal_lo,
                        "cum": cum,
                        "closed_state": CaseState.CLOSED.value,
                        "handling": list(HANDLING_CLOCKS),
                        "feedback": list(FEEDBACK_CLOCKS),
                        "result_kind": ClockKind.RESULT.value,
                        "feedback_matter": FEEDBACK_RESULT_KIND,
                    }
                ),
            )
    return len(wanted)


def _all_days(today: date) -> list[date]:
    first = Case.objects.order_by("opened_at").values_list("opened_at", flat=True).first()
    if first is None:
        return [today]
    start = timezone.localtime(first).date()
    return [start + timedelta(days=n) for n in range((today - start).days + 1)]


def _days_of_changed_cases(since: datetime) -> set[date] | None:
    """The days whose figures a case changed since then can have moved: when it was
    opened and when it was closed (a rating counts on the day of the close). None when
    more than FULL_AFTER_CASES cases changed: every day, then."""
    case = Case._meta.db_table
    with connection.cursor() as cursor:
        # Counted no further than the limit, on the index of updated_at (case_updated).
        cursor.execute(
            f"SELECT count(*) FROM (SELECT 1 FROM {case} WHERE updated_at >= %s LIMIT %s) AS c",
            [connection.ops.adapt_datetimefield_value(since), FULL_AFTER_CASES + 1],
        )
        if cursor.fetchone()[0] > FULL_AFTER_CASES:
            return None
        # The distinct days, in SQL: as many rows as days, however many cases changed.
        cursor.execute(
            f"""
            SELECT {sql.local_date("c.opened_at")} FROM {case} AS c
            WHERE c.updated_at >= %(since)s
            UNION
            SELECT {sql.local_date("c.closed_at")} FROM {case} AS c
            WHERE c.updated_at >= %(since)s AND c.closed_at IS NOT NULL
            """,
            sql.params({"since": since, "tz": settings.TIME_ZONE}),
        )
        return {sql.as_date(day) for (day,) in cursor.fetchall()}  # type: ignore[misc]


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
        # A little overlap: a case saved during the last run is looked at again.
        changed = _days_of_changed_cases(state.refreshed_at - timedelta(minutes=1))
        days += _all_days(today) if changed is None else changed
        first = min(days)
        if len(set(days)) > FULL_SHARE * ((today - first).days + 1):
            days = [first + timedelta(days=n) for n in range((today - first).days + 1)]
    count = figures_recompute(days=days, now=now)
    state.refreshed_at, state.days = now, count
    state.save()
    return count
