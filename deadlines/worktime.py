"""Working-time arithmetic for service time limits.

This module is the pure engine behind every deadline in the portal: it knows
the official working calendar (statutory holidays and make-up working days),
business hours, and the Civil Code's rules for counting periods (民法典
§201–§203). It has no Django, no database and never reads the clock: callers
pass every instant in, so the same inputs always give the same deadline and
the engine can be tested and benchmarked on its own.

Units are never converted into one another (see DOMAIN §3): a limit keeps the
unit its regulation uses, and each unit has its own notion of "counted time"
(wall time, business time, working-day time). Pauses and progress shares are
measured in that same counted time.

All arithmetic is done in ``LOCAL_TZ`` wall-clock time. Asia/Shanghai has had a
fixed UTC offset since 1991, so wall-clock time equals elapsed time over the
calendar span; ``WorkCalendar`` checks this when it is built rather than trust it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from types import MappingProxyType
from typing import Final, NamedTuple
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt

__all__ = [
    "DEFAULT_HOURS",
    "FIXED_DATE_HOLIDAYS",
    "LOCAL_TZ",
    "ROUND_THE_CLOCK",
    "BusinessHours",
    "DayKind",
    "Due",
    "DueBatch",
    "DueExplanation",
    "EndRule",
    "ExplainedDay",
    "ExplainedPause",
    "RollOff",
    "Unit",
    "WorkCalendar",
    "advance",
    "compute_due",
    "compute_working_due_many",
    "counted_time",
    "explain_due",
    "naive_add_working_days",
    "remaining",
    "share_elapsed",
]

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


class WorkCalendar:
    """An immutable snapshot of which days are working days.

    Built once from the administrator's overrides and shared read-only by every
    computation; when the schedule changes, a new snapshot is built and open
    clocks are recomputed against it (see ``compute_working_due_many``).

    Internally days are addressed by their index from 1 January of
    ``first_year``. The precomputed tables make working-day arithmetic O(1):

    * ``_working[i]``: 1 if day i is a working day;
    * ``_cum[i]``: number of working days among days 0 .. i-1 (length n + 1);
    * ``_work``: sorted indices of the working days, so the k-th working day is
      ``_work[k]`` and the next working day after day i is ``_work[_cum[i + 1]]``;
    * ``_prov_cum[i]``: number of provisional days among days 0 .. i-1.
    """

    __slots__ = (
        "_base",
        "_cum",
        "_cum_np",
        "_first_year",
        "_last_year",
        "_n",
        "_origin",
        "_prov_cum",
        "_prov_cum_np",
        "_published",
        "_utc_offset_s",
        "_work",
        "_work_np",
        "_working",
    )

    _first_year: int
    _last_year: int
    _published: frozenset[int]
    _base: int
    _n: int
    _origin: datetime
    _utc_offset_s: int
    _working: bytes
    _cum: tuple[int, ...]
    _work: tuple[int, ...]
    _prov_cum: tuple[int, ...]
    _prov_cum_np: npt.NDArray[np.int64]
    _cum_np: npt.NDArray[np.int64]
    _work_np: npt.NDArray[np.int64]

    def __init__(
        self,
        *,
        overrides: Mapping[date, bool] = _NO_OVERRIDES,
        published_years: Iterable[int] = (),
        first_year: int = 2000,
        last_year: int = 2100,
    ) -> None:
        set_ = object.__setattr__  # __setattr__ is blocked below to keep the snapshot immutable
        if not 1 <= first_year <= last_year <= 9998:
            raise ValueError(
                f"calendar span must satisfy 1 <= first_year <= last_year <= 9998, "
                f"got {first_year}..{last_year}"
            )
        base = date(first_year, 1, 1).toordinal()
        n = date(last_year, 12, 31).toordinal() - base + 1
        origin = datetime(first_year, 1, 1, tzinfo=LOCAL_TZ)
        offset = origin.utcoffset()
        assert offset is not None  # a ZoneInfo always has an offset
        for year in range(first_year, last_year + 1):
            for month in (1, 7):
                if datetime(year, month, 1, tzinfo=LOCAL_TZ).utcoffset() != offset:
                    # Day arithmetic below assumes local days are all 24 h long.
                    raise ValueError(
                        f"{LOCAL_TZ.key} does not keep one UTC offset over {first_year}.."
                        f"{last_year}; choose a span without daylight-saving time"
                    )

        published = frozenset(int(y) for y in published_years)
        outside = sorted(y for y in published if not first_year <= y <= last_year)
        if outside:
            raise ValueError(
                f"published years {outside} lie outside the calendar span {first_year}..{last_year}"
            )

        ordinals = np.arange(base, base + n, dtype=np.int64)
        # date.fromordinal(1) is a Monday, so (ordinal - 1) % 7 is date.weekday().
        working = (ordinals - 1) % 7 < 5
        provisional = np.zeros(n, dtype=bool)
        for year in range(first_year, last_year + 1):
            if year in published:
                continue
            start = date(year, 1, 1).toordinal() - base
            stop = date(year, 12, 31).toordinal() - base + 1
            provisional[start:stop] = True
            for month, day in FIXED_DATE_HOLIDAYS:
                working[date(year, month, day).toordinal() - base] = False
        # Overrides come last so an administrator can also correct a day of an
        # unpublished year (e.g. a make-up day announced ahead of the full schedule).
        for day_, is_working in overrides.items():
            if isinstance(day_, datetime) or not isinstance(day_, date):
                raise ValueError(f"calendar override keys must be dates, got {day_!r}")
            index = day_.toordinal() - base
            if not 0 <= index < n:
                raise ValueError(
                    f"override {day_.isoformat()} lies outside the calendar span "
                    f"{first_year}..{last_year}"
                )
            working[index] = bool(is_working)

        cum = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(working, out=cum[1:])
        work = np.flatnonzero(working).astype(np.int64)
        prov_cum = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(provisional, out=prov_cum[1:])
        cum.setflags(write=False)
        work.setflags(write=False)
        prov_cum.setflags(write=False)

        set_(self, "_first_year", first_year)
        set_(self, "_last_year", last_year)
        set_(self, "_published", published)
        set_(self, "_base", base)
        set_(self, "_n", n)
        set_(self, "_origin", origin)
        set_(self, "_utc_offset_s", int(offset.total_seconds()))
        # The scalar path reads plain Python tuples/bytes: indexing a numpy array
        # from Python is several times slower than indexing a tuple.
        set_(self, "_working", working.astype(np.uint8).tobytes())
        set_(self, "_cum", tuple(cum.tolist()))
        set_(self, "_work", tuple(work.tolist()))
        set_(self, "_prov_cum", tuple(prov_cum.tolist()))
        set_(self, "_cum_np", cum)
        set_(self, "_work_np", work)
        set_(self, "_prov_cum_np", prov_cum)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable; build a new one instead")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable; build a new one instead")

    def __repr__(self) -> str:
        return (
            f"WorkCalendar(first_year={self._first_year}, last_year={self._last_year}, "
            f"published_years={sorted(self._published)})"
        )

    # -- read-only description -------------------------------------------------

    @property
    def first_year(self) -> int:
        return self._first_year

    @property
    def last_year(self) -> int:
        return self._last_year

    @property
    def published_years(self) -> frozenset[int]:
        return self._published

    @property
    def first_day(self) -> date:
        return date.fromordinal(self._base)

    @property
    def last_day(self) -> date:
        return date.fromordinal(self._base + self._n - 1)

    # -- internal addressing -----------------------------------------------------

    def _span_error(self, what: str) -> ValueError:
        return ValueError(
            f"{what} is outside the working calendar {self.first_day.isoformat()}.."
            f"{self.last_day.isoformat()}; build the calendar with a wider first_year/last_year"
        )

    def _index(self, d: date) -> int:
        index = d.toordinal() - self._base
        if 0 <= index < self._n:
            return index
        raise self._span_error(d.isoformat())

    def _locate(self, t: datetime, what: str = "instant") -> tuple[int, int]:
        """Day index and microseconds into that local day of an aware instant.

        The instant 24:00 of the last day (day index n, offset 0) is accepted
        because a period may end there.
        """
        try:
            delta = t - self._origin
        except TypeError:
            raise _naive_error(what) from None
        day = delta.days
        us = delta.seconds * _US_PER_S + delta.microseconds
        if day < 0 or day > self._n or (day == self._n and us):
            raise self._span_error(f"{what} {t.isoformat()}")
        return day, us

    def _day_before_midnight(self, t: datetime, what: str) -> int:
        """Day index of ``t``, where an instant at exactly local 00:00 is 24:00 of the day before.

        This is what makes periods compose: a period ending at 24:00 of day L can
        start the next period without counting day L + 1 twice or skipping it.
        """
        day, us = self._locate(t, what)
        if not us:
            day -= 1
            if day < 0:
                raise self._span_error(f"{what} {t.isoformat()}")
        return day

    def _next_working_index(self, index: int, n: int = 1) -> int:
        k = self._cum[index + 1] + n - 1
        if k >= len(self._work):
            raise self._span_error(f"working day no. {n} after {self._date(index).isoformat()}")
        return self._work[k]

    def _date(self, index: int) -> date:
        return date.fromordinal(self._base + index)

    def _any_provisional_index(self, first: int, last: int) -> bool:
        if last < first:
            return False
        return self._prov_cum[last + 1] != self._prov_cum[first]

    # -- public queries ------------------------------------------------------------

    def is_working_day(self, d: date) -> bool:
        return self._working[self._index(d)] != 0

    def is_provisional(self, d: date) -> bool:
        index = self._index(d)
        return self._prov_cum[index + 1] != self._prov_cum[index]

    def add_working_days(self, d: date, n: int) -> date:
        """The n-th working day strictly after ``d`` (``d`` itself is never counted)."""
        if n < 1:
            raise ValueError(f"n must be >= 1, got {n}")
        return self._date(self._next_working_index(self._index(d), n))

    def next_working_day(self, d: date) -> date:
        """The first working day strictly after ``d``."""
        return self._date(self._next_working_index(self._index(d)))

    def working_days_between(self, a: date, b: date) -> int:
        """Number of working days in (a, b]; negative (minus the count in (b, a]) when b < a."""
        return self._cum[self._index(b) + 1] - self._cum[self._index(a) + 1]

    def any_provisional(self, a: date, b: date) -> bool:
        """Whether any day in [a, b] is provisional (False when b < a: the range is empty)."""
        return self._any_provisional_index(self._index(a), self._index(b))


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


# -- bulk recomputation ---------------------------------------------------------------


class DueBatch(NamedTuple):
    """Due instants (UTC epoch seconds) and their provisional flags, element by element."""

    due_s: npt.NDArray[np.int64]
    provisional: npt.NDArray[np.bool_]


def compute_working_due_many(
    calendar: WorkCalendar,
    *,
    starts: npt.ArrayLike,
    amount: int,
    hours: BusinessHours = DEFAULT_HOURS,
    end: EndRule = EndRule.MIDNIGHT,
) -> DueBatch:
    """Vectorised ``compute_due(unit=WORKING_DAYS)`` without pauses.

    ``starts`` are UTC epoch seconds (int64); the result holds the due instants
    as UTC epoch seconds and whether each is provisional. Used to recompute every
    open clock in one pass when the calendar changes; it agrees exactly with the
    scalar path.
    """
    if amount < 1:
        raise ValueError(f"amount must be >= 1, got {amount}")
    if end == EndRule.MIDNIGHT or hours.round_the_clock:
        end_s = _DAY_S
    else:
        _check_end(end)
        if hours.closes.microsecond:
            raise ValueError("the vectorised path works in whole seconds; closes has microseconds")
        end_s = _time_us(hours.closes) // _US_PER_S
    secs = np.asarray(starts, dtype=np.int64)
    if secs.size == 0:
        return DueBatch(np.empty(secs.shape, dtype=np.int64), np.empty(secs.shape, dtype=bool))
    offset = calendar._utc_offset_s
    day0 = calendar._base - _EPOCH_ORDINAL  # epoch day number of the calendar origin
    days, second_of_day = np.divmod(secs + offset, _DAY_S)
    # Local 00:00 is 24:00 of the previous day, exactly as in the scalar path.
    first = days - day0 - (second_of_day == 0)
    if int(first.min()) < 0 or int(first.max()) >= calendar._n:
        raise calendar._span_error("a start")
    work = calendar._work_np
    # Number of working days up to and including the start day. This equals
    # np.searchsorted(work, first, side="right"), but a gather from the cumulative
    # table is O(1) per element and measured ~8x faster on unsorted starts.
    k = calendar._cum_np[first + 1] + (amount - 1)
    if int(k.max()) >= work.size:
        raise calendar._span_error(f"{amount} working days after a start")
    last = work[k]
    # Provisional spans (first, last], as in the scalar path.
    prov_cum = calendar._prov_cum_np
    provisional = prov_cum[last + 1] != prov_cum[first + 1]
    return DueBatch((last + day0) * _DAY_S + (end_s - offset), provisional)


# -- baseline -------------------------------------------------------------------------


def naive_add_working_days(calendar: WorkCalendar, d: date, n: int) -> date:
    """Day-by-day ``WorkCalendar.add_working_days``: the benchmark baseline and a test oracle."""
    if n < 1:
        raise ValueError(f"n must be >= 1, got {n}")
    one_day = timedelta(days=1)
    counted = 0
    while counted < n:
        d += one_day
        if calendar.is_working_day(d):
            counted += 1
    return d
