"""What the dashboard's daily figures read of cases and clocks, for the app that keeps
them (oversight.services.figures), which reads these tables only through here
(ARCHITECTURE.md).

The figures are one set-based ``INSERT … SELECT`` into the reader's own table, so the
rows are handed over as SQL text to put in its ``WITH``, not as rows. The statement has
to run on PostgreSQL and on SQLite (the demo's database): the reader hands in the few
portable pieces of SQL it writes the rest of the statement with (``Dialect``; its
oversight.sql), so both halves of the statement spell a date or a list alike.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any, Protocol

from django.db import connection

from deadlines.models import Case, CaseState, Clock, ClockKind


class Dialect(Protocol):
    """Portable SQL: PostgreSQL's text, or an SQLite equivalent with the same results
    (oversight.sql, a module, is one)."""

    def params(self, values: Mapping[str, Any]) -> dict[str, Any]: ...
    def any_of(self, column: str, name: str) -> str: ...
    def local_date(self, column: str) -> str: ...
    def date_param(self, name: str) -> str: ...
    def days_between(self, later: str, earlier: str) -> str: ...
    def nth(self, name: str, index: str) -> str: ...
    def least(self, first: str, second: str) -> str: ...
    def greatest(self, first: str, second: str) -> str: ...
    def as_date(self, value: Any) -> date | None: ...


def _decided(dialect: Dialect, alias: str = "k") -> str:
    """When a feedback clock's fate was sealed: stopped in time, or due and not stopped."""
    return dialect.least(f"{alias}.stopped_at", f"{alias}.due_at")


def daily_rows_sql(
    *,
    dialect: Dialect,
    handling_kinds: Sequence[str],
    feedback_kinds: Sequence[str],
    feedback_matter: str,
) -> tuple[str, dict[str, Any]]:
    """A ``SELECT`` of one row per event a day's figures count, with the columns
    ``day`` (local), ``department_id``, ``service_item_code``, ``matter_kind``, then
    ``opened``, ``completed``, ``on_time``, ``days``, ``rated``, ``rating``,
    ``feedback`` and ``feedback_on_time`` to be summed: a case
    opened; a case closed (on time when none of its ``handling_kinds`` clocks stopped,
    or is still running, past its due moment; its working days from the opening day to
    the closing day; its rating); a feedback clock decided (one of ``feedback_kinds``,
    or the result clock of a ``feedback_matter`` case), on time or late. With the named
    parameters it binds itself; the caller binds the others: ``lo`` and ``hi`` (the
    span's instants, ``hi`` excluded), ``now``, ``tz`` (the local zone), ``cal_lo`` and
    ``cum`` (``cum[i]``: working days in (cal_lo, cal_lo + i], as
    WorkCalendar.working_days_between counts them)."""
    case, clock = Case._meta.db_table, Clock._meta.db_table
    opened, closed = dialect.local_date("c.opened_at"), dialect.local_date("c.closed_at")
    cal_lo = dialect.date_param("cal_lo")
    # Working days from the opening day (or the calendar's first) to the closing day.
    closed_index = dialect.days_between(closed, cal_lo) + " + 1"
    opened_index = dialect.greatest(dialect.days_between(opened, cal_lo), "0") + " + 1"
    handling_days = f"{dialect.nth('cum', closed_index)} - {dialect.nth('cum', opened_index)}"
    decided = _decided(dialect)
    text = f"""
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
                   WHERE k.case_id = c.id AND {dialect.any_of("k.kind", "handling")}
                     AND k.due_at < coalesce(k.stopped_at, %(now)s)
               ) AS integer),
               {handling_days},
               CAST(c.rating IS NOT NULL AS integer), coalesce(c.rating, 0), 0, 0
        FROM {case} AS c
        WHERE c.state = %(closed_state)s AND c.closed_at >= %(lo)s AND c.closed_at < %(hi)s
        UNION ALL
        SELECT {dialect.local_date(decided)}, c.department_id, c.service_item_code,
               c.matter_kind, 0, 0, 0, 0, 0, 0, 1,
               CAST(coalesce(k.due_at IS NULL OR k.stopped_at <= k.due_at, false) AS integer)
        FROM {clock} AS k
        JOIN {case} AS c ON c.id = k.case_id
        WHERE ({dialect.any_of("k.kind", "feedback")}
               OR k.kind = %(result_kind)s AND c.matter_kind = %(feedback_matter)s)
          AND {decided} >= %(lo)s AND {decided} < {dialect.least("%(hi)s", "%(now)s")}
    """
    return text, {
        "closed_state": CaseState.CLOSED.value,
        "handling": list(handling_kinds),
        "feedback": list(feedback_kinds),
        "result_kind": ClockKind.RESULT.value,
        "feedback_matter": feedback_matter,
    }


def case_first_opened_at() -> datetime | None:
    """When the earliest case was opened (None: no case yet)."""
    return Case.objects.order_by("opened_at").values_list("opened_at", flat=True).first()


def changed_case_days(*, since: datetime, most: int, dialect: Dialect, tz: str) -> set[date] | None:
    """The local days (in the zone ``tz``) on which the cases changed since then were
    opened or closed. None when more than ``most`` cases changed: the caller then takes
    every day rather than have them listed."""
    case = Case._meta.db_table
    with connection.cursor() as cursor:
        # Counted no further than the limit, on the index of updated_at (case_updated).
        cursor.execute(
            f"SELECT count(*) FROM (SELECT 1 FROM {case} WHERE updated_at >= %s LIMIT %s) AS c",
            [connection.ops.adapt_datetimefield_value(since), most + 1],
        )
        if cursor.fetchone()[0] > most:
            return None
        # The distinct days, in SQL: as many rows as days, however many cases changed.
        cursor.execute(
            f"""
            SELECT {dialect.local_date("c.opened_at")} FROM {case} AS c
            WHERE c.updated_at >= %(since)s
            UNION
            SELECT {dialect.local_date("c.closed_at")} FROM {case} AS c
            WHERE c.updated_at >= %(since)s AND c.closed_at IS NOT NULL
            """,
            dialect.params({"since": since, "tz": tz}),
        )
        return {dialect.as_date(day) for (day,) in cursor.fetchall()}  # type: ignore[misc]
