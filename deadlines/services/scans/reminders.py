"""Reminder notices (催办通知书) the day after a miss, copied to the supervising leader,
and their circulation (通报) when the clock is still overdue five working days later
(``reminders_issue_due``)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from accountability.selectors import department_leaders
from deadlines.models import BreachKind, ReminderStage
from deadlines.selectors.calendar import calendar_snapshot
from deadlines.selectors.clocks import Colour, clock_colour_sql
from deadlines.services.scans._common import (
    BATCH,
    BREACH,
    CIRCULATE_AFTER_WORKING_DAYS,
    CLOCK,
    DEPARTMENT,
    NOTIFICATION,
    REMINDER,
    ScanResult,
    _at,
    _commit_without_waiting,
    _execute,
    _fan_out,
    _in,
    _insert_ignoring_conflicts,
    _start_of,
)
from deadlines.worktime import LOCAL_TZ, WorkCalendar

# -- reminder notices and circulation -------------------------------------------------------


def reminder_cutoff(calendar: WorkCalendar, now: datetime) -> datetime:
    """Deadlines at or before this moment are owed their reminder notice by now.

    The reminder goes out on the first working day after the deadline's last day (a
    period ending at 24:00 belongs to the day that ended). Inverted once per scan, so
    the scan compares a column with a constant instead of doing day arithmetic per row."""
    today = timezone.localtime(now, LOCAL_TZ).date()
    last_day = today - timedelta(days=1)
    while calendar.next_working_day(last_day) > today:
        last_day -= timedelta(days=1)
    return _start_of(last_day + timedelta(days=1))


def circulation_cutoff(calendar: WorkCalendar, now: datetime) -> datetime:
    """Reminders issued before this moment are five working days old by now."""
    today = timezone.localtime(now, LOCAL_TZ).date()
    issued = today - timedelta(days=1)
    while calendar.add_working_days(issued, CIRCULATE_AFTER_WORKING_DAYS) > today:
        issued -= timedelta(days=1)
    return _start_of(issued + timedelta(days=1))


# Running clocks still past the deadline their breach row records, read through the
# running-clock index: the cost follows the clocks overdue now, not the history.
_OVERDUE_BREACHES = f"""
    FROM {CLOCK} c
    JOIN {BREACH} b ON b.clock_id = c.id AND b.kind = %(overdue)s AND b.moment = c.due_at
"""
_STILL_OVERDUE = f"""
    WHERE {clock_colour_sql(Colour.RED, now="%(now)s", alias="c")} AND c.breached_at IS NOT NULL
"""
_NOT_YET = f"""
    AND NOT EXISTS (SELECT 1 FROM {REMINDER} x WHERE x.breach_id = b.id AND x.stage = %(stage)s)
    ORDER BY c.due_at, c.id
    LIMIT %(batch)s
"""
# Reminder notices due: the deadline's last day is before the last working day.
_REMINDERS_DUE = f"""
    SELECT b.id, b.responsible_id, b.department_id
    {_OVERDUE_BREACHES} {_STILL_OVERDUE} AND c.due_at <= %(cutoff)s {_NOT_YET}
"""
# Circulation due: the reminder notice is five working days old.
_CIRCULATION_DUE = f"""
    SELECT b.id, r.addressee_id, r.copied_to_id, r.department_id
    {_OVERDUE_BREACHES}
    JOIN {REMINDER} r ON r.breach_id = b.id AND r.stage = %(reminder)s
    {_STILL_OVERDUE} AND r.issued_at < %(cutoff)s {_NOT_YET}
"""


def _issue(stage: str, rows: list[tuple[Any, ...]], now: datetime) -> ScanResult:
    """Record one batch of notices (breach, addressee, leader copied, department) and
    notify the addressee, the leader copied and the department head."""
    result = ScanResult()
    with transaction.atomic():
        _commit_without_waiting()
        result.created = _insert_ignoring_conflicts(
            REMINDER,
            ["breach_id", "stage", "issued_at", "addressee_id", "copied_to_id", "department_id"],
            [
                (breach, stage, _at(now), addressee, leader, dept)
                for breach, addressee, leader, dept in rows
            ],
        )
        in_batch, params = _in("r.breach_id", [row[0] for row in rows])
        cross, who = _fan_out("r.addressee_id", "r.copied_to_id", "d.head_id")
        result.notifications = _execute(
            f"""
            INSERT INTO {NOTIFICATION}
                (recipient_id, kind, case_id, clock_id, breach_id, reminder_id, moment, created_at)
            SELECT {who}, %s, b.case_id, b.clock_id, b.id, r.id, b.moment, %s
            FROM {REMINDER} r
            JOIN {BREACH} b ON b.id = r.breach_id
            JOIN {DEPARTMENT} d ON d.id = r.department_id
            {cross}
            WHERE {in_batch} AND r.stage = %s AND {who} IS NOT NULL
            ON CONFLICT DO NOTHING
            """,
            [stage, _at(now), *params, stage],
        )
    return result


def _due_rows(sql: str, params: dict[str, Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchall())


def reminders_issue_due(*, now: datetime, batch: int = BATCH) -> ScanResult:
    """Issue the reminder notices due the day after a miss (to the handler, copied to
    the supervising leader) and circulate those whose clock is still overdue five
    working days after the notice. A clock stopped in between gets neither."""
    calendar = calendar_snapshot()
    leaders = department_leaders()
    common = {"overdue": BreachKind.OVERDUE, "now": _at(now), "batch": batch}
    stages = [
        (
            ReminderStage.REMINDER,
            _REMINDERS_DUE,
            {**common, "cutoff": _at(reminder_cutoff(calendar, now))},
        ),
        (
            ReminderStage.CIRCULATION,
            _CIRCULATION_DUE,
            {
                **common,
                "reminder": ReminderStage.REMINDER,
                "cutoff": _at(circulation_cutoff(calendar, now)),
            },
        ),
    ]
    result = ScanResult()
    for stage, sql, params in stages:
        while True:
            rows = _due_rows(sql, {**params, "stage": stage})
            if not rows:
                break
            if stage == ReminderStage.REMINDER:
                rows = [(breach, who, leaders.get(dept), dept) for breach, who, dept in rows]
            done = _issue(stage, rows, now)
            result.add(done)
            # A full batch that added nothing is being issued by a parallel scan right
            # now; what it leaves is the next run's.
            if len(rows) < batch or not done.created:
                break
    return result
