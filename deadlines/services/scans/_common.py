"""What every scan shares: the batch size and look-backs, the tables the SQL names, the
result a scan returns, the SQL helpers (a batch's IN list, the fan-out to recipients,
the insert that ignores conflicts, the breach notifications) and the set-based marking
of clocks.

Private to the package: cards, reminders and untold build on it. Other code imports
ScanResult and the scans from deadlines.services.scans.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import connection

from accountability.models import Department
from deadlines.models import Breach, Clock, Notification, Reminder
from deadlines.worktime import LOCAL_TZ

# Clocks (or breaches) per transaction: small enough that a killed worker loses little
# and locks are short, large enough that a scan of 10,000 due clocks is two round trips.
BATCH = 5_000
# How far back the extension scan looks: telling the citizen is due by the end of the
# next working day, at most a long holiday after the approval.
EXTENSION_LOOKBACK = timedelta(days=30)
# How long a message sent in time may wait for its delivery receipt before the step it
# serves counts as not told.
RECEIPT_WAIT = timedelta(days=1)
# Reminders are circulated this many working days after they were issued.
CIRCULATE_AFTER_WORKING_DAYS = 5

CLOCK = Clock._meta.db_table
BREACH = Breach._meta.db_table
REMINDER = Reminder._meta.db_table
NOTIFICATION = Notification._meta.db_table
DEPARTMENT = Department._meta.db_table


@dataclass
class ScanResult:
    marked: int = 0  # clocks marked (warned or breached)
    created: int = 0  # breaches or reminder notices recorded
    notifications: int = 0

    def add(self, other: ScanResult) -> None:
        self.marked += other.marked
        self.created += other.created
        self.notifications += other.notifications


# -- SQL helpers ---------------------------------------------------------------------------


def _in(column: str, ids: Sequence[int]) -> tuple[str, list[Any]]:
    """``column IN ids`` as SQL and its parameters: one array parameter on PostgreSQL."""
    if connection.vendor == "postgresql":
        return f"{column} = ANY(%s)", [list(ids)]
    return f"{column} IN ({', '.join(['%s'] * len(ids))})", list(ids)


def _fan_out(*recipients: str) -> tuple[str, str]:
    """A CROSS JOIN that repeats each row once per recipient expression, and the CASE
    that picks the recipient of each copy (portable: no LATERAL, no arrays)."""
    numbers = " UNION ALL ".join(f"SELECT {n} AS n" for n in range(1, len(recipients) + 1))
    pick = " ".join(f"WHEN {n} THEN {expr}" for n, expr in enumerate(recipients, start=1))
    return f"CROSS JOIN ({numbers}) AS pick", f"(CASE pick.n {pick} END)"


def _commit_without_waiting() -> None:
    """Inside a scan's batch: do not wait for the commit to reach the disk. A batch lost
    to a database crash is rolled back as a whole (never half-done) and simply redone
    by the next run, which is the scans' guarantee anyway; waiting for every batch's
    WAL flush would only slow the scan down."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit = off")


def _execute(sql: str, params: Sequence[Any]) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return max(cursor.rowcount, 0)


def _insert_ignoring_conflicts(
    table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> int:
    """``INSERT … VALUES … ON CONFLICT DO NOTHING`` for rows worked out in Python;
    returns how many were new (bulk_create(ignore_conflicts=True) cannot say)."""
    inserted = 0
    one = f"({', '.join(['%s'] * len(columns))})"
    for start in range(0, len(rows), 1_000):
        chunk = rows[start : start + 1_000]
        inserted += _execute(
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES {', '.join([one] * len(chunk))} "
            "ON CONFLICT DO NOTHING",
            [value for row in chunk for value in row],
        )
    return inserted


def _notify_breaches(kind: str, where: str, params: Sequence[Any], now: datetime) -> int:
    """Notify, once each, the responsible person and the department head of every
    breach row ``b`` matched by `where` (which may also use the clock ``c``)."""
    cross, who = _fan_out("b.responsible_id", "d.head_id")
    return _execute(
        f"""
        INSERT INTO {NOTIFICATION}
            (recipient_id, kind, case_id, clock_id, breach_id, moment, created_at)
        SELECT {who}, %s, b.case_id, b.clock_id, b.id, b.moment, %s
        FROM {BREACH} b
        JOIN {CLOCK} c ON c.id = b.clock_id
        JOIN {DEPARTMENT} d ON d.id = b.department_id
        {cross}
        WHERE {where} AND {who} IS NOT NULL
        ON CONFLICT DO NOTHING
        """,
        [kind, _at(now), *params],
    )


# -- marking clocks ------------------------------------------------------------------------------


def _at(moment: datetime) -> Any:
    """A moment as raw SQL must receive it (SQLite stores naive UTC text)."""
    return connection.ops.adapt_datetimefield_value(moment)


def _mark(column: str, *, order: str, due: str, now: datetime, batch: int) -> list[int]:
    """Mark the next `batch` clocks of a work list in one set-based statement, and
    return their ids: running clocks with `column` empty and the `due` condition,
    taken in (`order`, id) order from the list's partial index.

    The ``column IS NULL`` in the outer WHERE is the exactly-once guarantee: a scan that
    waited for a row another scan marked re-reads it and leaves it alone. SKIP LOCKED
    lets parallel scans take the next rows instead of waiting. The batch is a
    MATERIALIZED CTE so that it is read once: as a plain ``IN (SELECT … LIMIT …)`` the
    planner may rescan it per row, and the LIMIT would bound nothing."""
    lock = " FOR UPDATE SKIP LOCKED" if connection.vendor == "postgresql" else ""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH batch AS MATERIALIZED (
                SELECT id FROM {CLOCK}
                WHERE {column} IS NULL AND stopped_at IS NULL AND {due}
                ORDER BY {order}, id
                LIMIT %(batch)s{lock}
            )
            UPDATE {CLOCK} SET {column} = %(now)s
            WHERE {column} IS NULL AND id IN (SELECT id FROM batch)
            RETURNING id
            """,
            {"now": _at(now), "batch": batch},
        )
        return [row[0] for row in cursor.fetchall()]


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, LOCAL_TZ)
