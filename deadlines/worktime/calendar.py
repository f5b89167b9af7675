"""The working calendar: an immutable snapshot of which days are working days, with the
tables that make working-day arithmetic O(1)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime

import numpy as np
import numpy.typing as npt

from deadlines.worktime._common import (
    _NO_OVERRIDES,
    _US_PER_S,
    FIXED_DATE_HOLIDAYS,
    LOCAL_TZ,
    _naive_error,
)


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
