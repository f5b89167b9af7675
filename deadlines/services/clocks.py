"""Starting clocks and keeping their stored due moments right.

Only deadlines.worktime computes a due moment; these functions feed it the clock's
policy, department hours, extensions and pauses, and store what it answers.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from fractions import Fraction
from typing import TYPE_CHECKING

import numpy as np
from django.db import transaction
from django.utils import timezone

from accountability.models import Department
from deadlines.models import Case, Clock, ClockPause, TimeLimitPolicy
from deadlines.selectors.calendar import calendar_snapshot, hours_for
from deadlines.selectors.clocks import _unit_length, warning_reached
from deadlines.selectors.explain import clock_due_terms
from deadlines.worktime import (
    LOCAL_TZ,
    BusinessHours,
    Due,
    EndRule,
    Unit,
    WorkCalendar,
    advance,
    compute_due,
    compute_working_due_many,
    counted_time,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import User

# The fields a change of the due moment writes (see clock_store_due).
DUE_FIELDS = ["due_at", "due_is_provisional", "warn_at", "warned_at", "breached_at"]
_US = timedelta(microseconds=1)


def closed_pauses(clock: Clock) -> list[tuple[datetime, datetime]] | None:
    """The clock's pauses as intervals, or None while one is still open (no due moment)."""
    intervals: list[tuple[datetime, datetime]] = []
    for pause in clock.pauses.all():
        if pause.ended_at is None:
            return None
        intervals.append((pause.started_at, pause.ended_at))
    return intervals


def clock_due(
    calendar: WorkCalendar, clock: Clock, pauses: Sequence[tuple[datetime, datetime]] = ()
) -> Due:
    """The due moment of `clock` under `calendar`, its closed pauses excluded.

    Approved extensions count in the clock's own unit and lengthen its limit: 30 calendar
    days extended by 20 are 50 calendar days, whatever unit the policy bounds them in."""
    return _due(calendar, clock, clock.limit_amount + clock.extension_amount, pauses)


def _due(
    calendar: WorkCalendar,
    clock: Clock,
    amount: int,
    pauses: Sequence[tuple[datetime, datetime]],
    *,
    start: datetime | None = None,
    unit: Unit | None = None,
) -> Due:
    # The question the explanation of the deadline asks too (deadlines.selectors.explain).
    return compute_due(
        calendar, **clock_due_terms(clock, pauses, amount=amount, start=start, unit=unit)
    )


@dataclass(frozen=True)
class ExtensionRoom:
    """How much more time a clock's policy still allows, in the clock's own unit.

    ``left`` is None when the regulation sets no bound (the approver decides how much).
    ``bound`` and ``bound_unit`` are the policy's whole allowance (its unit when it names
    none). A bound in another unit runs on from the unextended deadline (petitions: 60
    working days after the 30 calendar days, seed 001 §5(六)1), and ``until`` is the
    latest deadline it allows; the room is then the most of the clock's unit that stays
    within it."""

    left: int | None
    bound: int | None = None
    bound_unit: Unit | None = None
    until: datetime | None = None


def clock_extension_room(
    calendar: WorkCalendar, clock: Clock, pauses: Sequence[tuple[datetime, datetime]] = ()
) -> ExtensionRoom | None:
    """The room for more time on `clock`, or None when its policy allows no extension
    (a policy is extendable exactly when it names who approves an extension)."""
    policy = clock.policy
    if not policy.extendable:
        return None
    if policy.max_extension_amount is None:
        return ExtensionRoom(None)
    bound, unit = policy.max_extension_amount, clock.limit_unit
    bound_unit = Unit(policy.max_extension_unit or unit)
    if bound_unit == unit:
        return ExtensionRoom(max(bound - clock.extension_amount, 0), bound, bound_unit)
    limit = clock.limit_amount
    unextended = _due(calendar, clock, limit, pauses).at
    until = _due(
        calendar,
        clock,
        bound,
        [(begin, finish) for begin, finish in pauses if finish > unextended],
        start=unextended,
        unit=bound_unit,
    ).at

    def within(more: int) -> bool:
        return _due(calendar, clock, limit + clock.extension_amount + more, pauses).at <= until

    # The deadline grows with the amount: double up past the bound, then bisect.
    low, high = 0, 1
    while within(high):
        low, high = high, high * 2
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (middle, high) if within(middle) else (low, middle)
    return ExtensionRoom(low, bound, bound_unit, until)


