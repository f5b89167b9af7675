"""How a clock stands at a moment: green, yellow (the warning point is passed), red
(overdue), paused or stopped, and the time left (DOMAIN §10: yellow and red cards)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

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


class Colour(StrEnum):
    GREEN = "green"
    YELLOW = "yellow"
    RED = "red"
    PAUSED = "paused"
    STOPPED = "stopped"


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
    used up, or the deadline is within the policy's lead, whichever it sets."""
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


def clock_status(calendar: WorkCalendar, clock: Clock, at: datetime) -> ClockStatus:
    """The clock's colour and time left at `at`. Reads the clock's prefetched pauses."""
    if clock.stopped_at is not None:
        return ClockStatus(clock, Colour.STOPPED, None)
    if clock.due_at is None:
        return ClockStatus(clock, Colour.PAUSED, None)
    left = clock.due_at - at
    if left <= timedelta(0):
        return ClockStatus(clock, Colour.RED, left)
    pauses = [(p.started_at, p.ended_at) for p in clock.pauses.all() if p.ended_at is not None]
    colour = Colour.YELLOW if warning_reached(calendar, clock, pauses, at) else Colour.GREEN
    return ClockStatus(clock, colour, left)


def clocks_extendable(case: Case, at: datetime) -> list[Clock]:
    """The clocks of `case` more time may be asked for on at `at` (DOMAIN §3, §10):
    running, not paused, before their deadline, under a policy that sets the longest
    extension (a policy without one is not extendable). Reads the case's prefetched
    clocks (deadlines.selectors.cases.case_get); the service checks the bound."""
    return [
        clock
        for clock in case.clocks.all()
        if clock.stopped_at is None
        and clock.due_at is not None
        and clock.due_at > at
        and clock.policy.max_extension_amount is not None
    ]
