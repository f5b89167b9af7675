"""What the working-time modules share: the time zone and the fixed-date holidays, the
units and end rules, business hours, ``Due``, and the counted-time positions (a measure
per unit and its inverse) with the pause merging every deadline uses.

Private to the package: calendar, counting, explain and bulk build on it. Other code
imports the public names (LOCAL_TZ, Unit, BusinessHours, Due, …) from deadlines.worktime.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from types import MappingProxyType
from typing import TYPE_CHECKING, Final
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from deadlines.worktime.calendar import WorkCalendar

LOCAL_TZ: Final = ZoneInfo("Asia/Shanghai")

# Statutory holidays whose dates are fixed by the 2024 revision of 全国年节及纪念日放假办法:
# New Year's Day (Jan 1), Labour Day (May 1–2) and National Day (Oct 1–3). The lunar
# holidays move every year, so an unpublished year can only be approximated with these.
FIXED_DATE_HOLIDAYS: Final[tuple[tuple[int, int], ...]] = (
    (1, 1),
    (5, 1),
    (5, 2),
    (10, 1),
    (10, 2),
    (10, 3),
)

_US_PER_S: Final = 1_000_000
_DAY_S: Final = 86_400
_DAY_US: Final = _DAY_S * _US_PER_S
_HOUR_US: Final = 3_600 * _US_PER_S
_MINUTE_US: Final = 60 * _US_PER_S
_EPOCH_ORDINAL: Final = date(1970, 1, 1).toordinal()
_NO_OVERRIDES: Final[Mapping[date, bool]] = MappingProxyType({})


class Unit(StrEnum):
    """The unit a regulation states its limit in (DOMAIN §3)."""

    MINUTES = "minutes"
    HOURS = "hours"
    BUSINESS_HOURS = "business_hours"
    CALENDAR_DAYS = "calendar_days"
    WORKING_DAYS = "working_days"


class EndRule(StrEnum):
    """When the last day of a day-based period ends."""

    MIDNIGHT = "midnight"
    CLOSE_OF_BUSINESS = "close_of_business"


def _time_us(t: time) -> int:
    return ((t.hour * 60 + t.minute) * 60 + t.second) * _US_PER_S + t.microsecond


@dataclass(frozen=True, slots=True)
class BusinessHours:
    """Daily opening hours on working days.

    ``round_the_clock`` models units on 24-hour duty (dispatch, the repair
    company): for them all time is business time, holidays included, and
    "close of business" is midnight.
    """

    opens: time = time(8, 0)
    closes: time = time(16, 30)
    round_the_clock: bool = False
    # Offsets from local midnight in microseconds, precomputed because every
    # counted-time evaluation needs them and ``time`` has no cheap arithmetic.
    _opens_us: int = field(init=False, repr=False, compare=False)
    _closes_us: int = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.opens.tzinfo is not None or self.closes.tzinfo is not None:
            # Opening hours are local wall-clock times; an offset would be ambiguous.
            raise ValueError("business hours must be naive local times (no tzinfo)")
        if not self.opens < self.closes:
            raise ValueError(
                f"business hours must open before they close (opens={self.opens}, "
                f"closes={self.closes})"
            )
        object.__setattr__(self, "_opens_us", _time_us(self.opens))
        object.__setattr__(self, "_closes_us", _time_us(self.closes))

    @property
    def day_length(self) -> timedelta:
        """Business time in one working day (8.5 hours by default)."""
        return timedelta(microseconds=self._closes_us - self._opens_us)


DEFAULT_HOURS: Final = BusinessHours()
ROUND_THE_CLOCK: Final = BusinessHours(round_the_clock=True)


@dataclass(frozen=True, slots=True)
class Due:
    """A computed deadline: the instant it falls due, in ``LOCAL_TZ``.

    ``provisional`` is true when a day consulted to compute it lies in a year
    whose official schedule has not been entered yet, so the deadline must be
    recomputed (and any breach re-checked) once it is (DOMAIN §3).
    """

    at: datetime
    provisional: bool


def _naive_error(what: str) -> ValueError:
    return ValueError(f"{what} must be a timezone-aware datetime (naive datetimes are refused)")


# -- counted time: one measure per unit, plus its inverse ---------------------------
#
# Every unit counts time inside a daily window on working days, or counts all
# wall time. ``_window`` says which: working-day time is the window [00:00, 24:00),
# business time is [opens, closes). Position functions map an instant to the
# counted time since the calendar origin, so a measure is a difference of two
# positions and its inverse is a position lookup: both are O(1).

_Window = tuple[int, int] | None


def _window(unit: Unit | str, hours: BusinessHours, end: EndRule | str) -> _Window:
    if unit == Unit.MINUTES or unit == Unit.HOURS or unit == Unit.CALENDAR_DAYS:
        # Calendar days are wall time; rest days only matter for the last day (roll-off).
        return None
    if unit == Unit.BUSINESS_HOURS:
        return None if hours.round_the_clock else (hours._opens_us, hours._closes_us)
    if unit == Unit.WORKING_DAYS:
        if end == EndRule.MIDNIGHT or hours.round_the_clock:
            # 24-h units end a working-day period at midnight either way, so they
            # also measure pauses in whole working days, not in wall time.
            return (0, _DAY_US)
        _check_end(end)
        return (hours._opens_us, hours._closes_us)
    raise ValueError(f"unknown unit {unit!r}")


def _check_end(end: EndRule | str) -> None:
    if end != EndRule.MIDNIGHT and end != EndRule.CLOSE_OF_BUSINESS:
        raise ValueError(f"unknown end rule {end!r}")


def _position(calendar: WorkCalendar, t: datetime, w0: int, w1: int, what: str) -> int:
    """Counted microseconds from the calendar origin to ``t`` inside the daily window [w0, w1)."""
    day, us = calendar._locate(t, what)
    width = w1 - w0
    pos = width * calendar._cum[day]
    if day < calendar._n and calendar._working[day]:
        if us >= w1:
            pos += width
        elif us > w0:
            pos += us - w0
    return pos


def _instant_at(calendar: WorkCalendar, pos: int, w0: int, w1: int) -> datetime:
    """The earliest instant whose position is ``pos`` (inverse of ``_position``).

    When ``pos`` is a whole number of windows the amount is complete at the close
    of a window (e.g. 16:30, or 24:00), not at the next opening.
    """
    q, r = divmod(pos, w1 - w0)
    if r:
        index, offset = q, w0 + r
    else:
        if q == 0:
            return calendar._origin
        index, offset = q - 1, w1
    if index >= len(calendar._work):
        raise calendar._span_error("the advanced instant")
    return calendar._origin + timedelta(days=calendar._work[index], microseconds=offset)


def _td_us(td: timedelta) -> int:
    return (td.days * _DAY_S + td.seconds) * _US_PER_S + td.microseconds


def _aware(t: datetime, what: str) -> datetime:
    if not isinstance(t, datetime) or t.utcoffset() is None:
        raise _naive_error(what)
    return t


# -- pauses ---------------------------------------------------------------------------


def _merge_pauses(
    pauses: Sequence[tuple[datetime, datetime]],
) -> list[tuple[datetime, datetime]]:
    """Sort closed pause intervals and merge those that overlap or touch."""
    checked: list[tuple[datetime, datetime]] = []
    for begin, finish in pauses:
        _aware(begin, "pause start")
        _aware(finish, "pause end")
        if finish < begin:
            raise ValueError(
                f"pause ends before it begins: {begin.isoformat()} > {finish.isoformat()}"
            )
        checked.append((begin, finish))
    checked.sort(key=lambda p: p[0])
    merged: list[tuple[datetime, datetime]] = []
    for begin, finish in checked:
        if merged and begin <= merged[-1][1]:
            if finish > merged[-1][1]:
                merged[-1] = (merged[-1][0], finish)
        else:
            merged.append((begin, finish))
    return merged