@transaction.atomic
def clock_start(
    *,
    case: Case,
    kind: str,
    policy: TimeLimitPolicy,
    department: Department,
    started_at: datetime,
    responsible: User | None = None,
    amount: int | None = None,
    unit: str = "",
) -> Clock:
    """Start a clock under the current calendar. Called by the case services, which check
    the actor's permission and record the case event in the same transaction.

    `amount` and `unit` are for a limit set by a leader's instruction; otherwise the
    policy's limit applies."""
    clock = Clock(
        case=case,
        kind=kind,
        policy=policy,
        department=department,
        responsible=responsible,
        started_at=started_at,
        amount=amount,
        unit=unit,
    )
    clock_store_due(calendar_snapshot(), clock, [])
    clock.full_clean()
    clock.save()
    return clock


def _first_instant(reached: Callable[[datetime], bool], lo: datetime, hi: datetime) -> datetime:
    """The earliest instant in (lo, hi] at which the monotone `reached` holds, given it
    does not at lo and does at hi; to the microsecond."""
    while hi - lo > _US:
        mid = lo + (hi - lo) // 2
        if reached(mid):
            hi = mid
        else:
            lo = mid
    return hi


def clock_warn_at(
    calendar: WorkCalendar, clock: Clock, pauses: Sequence[tuple[datetime, datetime]]
) -> datetime | None:
    """The clock's yellow-card moment (DOMAIN §10): the earliest instant from its start
    at which ``warning_reached`` holds; None when its policy sets no warning.

    ``warning_reached`` stays the one definition; this is its inverse, the earlier of
    two points worked out directly:

    * the policy's share of the allowed counted time used up: exact by construction,
      since ``advance`` inverts ``counted_time`` (the share is rounded up to the
      microsecond, so the share used there is never below the policy's);
    * the deadline within the policy's lead: the first instant whose position in the
      lead's counted time is the deadline's less the lead, exact whenever advancing
      from it by the lead reaches the deadline (one call checks).

    Where either does not hold (pauses, a deadline in time the lead's unit does not
    count), a bisection over [start, due] on ``warning_reached`` itself finds it."""
    due, start, policy = clock.due_at, clock.started_at, clock.policy
    if due is None or (policy.warn_share is None and policy.warn_lead_amount is None):
        return None
    if due <= start:
        return start
    hours, end = hours_for(clock.department), EndRule(policy.end_rule)
    points: list[datetime] = []
    exact = True
    if policy.warn_share is not None:
        unit = clock.limit_unit
        allowed = counted_time(calendar, unit=unit, hours=hours, end=end, since=start, until=due)
        if pauses or allowed <= timedelta(0):
            exact = False
        else:
            target = math.ceil((allowed // _US) * Fraction(policy.warn_share))
            points.append(
                advance(
                    calendar,
                    unit=unit,
                    hours=hours,
                    end=end,
                    instant=start,
                    by=timedelta(microseconds=target),
                )
            )
    if policy.warn_lead_amount is not None:
        lead_unit = Unit(policy.warn_lead_unit)
        lead = _unit_length(lead_unit, hours, end) * policy.warn_lead_amount
        before = counted_time(
            calendar, unit=lead_unit, hours=hours, end=end, since=start, until=due
        )
        point = (
            start
            if before <= lead
            else advance(
                calendar, unit=lead_unit, hours=hours, end=end, instant=start, by=before - lead
            )
        )
        if advance(calendar, unit=lead_unit, hours=hours, end=end, instant=point, by=lead) >= due:
            points.append(point)
        else:
            exact = False
    if exact:
        return min(points)

    def reached(at: datetime) -> bool:
        return warning_reached(calendar, clock, list(pauses), at)

    return start if reached(start) else _first_instant(reached, start, due)


def _store_warning(
    calendar: WorkCalendar,
    clock: Clock,
    pauses: Sequence[tuple[datetime, datetime]],
    *,
    old_due: datetime | None,
    now: datetime,
) -> None:
    """Store the warning moment that goes with a new due moment, and clear the cards
    the move made stale: a clock whose deadline moved is checked against the new one
    (the breach rows already recorded stay, and the scan's unique constraint keeps a
    deadline that moves back from being recorded twice); a yellow card whose point
    moved into the future comes again at the new point."""
    old_warn = clock.warn_at
    clock.warn_at = clock_warn_at(calendar, clock, pauses)
    if clock.breached_at is not None and clock.due_at != old_due:
        clock.breached_at = None
    if (
        clock.warned_at is not None
        and clock.warn_at != old_warn
        and (clock.warn_at is None or clock.warn_at > now)
    ):
        clock.warned_at = None


def clock_store_due(
    calendar: WorkCalendar, clock: Clock, pauses: Sequence[tuple[datetime, datetime]] | None
) -> None:
    """Set the clock's stored due moment (and warning moment) from its closed pauses;
    None means a pause is still open, and a paused clock has neither. The caller saves
    the DUE_FIELDS."""
    if pauses is None:
        clock.due_at, clock.due_is_provisional, clock.warn_at = None, False, None
        return
    old_due = clock.due_at
    due = clock_due(calendar, clock, pauses)
    clock.due_at, clock.due_is_provisional = due.at, due.provisional
    _store_warning(calendar, clock, pauses, old_due=old_due, now=timezone.now())


def clocks_pause(clocks: Sequence[Clock], *, at: datetime) -> None:
    """Pause running clocks from `at`: each gets an open pause and loses its due moment
    (and warning moment); the cards it already has stay until it resumes."""
    ClockPause.objects.bulk_create([ClockPause(clock=clock, started_at=at) for clock in clocks])
    for clock in clocks:
        clock.due_at, clock.due_is_provisional, clock.warn_at = None, False, None
    Clock.objects.bulk_update(clocks, ["due_at", "due_is_provisional", "warn_at"])


def clocks_resume(clocks: Sequence[Clock], *, at: datetime) -> None:
    """End the open pause of each clock at `at` and compute its due moment again, the
    paused time left out. Clocks stopped while paused keep their pause closed too."""
    ClockPause.objects.filter(clock__in=clocks, ended_at__isnull=True).update(ended_at=at)
    calendar = calendar_snapshot()
    for clock in clocks:
        # Fresh from the database: the pauses just closed are not in any prefetch.
        clock_store_due(calendar, clock, closed_pauses(clock))
    Clock.objects.bulk_update(clocks, DUE_FIELDS)


def clock_extend(clock: Clock, *, amount: int) -> None:
    """Add an approved extension (in the clock's unit) and move the due moment."""
    clock.extension_amount += amount
    clock_store_due(calendar_snapshot(), clock, closed_pauses(clock))
    clock.save(update_fields=["extension_amount", *DUE_FIELDS])


def _epoch_s_rounded_up(moment: datetime) -> int:
    # Whole seconds for the vectorised path. Rounding up never moves a start onto
    # another local day: only an instant at exactly 00:00 belongs to the day before.
    return math.ceil(moment.timestamp())


def clocks_recompute(*, first_day: date, last_day: date) -> int:
    """Recompute, in one pass, every running clock whose deadline depends on a day in
    [first_day, last_day]; provisional deadlines become firm once their year is
    published. Returns how many clocks moved. Call inside the calendar change's
    transaction, after the change is saved.

    A deadline depends on the days from its start to its due moment, so the candidates
    are one range query on the running-clock index. Pause-free working-day clocks,
    the bulk of them, go through the engine's vectorised path, grouped by limit.
    """
    lo = datetime.combine(first_day, time.min, LOCAL_TZ)
    hi = datetime.combine(last_day + timedelta(days=1), time.min, LOCAL_TZ)
    candidates = (
        Clock.objects.filter(
            stopped_at__isnull=True, due_at__isnull=False, started_at__lt=hi, due_at__gt=lo
        )
        .select_related("policy", "department")
        .prefetch_related("pauses")
        .select_for_update(of=("self",))
    )
    calendar = calendar_snapshot()
    now = timezone.now()
    groups: dict[tuple[int, BusinessHours, EndRule], list[Clock]] = defaultdict(list)
    moved: list[Clock] = []

    def store(clock: Clock, at: datetime, provisional: bool) -> None:
        # The warning point can move even when the deadline does not (a lead of one
        # working day before a calendar-day deadline), so it is worked out for each.
        before = (clock.due_at, clock.due_is_provisional, clock.warn_at, clock.warned_at)
        old_due = clock.due_at
        clock.due_at, clock.due_is_provisional = at, provisional
        _store_warning(calendar, clock, closed_pauses(clock) or [], old_due=old_due, now=now)
        if (clock.due_at, clock.due_is_provisional, clock.warn_at, clock.warned_at) != before:
            moved.append(clock)

    for clock in candidates:
        policy = clock.policy
        if clock.limit_unit == Unit.WORKING_DAYS and not clock.pauses.all():
            key = (
                clock.limit_amount + clock.extension_amount,
                hours_for(clock.department),
                EndRule(policy.end_rule),
            )
            groups[key].append(clock)
            continue
        pauses = closed_pauses(clock)
        if pauses is not None:
            due = clock_due(calendar, clock, pauses)
            store(clock, due.at, due.provisional)

    for (amount, hours, end), members in groups.items():
        starts = np.array([_epoch_s_rounded_up(c.started_at) for c in members], dtype=np.int64)
        batch = compute_working_due_many(
            calendar, starts=starts, amount=amount, hours=hours, end=end
        )
        for clock, due_s, provisional in zip(
            members, batch.due_s.tolist(), batch.provisional.tolist(), strict=True
        ):
            store(clock, datetime.fromtimestamp(due_s, LOCAL_TZ), provisional)

    Clock.objects.bulk_update(moved, DUE_FIELDS, batch_size=1000)
    return len(moved)
