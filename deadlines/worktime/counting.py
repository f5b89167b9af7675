"""Counted time in a limit's unit and its inverse (``counted_time``, ``advance``), the
deadline of a limit (``compute_due``, pauses and the Civil Code's roll-off included) and
the progress of a running limit (``share_elapsed``, ``remaining``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from deadlines.worktime._common import (
    _DAY_US,
    _HOUR_US,
    _MINUTE_US,
    DEFAULT_HOURS,
    LOCAL_TZ,
    BusinessHours,
    Due,
    EndRule,
    Unit,
    _aware,
    _check_end,
    _instant_at,
    _merge_pauses,
    _naive_error,
    _position,
    _td_us,
    _window,
)
from deadlines.worktime.calendar import WorkCalendar


def counted_time(
    calendar: WorkCalendar,
    *,
    unit: Unit,
    hours: BusinessHours = DEFAULT_HOURS,
    end: EndRule = EndRule.MIDNIGHT,
    since: datetime,
    until: datetime,
) -> timedelta:
    """Time that counts towards a limit in ``unit`` between two instants (zero if until <= since).

    MINUTES, HOURS, CALENDAR_DAYS and round-the-clock BUSINESS_HOURS count wall
    time; BUSINESS_HOURS and WORKING_DAYS with CLOSE_OF_BUSINESS count business
    time; WORKING_DAYS with MIDNIGHT counts working-day time (24 h per working day).
    """
    _aware(since, "since")
    _aware(until, "until")
    window = _window(unit, hours, end)
    if until <= since:
        return timedelta(0)
    if window is None:
        return until - since
    w0, w1 = window
    return timedelta(
        microseconds=_position(calendar, until, w0, w1, "until")
        - _position(calendar, since, w0, w1, "since")
    )


def advance(
    calendar: WorkCalendar,
    *,
    unit: Unit,
    hours: BusinessHours = DEFAULT_HOURS,
    end: EndRule = EndRule.MIDNIGHT,
    instant: datetime,
    by: timedelta,
) -> datetime:
    """The earliest instant at which ``by`` of counted time has passed since ``instant``.

    The inverse of ``counted_time``: ``counted_time(since=i, until=advance(instant=i, by=x))
    == x``. The result is in ``LOCAL_TZ``.
    """
    _aware(instant, "instant")
    if by < timedelta(0):
        raise ValueError(f"cannot advance by a negative time ({by})")
    window = _window(unit, hours, end)
    if window is None:
        return (instant + by).astimezone(LOCAL_TZ)
    if not by:
        return instant.astimezone(LOCAL_TZ)
    w0, w1 = window
    return _instant_at(
        calendar, _position(calendar, instant, w0, w1, "instant") + _td_us(by), w0, w1
    )


# -- deadlines ------------------------------------------------------------------------


def compute_due(
    calendar: WorkCalendar,
    *,
    start: datetime,
    amount: int,
    unit: Unit,
    hours: BusinessHours = DEFAULT_HOURS,
    end: EndRule = EndRule.MIDNIGHT,
    roll_off_rest_days: bool = True,
    pauses: Sequence[tuple[datetime, datetime]] = (),
) -> Due:
    """When a limit of ``amount`` ``unit`` started at ``start`` falls due (DOMAIN §3).

    Day units follow the Civil Code: the start day is not counted, the period
    ends at 24:00 (MIDNIGHT) or at ``hours.closes`` (CLOSE_OF_BUSINESS) of its
    last day, and a calendar-day period whose last day is a rest day ends on the
    next working day when ``roll_off_rest_days``. ``pauses`` (suspensions) push
    the deadline out by the counted time inside them.
    """
    if amount < 1:
        raise ValueError(f"amount must be >= 1, got {amount}")
    if unit == Unit.WORKING_DAYS or unit == Unit.CALENDAR_DAYS:
        if end == EndRule.MIDNIGHT or hours.round_the_clock:
            end_us = _DAY_US
        else:
            _check_end(end)
            end_us = hours._closes_us
        # The hot path: inlined calendar lookups, no intermediate objects.
        cal = calendar
        try:
            delta = start - cal._origin
        except TypeError:
            raise _naive_error("start") from None
        first = delta.days
        if not (delta.seconds or delta.microseconds):
            first -= 1  # local 00:00 is 24:00 of the day that just ended
        if not 0 <= first < cal._n:
            raise cal._span_error(f"start {start.isoformat()}")
        if unit == Unit.WORKING_DAYS:
            k = cal._cum[first + 1] + amount - 1
            if k >= len(cal._work):
                raise cal._span_error(f"{amount} working days after {start.isoformat()}")
            last = cal._work[k]
            # Provisional spans (first, last]: the start day is never counted, so its
            # classification cannot change the result.
            if not pauses:
                return Due(
                    cal._origin + timedelta(days=last, microseconds=end_us),
                    cal._prov_cum[last + 1] != cal._prov_cum[first + 1],
                )
            w0, w1 = (0, _DAY_US) if end_us == _DAY_US else (hours._opens_us, hours._closes_us)
            due = _pause_window(
                cal, start, cal._origin + timedelta(days=last, microseconds=end_us), pauses, w0, w1
            )
            last = cal._day_before_midnight(due, "due")
            return Due(due, cal._any_provisional_index(first + 1, last))
        # CALENDAR_DAYS
        raw_last = first + amount
        if raw_last >= cal._n:
            raise cal._span_error(f"{amount} days after {start.isoformat()}")
        raw_end = cal._origin + timedelta(days=raw_last, microseconds=end_us)
        due = _roll_off(cal, raw_end, end_us) if roll_off_rest_days else raw_end
        if pauses:
            for begin, finish in _merge_pauses(pauses):
                if begin >= due:
                    break  # sorted: every later pause also begins after the deadline
                since = max(begin, start)
                if finish <= since:
                    continue
                # The Civil Code rolls the *last day*, so the pause extends the
                # un-rolled end and roll-off is applied afresh to the result...
                raw_end = raw_end + (finish - since)
                extended = _roll_off(cal, raw_end, end_us) if roll_off_rest_days else raw_end
                # ...but a pause must never bring the deadline forward: a short pause
                # can move the raw end off a rest day onto the start of a working
                # day, which would forfeit the roll-off the unpaused period enjoyed.
                due = max(due, extended)
        if not roll_off_rest_days:
            # Nothing about the calendar was consulted: publishing a schedule cannot change it.
            return Due(due, False)
        return Due(due, cal._any_provisional_index(first + 1, cal._day_before_midnight(due, "due")))

    if unit == Unit.BUSINESS_HOURS and not hours.round_the_clock:
        w0, w1 = hours._opens_us, hours._closes_us
        pos = _position(calendar, start, w0, w1, "start") + amount * _HOUR_US
        due = _instant_at(calendar, pos, w0, w1)
        if pauses:
            due = _pause_window(calendar, start, due, pauses, w0, w1)
        first, _ = calendar._locate(start, "start")
        last = calendar._day_before_midnight(due, "due")
        return Due(due, calendar._any_provisional_index(min(first, last), last))

    # Wall-clock units: MINUTES, HOURS and round-the-clock BUSINESS_HOURS.
    if unit == Unit.MINUTES:
        step = amount * _MINUTE_US
    elif unit == Unit.HOURS or unit == Unit.BUSINESS_HOURS:
        step = amount * _HOUR_US
    else:
        raise ValueError(f"unknown unit {unit!r}")
    _aware(start, "start")
    due = start + timedelta(microseconds=step)
    if pauses:
        for begin, finish in _merge_pauses(pauses):
            if begin >= due:
                break
            since = max(begin, start)
            if finish > since:
                due = due + (finish - since)
    return Due(due.astimezone(LOCAL_TZ), False)


def _pause_window(
    calendar: WorkCalendar,
    start: datetime,
    due: datetime,
    pauses: Sequence[tuple[datetime, datetime]],
    w0: int,
    w1: int,
) -> datetime:
    """Extend ``due`` by the counted time (window [w0, w1)) in each pause beginning before it."""
    due_pos = _position(calendar, due, w0, w1, "due")
    for begin, finish in _merge_pauses(pauses):
        if begin >= due:
            break  # sorted: every later pause also begins after the deadline
        since = max(begin, start)  # time before the clock started never counted
        if finish <= since:
            continue
        counted = _position(calendar, finish, w0, w1, "pause end") - _position(
            calendar, since, w0, w1, "pause start"
        )
        if counted:
            due_pos += counted
            due = _instant_at(calendar, due_pos, w0, w1)
    return due


def _roll_off(calendar: WorkCalendar, period_end: datetime, end_us: int) -> datetime:
    """Move a period ending on a rest day to the same end of the next working day."""
    last = calendar._day_before_midnight(period_end, "period end")
    if calendar._working[last]:
        return period_end
    return calendar._origin + timedelta(
        days=calendar._next_working_index(last), microseconds=end_us
    )


# -- progress -------------------------------------------------------------------------


def share_elapsed(
    calendar: WorkCalendar,
    *,
    start: datetime,
    due: datetime,
    at: datetime,
    unit: Unit,
    hours: BusinessHours = DEFAULT_HOURS,
    end: EndRule = EndRule.MIDNIGHT,
    pauses: Sequence[tuple[datetime, datetime]] = (),
) -> float:
    """Share of the allowed counted time used up at ``at`` (0 before start, > 1 when overdue).

    Time inside pauses is excluded from both the elapsed and the allowed time.
    """
    _aware(start, "start")
    _aware(due, "due")
    _aware(at, "at")
    if at <= start:
        return 0.0
    merged = _merge_pauses(pauses) if pauses else []

    def net(until: datetime) -> timedelta:
        total = counted_time(calendar, unit=unit, hours=hours, end=end, since=start, until=until)
        for begin, finish in merged:
            lo, hi = max(begin, start), min(finish, until)
            if hi > lo:
                total -= counted_time(calendar, unit=unit, hours=hours, end=end, since=lo, until=hi)
        return total

    allowed = net(due)
    if allowed <= timedelta(0):
        # A degenerate deadline (at or before the start, or wholly paused).
        return 1.0 if at >= due else 0.0
    return net(at) / allowed


def remaining(*, due: datetime, at: datetime) -> timedelta:
    """Wall time left until ``due`` (negative when overdue)."""
    _aware(due, "due")
    _aware(at, "at")
    return due - at
