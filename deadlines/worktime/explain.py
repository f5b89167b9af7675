"""Why a deadline falls where it does: ``explain_due``, the trace behind one
``compute_due`` call (the days counted, skipped and paused, the roll-off, each pause)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from types import MappingProxyType
from typing import Final

from deadlines.worktime._common import (
    _DAY_US,
    DEFAULT_HOURS,
    LOCAL_TZ,
    BusinessHours,
    EndRule,
    Unit,
    _merge_pauses,
    _window,
)
from deadlines.worktime.calendar import WorkCalendar
from deadlines.worktime.counting import compute_due, counted_time

# -- explanation ----------------------------------------------------------------------


class DayKind(StrEnum):
    """What the calendar makes of a day an explanation lists (DOMAIN §3)."""

    WORKING = "working"  # a weekday worked
    MAKEUP = "makeup"  # a Saturday or Sunday worked (调休)
    WEEKEND = "weekend"  # a Saturday or Sunday off
    HOLIDAY = "holiday"  # off for a holiday: a weekday off, or a weekend day the calendar names


@dataclass(frozen=True, slots=True)
class ExplainedDay:
    """One day of a period: what the calendar makes of it and whether it counted.

    ``paused`` marks a day that would have counted but whose counted time lies wholly
    inside a pause; ``name`` is the calendar's name for it (春节, 国庆节), where it has one.
    """

    day: date
    kind: DayKind
    counted: bool
    name: str = ""
    paused: bool = False
    provisional: bool = False

    @property
    def is_working_day(self) -> bool:
        return self.kind == DayKind.WORKING or self.kind == DayKind.MAKEUP


@dataclass(frozen=True, slots=True)
class ExplainedPause:
    """One pause (overlapping ones merged) and what it did to the deadline.

    ``counted`` is the time of the limit's own measure it held back (working-day time for
    a working-day limit, wall time for a calendar-day one): zero when it began after the
    deadline it would have moved or ended before the clock started."""

    begin: datetime
    end: datetime
    counted: timedelta
    due_before: datetime
    due_after: datetime


@dataclass(frozen=True, slots=True)
class RollOff:
    """A calendar-day period whose last day is a rest day ends on the next working day."""

    last_day: date
    ends_on: date


@dataclass(frozen=True, slots=True)
class DueExplanation:
    """Why a deadline falls where it does: the trace behind one ``compute_due`` call.

    ``at`` and ``provisional`` are that call's answer. ``days`` lists the days the period
    runs over, one by one: for day limits from the day after the start (the start day is
    never counted) to the last day, for business hours from the start day; limits in
    minutes and elapsed hours run round the clock and list none. ``end`` is how the last
    day ends (None for limits in hours or minutes, which end when the time is used up).
    ``provisional_years`` are the years without an official schedule that the deadline
    depends on (empty when it is firm)."""

    start: datetime
    start_day: date
    start_day_counted: bool
    amount: int
    unit: Unit
    hours: BusinessHours
    end: EndRule | None
    days: tuple[ExplainedDay, ...]
    roll_off: RollOff | None
    pauses: tuple[ExplainedPause, ...]
    provisional_years: tuple[int, ...]
    at: datetime
    provisional: bool

    @property
    def counted_days(self) -> tuple[ExplainedDay, ...]:
        return tuple(day for day in self.days if day.counted)

    @property
    def skipped_days(self) -> tuple[ExplainedDay, ...]:
        """Rest days the period passed over without counting them."""
        return tuple(
            day
            for day in self.days
            if not day.counted and not day.paused and not day.is_working_day
        )

    @property
    def makeup_days(self) -> tuple[ExplainedDay, ...]:
        """Weekend days worked (调休) that counted."""
        return tuple(day for day in self.days if day.counted and day.kind == DayKind.MAKEUP)

    @property
    def paused_days(self) -> tuple[ExplainedDay, ...]:
        return tuple(day for day in self.days if day.paused)


_NO_NAMES: Final[Mapping[date, str]] = MappingProxyType({})


def explain_due(
    calendar: WorkCalendar,
    *,
    start: datetime,
    amount: int,
    unit: Unit,
    hours: BusinessHours = DEFAULT_HOURS,
    end: EndRule = EndRule.MIDNIGHT,
    roll_off_rest_days: bool = True,
    pauses: Sequence[tuple[datetime, datetime]] = (),
    day_names: Mapping[date, str] = _NO_NAMES,
) -> DueExplanation:
    """``compute_due`` with the reasons: the same arguments (and the calendar's names for
    its days, which the engine does not need), the same answer, and the trace behind it.

    The deadline itself is ``compute_due``'s; the trace re-reads the calendar over the
    span it covers. What each pause did is the difference between ``compute_due`` with
    the pauses before it and with it too, which is how the engine takes them: in order,
    each against the deadline the earlier ones left."""
    due = compute_due(
        calendar,
        start=start,
        amount=amount,
        unit=unit,
        hours=hours,
        end=end,
        roll_off_rest_days=roll_off_rest_days,
        pauses=pauses,
    )
    merged = _merge_pauses(pauses)

    def due_with(some: Sequence[tuple[datetime, datetime]]) -> datetime:
        return compute_due(
            calendar,
            start=start,
            amount=amount,
            unit=unit,
            hours=hours,
            end=end,
            roll_off_rest_days=roll_off_rest_days,
            pauses=some,
        ).at

    traced: list[ExplainedPause] = []
    held: list[tuple[datetime, datetime]] = []  # the stretches that did not count
    before = due_with(())
    for k, (begin, finish) in enumerate(merged, 1):
        after = due_with(merged[:k]) if k < len(merged) else due.at
        since = max(begin, start)
        took = timedelta(0)
        if begin < before and finish > since:
            took = counted_time(
                calendar, unit=unit, hours=hours, end=end, since=since, until=finish
            )
            held.append((since, finish))
        traced.append(ExplainedPause(begin, finish, took, before, after))
        before = after

    local_start = start.astimezone(LOCAL_TZ)
    window = _window(unit, hours, end)
    day_unit = unit == Unit.WORKING_DAYS or unit == Unit.CALENDAR_DAYS
    if not day_unit and window is None:
        # Minutes and elapsed hours (and round-the-clock business hours) run round the
        # clock: no day is skipped, and the start counts from its very moment.
        return DueExplanation(
            start=start,
            start_day=local_start.date(),
            start_day_counted=True,
            amount=amount,
            unit=unit,
            hours=hours,
            end=None,
            days=(),
            roll_off=None,
            pauses=tuple(traced),
            provisional_years=(),
            at=due.at,
            provisional=due.provisional,
        )

    cal = calendar
    last = cal._day_before_midnight(due.at, "due")
    if day_unit:
        first = cal._day_before_midnight(start, "start")  # the start day, never counted
        span = range(first + 1, last + 1)
        end_us = _DAY_US if end == EndRule.MIDNIGHT or hours.round_the_clock else hours._closes_us
        ends: EndRule | None = EndRule.MIDNIGHT if end_us == _DAY_US else EndRule.CLOSE_OF_BUSINESS
    else:
        first, _ = cal._locate(start, "start")  # business hours count from the start itself
        span = range(min(first, last), last + 1)
        end_us, ends = 0, None
    # The daily stretch a day counts with: all of it for calendar days and 24-h
    # working days, business hours otherwise.
    w0, w1 = window if window is not None else (0, _DAY_US)

    roll_off: RollOff | None = None
    counts_through = last  # calendar days: the period's own last day, before any roll-off
    if unit == Unit.CALENDAR_DAYS:
        raw_end = cal._origin + timedelta(days=first + amount, microseconds=end_us)
        raw_end += sum((pause.counted for pause in traced), timedelta(0))
        counts_through = cal._day_before_midnight(raw_end, "period end")
        if roll_off_rest_days and counts_through < last and not cal._working[counts_through]:
            roll_off = RollOff(cal._date(counts_through), cal._date(last))

    def held_all_day(index: int) -> bool:
        opens = cal._origin + timedelta(days=index, microseconds=w0)
        closes = cal._origin + timedelta(days=index, microseconds=w1)
        return any(since <= opens and closes <= finish for since, finish in held)

    days: list[ExplainedDay] = []
    for index in span:
        day = cal._date(index)
        working = bool(cal._working[index])
        name = day_names.get(day, "")
        if working:
            kind = DayKind.MAKEUP if day.weekday() >= 5 else DayKind.WORKING
        else:
            kind = DayKind.WEEKEND if day.weekday() >= 5 and not name else DayKind.HOLIDAY
        if unit == Unit.CALENDAR_DAYS:
            # Every day counts up to the period's last day; past it, only the working
            # day a rest-day last day rolls to.
            would_count = index <= counts_through or index == last
        else:
            would_count = working
        paused = would_count and held_all_day(index)
        days.append(
            ExplainedDay(
                day=day,
                kind=kind,
                counted=would_count and not paused,
                name=name,
                paused=paused,
                provisional=cal._prov_cum[index + 1] != cal._prov_cum[index],
            )
        )
    provisional_years = (
        tuple(sorted({d.day.year for d in days if d.provisional})) if due.provisional else ()
    )
    return DueExplanation(
        start=start,
        start_day=cal._date(first),
        start_day_counted=not day_unit and bool(cal._working[first]),
        amount=amount,
        unit=unit,
        hours=hours,
        end=ends,
        days=tuple(days),
        roll_off=roll_off,
        pauses=tuple(traced),
        provisional_years=provisional_years,
        at=due.at,
        provisional=due.provisional,
    )
