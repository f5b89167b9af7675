"""Yellow and red cards: running clocks reaching their warning point
(``clocks_warn_due``), and running clocks past a firm due moment, each recorded as a
breach (``clocks_breach_due``)."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from deadlines.models import BreachKind, NotificationKind
from deadlines.selectors.clocks import Colour, clock_colour_sql
from deadlines.services.scans._common import (
    BATCH,
    BREACH,
    CLOCK,
    DEPARTMENT,
    NOTIFICATION,
    ScanResult,
    _at,
    _commit_without_waiting,
    _execute,
    _fan_out,
    _in,
    _mark,
    _notify_breaches,
)

# -- yellow cards ------------------------------------------------------------------------------


def clocks_warn_due(*, now: datetime, batch: int = BATCH) -> ScanResult:
    """Mark the running clocks whose warning point has come (黄牌) and notify the
    responsible person (else the head) and the department head of the deadline itself:
    the notification's moment is the clock's due moment, which its text states. A clock
    already red (deadlines.selectors.clocks) is marked without a yellow card: its red
    card says more."""
    result = ScanResult()
    while True:
        with transaction.atomic():
            _commit_without_waiting()
            ids = _mark(
                "warned_at",
                order="warn_at",
                due="warn_at IS NOT NULL AND warn_at <= %(now)s",
                now=now,
                batch=batch,
            )
            if not ids:
                break
            result.marked += len(ids)
            in_batch, params = _in("c.id", ids)
            cross, who = _fan_out("COALESCE(c.responsible_id, d.head_id)", "d.head_id")
            result.notifications += _execute(
                f"""
                INSERT INTO {NOTIFICATION}
                    (recipient_id, kind, case_id, clock_id, moment, created_at)
                SELECT {who}, %s, c.case_id, c.id, c.due_at, %s
                FROM {CLOCK} c
                JOIN {DEPARTMENT} d ON d.id = c.department_id
                {cross}
                WHERE {in_batch} AND NOT {clock_colour_sql(Colour.RED, now="%s", alias="c")}
                      AND {who} IS NOT NULL
                ON CONFLICT DO NOTHING
                """,
                [NotificationKind.WARNING, _at(now), *params, _at(now)],
            )
        if len(ids) < batch:
            break
    return result


# -- red cards and breaches --------------------------------------------------------------------


def clocks_breach_due(*, now: datetime, batch: int = BATCH) -> ScanResult:
    """Record a breach for every running clock past a firm due moment (红牌): one row
    (clock, overdue, due moment) each, for the sanctions app to turn into a violation;
    mark the clock and notify the responsible person and the department head.

    Overdue means strictly after the due moment: a period ending at 24:00 is kept
    until 24:00. A provisional deadline (next year's calendar not yet published) is
    not in the work list: it breaches once publishing the year makes it firm."""
    result = ScanResult()
    while True:
        with transaction.atomic():
            _commit_without_waiting()
            ids = _mark(
                "breached_at",
                order="due_at",
                due=f"{clock_colour_sql(Colour.RED, now='%(now)s')} AND NOT due_is_provisional",
                now=now,
                batch=batch,
            )
            if not ids:
                break
            result.marked += len(ids)
            in_batch, params = _in("c.id", ids)
            # The breach is who answered for the clock when it was missed: its
            # responsible person, or else the department's head. A deadline that moved
            # back to a moment already recorded conflicts and adds nothing.
            result.created += _execute(
                f"""
                INSERT INTO {BREACH}
                    (clock_id, case_id, kind, moment, detected_at, responsible_id, department_id)
                SELECT c.id, c.case_id, %s, c.due_at, %s,
                       COALESCE(c.responsible_id, d.head_id), c.department_id
                FROM {CLOCK} c
                JOIN {DEPARTMENT} d ON d.id = c.department_id
                WHERE {in_batch}
                ON CONFLICT DO NOTHING
                """,
                [BreachKind.OVERDUE, _at(now), *params],
            )
            result.notifications += _notify_breaches(
                NotificationKind.OVERDUE,
                f"{in_batch} AND b.kind = %s AND b.moment = c.due_at",
                [*params, BreachKind.OVERDUE],
                now,
            )
        if len(ids) < batch:
            break
    return result
