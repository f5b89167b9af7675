"""How a clock stands at a moment: green, yellow (the warning point is passed), red
(overdue), paused or stopped, and the time left (DOMAIN §3, §10: yellow and red cards).

One rule decides the colour, from the moments stored on the clock (``due_at`` and
``warn_at``, which deadlines.services.clocks computes with the calendar): ``CARDS``.
``clock_colour`` reads it for one clock; ``clocks_of_colour``, ``cases_of_colour`` and
``clock_colour_sql`` turn the same table into ORM and SQL predicates, so the case page,
the lists and their filters, the dashboard's counts and drill-downs, the scans'
notifications and the API cannot draw the line at different instants.

A case's colour is its worst running clock's. Since a clock is red once its due moment
has passed and yellow from its warning moment, that is the colour of the case's earliest
running due moment with its earliest running warning moment (``case_colour``). The case
stores both (``Case.next_due_at``, ``Case.first_warn_at``, kept by database triggers), so
the lists and their filters read the same table of cards on the case row
(``cases_of_colour``) without touching the clocks.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from deadlines.models import Case, Clock
from deadlines.selectors.calendar import hours_for
from deadlines.worktime import (
    BusinessHours,
    EndRule,
    Unit,
    WorkCalendar,
    advance,
    share_elapsed,
)


class Colour(models.TextChoices):
    GREEN = "green", _("On time")
    YELLOW = "yellow", _("At risk")
    RED = "red", _("Overdue")
    PAUSED = "paused", _("Paused")
    STOPPED = "stopped", _("Stopped")


# The cards of a running clock (not stopped, not paused), worst first: each the
# comparisons of a stored moment with "now" that make it. Red once the due moment has
# passed: a period ending at 24:00 is still kept at 24:00 itself (the breach scan counts
# from 24:00:00.000001). Yellow from the warning moment on (the first instant at which
# ``warning_reached`` below holds) until then. Green otherwise.
CARDS: dict[Colour, tuple[tuple[str, str], ...]] = {
    Colour.RED: (("due_at", "lt"),),
    Colour.YELLOW: (("warn_at", "lte"), ("due_at", "gte")),
}
# A lookup of CARDS as an SQL operator and as a Python comparison (moment, now).
_COMPARISONS: dict[str, tuple[str, Callable[[Any, Any], bool]]] = {
    "lt": ("<", operator.lt),
    "lte": ("<=", operator.le),
    "gte": (">=", operator.ge),
}


def clock_colour(
    *,
    due_at: datetime | None,
    warn_at: datetime | None,
    stopped_at: datetime | None,
    now: datetime,
) -> Colour:
    """The colour of a clock with these stored moments at `now`: the one rule every page,
    list, figure, notification and API answer shows (DOMAIN §3). A paused clock has no
    due moment."""
    if stopped_at is not None:
        return Colour.STOPPED
    if due_at is None:
        return Colour.PAUSED
    moments = {"due_at": due_at, "warn_at": warn_at}
    for colour, comparisons in CARDS.items():
        if all(
            moments[field] is not None and _COMPARISONS[lookup][1](moments[field], now)
            for field, lookup in comparisons
        ):
            return colour
    return Colour.GREEN


def case_colour(case: Any, now: datetime) -> Colour | None:
    """A case's colour (its worst running clock's) at `now`, for a case from a list that
    annotates the earliest due moment (``next_due``) and the earliest warning moment
    (``first_warning``) of its running clocks (``running_clocks``; the case lists alias
    the stored ``Case.next_due_at`` and ``Case.first_warn_at``); None when no clock of
    the case runs with a due moment."""
    if case.next_due is None:
        return None
    return clock_colour(due_at=case.next_due, warn_at=case.first_warning, stopped_at=None, now=now)


def running_clocks(through: str = "") -> Q:
    """Clocks that run with a due moment (not stopped, not paused); `through` is the path
    from the model queried to the clock, such as ``"clocks__"``."""
    return Q(**{f"{through}stopped_at__isnull": True, f"{through}due_at__isnull": False})


def clocks_of_colour(colour: Colour, now: datetime, *, through: str = "") -> Q:
    """Running clocks that are `colour` (red or yellow) at `now`, as ``clock_colour``
    says; `through` as in ``running_clocks``."""
    where = running_clocks(through)
    for field, lookup in CARDS[colour]:
        where &= Q(**{f"{through}{field}__{lookup}": now})
    return where


# The case's stored moments standing for its running clocks' earliest ones in CARDS.
CASE_MOMENTS = {"due_at": "next_due_at", "warn_at": "first_warn_at"}


def cases_of_colour(colour: Colour, now: datetime, **clocks: Any) -> Q:
    """Cases that are `colour` (red or yellow) at `now`, as ``case_colour`` says: red
    with a red running clock, yellow with a yellow one and no red one. `clocks` narrows
    the clocks that count (``kind__in=…``).

    Over all of a case's clocks this is CARDS read on the case's stored earliest moments
    (an index range on the case table); a narrower set of clocks asks the clocks."""
    if not clocks:
        where = Q(next_due_at__isnull=False)
        for field, lookup in CARDS[colour]:
            where &= Q(**{f"{CASE_MOMENTS[field]}__{lookup}": now})
        return where

    def having(card: Colour) -> Exists:
        return Exists(
            Clock.objects.filter(clocks_of_colour(card, now), case=OuterRef("pk"), **clocks)
        )

    red = having(Colour.RED)
    if colour == Colour.RED:
        return Q(red)
    return Q(having(colour)) & ~Q(red)


def clock_colour_sql(colour: Colour, *, now: str, alias: str = "") -> str:
    """``clocks_of_colour`` as an SQL condition on the clock table (aliased `alias`),
    `now` being the placeholder or expression of the moment, for the hand-written
    statements of the scans and the dashboard."""
    column = f"{alias}." if alias else ""
    conditions = [f"{column}stopped_at IS NULL", f"{column}due_at IS NOT NULL"]
    conditions += [
        f"{column}{field} {_COMPARISONS[lookup][0]} {now}" for field, lookup in CARDS[colour]
    ]
    return f"({' AND '.join(conditions)})"


@dataclass(frozen=True)
class ClockStatus:
    clock: Clock
    colour: Colour
    remaining: timedelta | None  # wall time to the due moment; negative when overdue


def _unit_length(unit: Unit, hours: BusinessHours, end: EndRule) -> timedelta:
    """The counted time in one unit, as deadlines.worktime counts it."""
    if unit == Unit.MINUTES:
        return timedelta(minutes=1)
    if unit in (Unit.HOURS, Unit.BUSINESS_HOURS):
        return timedelta(hours=1)
    if unit == Unit.WORKING_DAYS and end == EndRule.CLOSE_OF_BUSINESS and not hours.round_the_clock:
        return hours.day_length
    return timedelta(days=1)


def warning_reached(
    calendar: WorkCalendar,
    clock: Clock,
    pauses: list[tuple[datetime, datetime]],
    at: datetime,
) -> bool:
    """Whether the clock's yellow card is due at `at`: the policy's share of the time is
    used up, or the deadline is within the policy's lead, whichever it sets.

    The definition the stored warning moment is computed from (its inverse,
    deadlines.services.clocks.clock_warn_at); a colour is read from that stored moment
    (``clock_colour``), never from this."""
    if clock.due_at is None:
        return False
    policy = clock.policy
    hours, end = hours_for(clock.department), EndRule(policy.end_rule)
    if policy.warn_share is not None:
        used = share_elapsed(
            calendar,
            start=clock.started_at,
            due=clock.due_at,
            at=at,
            unit=clock.limit_unit,
            hours=hours,
            end=end,
            pauses=pauses,
        )
        if used >= float(policy.warn_share):
            return True
    if policy.warn_lead_amount is not None:
        lead_unit = Unit(policy.warn_lead_unit)
        lead = _unit_length(lead_unit, hours, end) * policy.warn_lead_amount
        if advance(calendar, unit=lead_unit, hours=hours, end=end, instant=at, by=lead) >= (
            clock.due_at
        ):
            return True
    return False


def clock_status(clock: Clock, at: datetime) -> ClockStatus:
    """The clock's colour (``clock_colour``) and time left at `at`."""
    colour = clock_colour(
        due_at=clock.due_at, warn_at=clock.warn_at, stopped_at=clock.stopped_at, now=at
    )
    remaining = None
    if clock.stopped_at is None and clock.due_at is not None:
        remaining = clock.due_at - at
    return ClockStatus(clock, colour, remaining)


def clocks_extendable(case: Case, at: datetime) -> list[Clock]:
    """The clocks of `case` more time may be asked for on at `at` (DOMAIN §3, §10):
    running, not paused, not past their deadline, under a policy that names who approves
    an extension (a policy without an approver is not extendable). Reads the case's
    prefetched clocks (deadlines.selectors.cases.case_get); the service checks the bound."""
    return [
        clock
        for clock in case.clocks.all()
        if clock.stopped_at is None
        and clock.due_at is not None
        and clock.due_at >= at
        and clock.policy.extendable
    ]
