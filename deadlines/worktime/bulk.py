"""Bulk recomputation (``compute_working_due_many``, vectorised over many starts) and the
day-by-day baseline the benchmark and the tests compare against."""

from __future__ import annotations

from datetime import date, timedelta
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from deadlines.worktime._common import (
    _DAY_S,
    _EPOCH_ORDINAL,
    _US_PER_S,
    DEFAULT_HOURS,
    BusinessHours,
    EndRule,
    _check_end,
    _time_us,
)
from deadlines.worktime.calendar import WorkCalendar

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
