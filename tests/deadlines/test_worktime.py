"""Tests for the pure working-time engine (the deadlines.worktime package).

The calendar is built from the official 2025–2026 schedule as packaged by
``chinese_calendar``; a few literal facts are asserted as well, so a wrong or
outdated import fails loudly instead of silently shifting every expectation.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import TypedDict

import chinese_calendar
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from deadlines.worktime import (
    DEFAULT_HOURS,
    LOCAL_TZ,
    ROUND_THE_CLOCK,
    BusinessHours,
    Due,
    EndRule,
    Unit,
    WorkCalendar,
    advance,
    compute_due,
    compute_working_due_many,
    counted_time,
    naive_add_working_days,
    remaining,
    share_elapsed,
)

PUBLISHED = (2025, 2026)


def official_overrides(years: tuple[int, ...]) -> dict[date, bool]:
    """Every day of ``years`` whose official status differs from the Mon–Fri rule."""
    overrides: dict[date, bool] = {}
    for year in years:
        day = date(year, 1, 1)
        while day.year == year:
            working = chinese_calendar.is_workday(day)
            if working != (day.weekday() < 5):
                overrides[day] = working
            day += timedelta(days=1)
    return overrides


CAL = WorkCalendar(overrides=official_overrides(PUBLISHED), published_years=PUBLISHED)
WD = Unit.WORKING_DAYS
MID = EndRule.MIDNIGHT
COB = EndRule.CLOSE_OF_BUSINESS


class Rule(TypedDict):
    """The keyword arguments that select a counting rule."""

    unit: Unit
    end: EndRule
    hours: BusinessHours


def local(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=LOCAL_TZ)


def days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


# -- strategies -------------------------------------------------------------------------

# st.datetimes takes naive bounds and attaches the drawn time zone itself.
LO, HI = datetime(2025, 1, 1), datetime(2027, 6, 30)  # noqa: DTZ001
any_dates = st.dates(min_value=LO.date(), max_value=HI.date())
plain_instants = st.datetimes(
    min_value=LO, max_value=HI, timezones=st.sampled_from([LOCAL_TZ, UTC])
)
# Day boundaries are where off-by-one errors live, so draw them often.
boundary_instants = st.builds(
    lambda d, t: datetime.combine(d, t, LOCAL_TZ),
    any_dates,
    st.sampled_from([time(0), time(8), time(16, 30), time(23, 59, 59, 999999), time(0, 0, 0, 1)]),
)
instants = st.one_of(plain_instants, boundary_instants)
hours_st = st.sampled_from(
    [DEFAULT_HOURS, ROUND_THE_CLOCK, BusinessHours(opens=time(9), closes=time(17, 45))]
)
ends = st.sampled_from([MID, COB])
units = st.sampled_from(list(Unit))


# -- the calendar itself ---------------------------------------------------------------


def test_it_matches_the_published_2026_schedule() -> None:
    # Checked against chinese_calendar.get_holiday_detail before being written down.
    assert chinese_calendar.get_holiday_detail(date(2026, 2, 14)) == (False, "Spring Festival")
    assert chinese_calendar.get_holiday_detail(date(2026, 10, 10)) == (False, "National Day")
    for day in days(date(2026, 2, 15), date(2026, 2, 23)):
        assert not CAL.is_working_day(day), day
    for day in (date(2026, 2, 14), date(2026, 2, 28), date(2026, 9, 20), date(2026, 10, 10)):
        assert day.weekday() >= 5
        assert CAL.is_working_day(day), day
    for day in days(date(2026, 10, 1), date(2026, 10, 7)):
        assert not CAL.is_working_day(day), day
    assert CAL.is_working_day(date(2026, 2, 13))
    assert CAL.is_working_day(date(2026, 2, 24))
    assert CAL.is_working_day(date(2026, 10, 8))
    assert not CAL.is_working_day(date(2026, 10, 11))  # an ordinary Sunday


def test_it_agrees_with_chinese_calendar_on_every_published_day() -> None:
    for day in days(date(2025, 1, 1), date(2026, 12, 31)):
        assert CAL.is_working_day(day) == chinese_calendar.is_workday(day), day
        assert not CAL.is_provisional(day)


def test_it_treats_an_unpublished_year_as_provisional_with_fixed_date_holidays() -> None:
    assert CAL.is_provisional(date(2027, 3, 1))
    assert CAL.any_provisional(date(2026, 12, 30), date(2027, 1, 2))
    assert not CAL.any_provisional(date(2026, 1, 1), date(2026, 12, 31))
    # Weekdays that are rest days only because of the fixed-date rule.
    fixed = [date(2027, 1, 1), date(2027, 10, 1), date(2028, 5, 1), date(2028, 5, 2)]
    fixed += [date(2028, 10, 2), date(2028, 10, 3)]
    for day in fixed:
        assert day.weekday() < 5
        assert not CAL.is_working_day(day), day
    # Not a fixed-date holiday: the Spring Festival 2027 is not known yet.
    assert CAL.is_working_day(date(2027, 2, 8))
    assert CAL.is_working_day(date(2027, 10, 4))  # a Monday after the fixed Oct 1–3


def test_it_applies_overrides_on_top_of_an_unpublished_year() -> None:
    cal = WorkCalendar(
        overrides={date(2027, 1, 1): True, date(2027, 2, 8): False}, published_years={2026}
    )
    assert cal.is_working_day(date(2027, 1, 1))
    assert not cal.is_working_day(date(2027, 2, 8))
    assert cal.is_provisional(date(2027, 2, 8))
    assert not cal.is_working_day(date(2027, 5, 1))  # untouched fixed holiday stays


def test_it_counts_working_days_between_dates() -> None:
    # (Feb 13, Feb 28]: Feb 14, 24, 25, 26, 27, 28.
    assert CAL.working_days_between(date(2026, 2, 13), date(2026, 2, 28)) == 6
    assert CAL.working_days_between(date(2026, 2, 28), date(2026, 2, 13)) == -6
    assert CAL.working_days_between(date(2026, 2, 14), date(2026, 2, 14)) == 0
    assert CAL.next_working_day(date(2026, 2, 14)) == date(2026, 2, 24)
    assert CAL.next_working_day(date(2026, 9, 19)) == date(2026, 9, 20)


def test_it_is_immutable() -> None:
    with pytest.raises(AttributeError):
        CAL._working = b""
    with pytest.raises(AttributeError):
        CAL.extra = 1
    with pytest.raises(ValueError, match="read-only"):
        CAL._work_np[0] = 0


def test_it_refuses_dates_outside_the_span() -> None:
    cal = WorkCalendar(first_year=2025, last_year=2026)
    with pytest.raises(ValueError, match="outside the working calendar"):
        cal.is_working_day(date(2027, 1, 4))
    with pytest.raises(ValueError, match="outside the working calendar"):
        cal.add_working_days(date(2026, 12, 30), 5)
    with pytest.raises(ValueError, match="outside the working calendar"):
        compute_due(cal, start=local(2024, 12, 31, 10), amount=1, unit=WD)
    with pytest.raises(ValueError, match="outside the calendar span"):
        WorkCalendar(overrides={date(2030, 1, 1): True}, first_year=2025, last_year=2026)
    with pytest.raises(ValueError, match="daylight-saving"):
        WorkCalendar(first_year=1988, last_year=1990)


def test_it_refuses_bad_business_hours() -> None:
    with pytest.raises(ValueError, match="open before"):
        BusinessHours(opens=time(17), closes=time(8))


# -- worked examples ---------------------------------------------------------------------


def test_it_counts_five_working_days_from_a_friday_before_the_spring_festival() -> None:
    # Fri Feb 13 → Sat Feb 14 (make-up) 1, [Feb 15–23 holiday], Feb 24 2, 25 3, 26 4, 27 5.
    start = local(2026, 2, 13, 10, 15)
    assert compute_due(CAL, start=start, amount=5, unit=WD) == Due(local(2026, 2, 28), False)
    assert compute_due(CAL, start=start, amount=5, unit=WD, end=COB).at == local(
        2026, 2, 27, 16, 30
    )
    assert CAL.add_working_days(date(2026, 2, 13), 1) == date(2026, 2, 14)
    # The 6th working day is the make-up Saturday Feb 28.
    assert compute_due(CAL, start=start, amount=6, unit=WD).at == local(2026, 3, 1)


def test_it_rolls_a_calendar_day_limit_off_the_spring_festival() -> None:
    start = local(2026, 2, 10, 9, 0)  # Tue; the 7th day is Tue Feb 17, a holiday
    rolled = compute_due(CAL, start=start, amount=7, unit=Unit.CALENDAR_DAYS)
    assert rolled == Due(local(2026, 2, 25), False)  # ends 24:00 of Tue Feb 24
    plain = compute_due(
        CAL, start=start, amount=7, unit=Unit.CALENDAR_DAYS, roll_off_rest_days=False
    )
    assert plain == Due(local(2026, 2, 18), False)
    cob = compute_due(CAL, start=start, amount=7, unit=Unit.CALENDAR_DAYS, end=COB)
    assert cob.at == local(2026, 2, 24, 16, 30)
    # A last day on a make-up Saturday is a working day: no roll-off.
    on_makeup = compute_due(CAL, start=local(2026, 2, 7, 12), amount=7, unit=Unit.CALENDAR_DAYS)
    assert on_makeup.at == local(2026, 2, 15)


def test_it_counts_the_make_up_days_around_national_day() -> None:
    # Wed Sep 30 → [Oct 1–7] Oct 8 1, Oct 9 2, Sat Oct 10 (make-up) 3, Oct 12 4, Oct 13 5.
    due = compute_due(CAL, start=local(2026, 9, 30, 11), amount=5, unit=WD)
    assert due == Due(local(2026, 10, 14), False)
    # Fri Sep 18 → Sun Sep 20 (make-up) 1, 21–24 2–5, [Sep 25–27], 28–30 6–8, Oct 8 9, Oct 9 10.
    due = compute_due(CAL, start=local(2026, 9, 18, 15), amount=10, unit=WD)
    assert due.at == local(2026, 10, 10)
    assert compute_due(CAL, start=local(2026, 9, 18, 15), amount=11, unit=WD).at == local(
        2026, 10, 11
    )


def test_it_ends_at_close_of_business_or_midnight() -> None:
    start = local(2026, 3, 2, 17, 0)  # Mon after closing: still Monday, not counted
    assert compute_due(CAL, start=start, amount=2, unit=WD, end=COB).at == local(2026, 3, 4, 16, 30)
    assert compute_due(CAL, start=start, amount=2, unit=WD, end=MID).at == local(2026, 3, 5)
    # Local 00:00 is 24:00 of the previous day, so Tuesday is the first day counted.
    midnight = local(2026, 3, 3)
    assert compute_due(CAL, start=midnight, amount=1, unit=WD).at == local(2026, 3, 4)
    assert compute_due(CAL, start=midnight, amount=1, unit=WD, end=COB).at == local(
        2026, 3, 3, 16, 30
    )


def test_it_counts_business_hours_across_a_weekend_and_across_closing_time() -> None:
    bh = Unit.BUSINESS_HOURS
    # Fri 15:00–16:30 is 1.5 h, then Mon 08:00 + 2.5 h.
    assert compute_due(CAL, start=local(2026, 3, 6, 15), amount=4, unit=bh).at == local(
        2026, 3, 9, 10, 30
    )
    # Accumulates exactly at closing: due at 16:30, not at the next opening.
    assert compute_due(CAL, start=local(2026, 3, 10, 14, 30), amount=2, unit=bh).at == local(
        2026, 3, 10, 16, 30
    )
    assert compute_due(CAL, start=local(2026, 3, 10, 15), amount=2, unit=bh).at == local(
        2026, 3, 11, 8, 30
    )
    # Before opening, the clock waits for 08:00.
    assert compute_due(CAL, start=local(2026, 3, 10, 6), amount=1, unit=bh).at == local(
        2026, 3, 10, 9
    )
    # Over the Spring Festival: Fri Feb 13 0.5 h + Sat Feb 14 (make-up) 8.5 h, then Tue Feb 24.
    assert compute_due(CAL, start=local(2026, 2, 13, 16), amount=9, unit=bh).at == local(
        2026, 2, 14, 16, 30
    )
    assert compute_due(CAL, start=local(2026, 2, 13, 16), amount=10, unit=bh).at == local(
        2026, 2, 24, 9
    )


def test_it_runs_round_the_clock_for_dispatch() -> None:
    start = local(2026, 2, 15, 22)  # Sunday in the Spring Festival holiday
    due = compute_due(CAL, start=start, amount=4, unit=Unit.BUSINESS_HOURS, hours=ROUND_THE_CLOCK)
    assert due == Due(local(2026, 2, 16, 2), False)
    hours = compute_due(CAL, start=start, amount=4, unit=Unit.HOURS)
    assert hours == due
    # Close of business is midnight for a 24-h unit.
    wd = compute_due(CAL, start=start, amount=1, unit=WD, hours=ROUND_THE_CLOCK, end=COB)
    assert wd.at == local(2026, 2, 25)
    cd = compute_due(
        CAL, start=start, amount=1, unit=Unit.CALENDAR_DAYS, hours=ROUND_THE_CLOCK, end=COB
    )
    assert cd.at == local(2026, 2, 25)  # Feb 16 is a holiday: rolls to 24:00 of Feb 24


def test_it_counts_wall_clock_minutes_and_hours() -> None:
    start = datetime(2026, 3, 7, 2, 0, tzinfo=UTC)  # Saturday 10:00 local
    assert compute_due(CAL, start=start, amount=40, unit=Unit.MINUTES) == Due(
        local(2026, 3, 7, 10, 40), False
    )
    due = compute_due(CAL, start=start, amount=24, unit=Unit.HOURS)
    assert due.at == local(2026, 3, 8, 10)
    assert due.at.tzinfo is LOCAL_TZ


def test_it_marks_a_year_end_case_provisional_and_uses_fixed_date_holidays() -> None:
    # Wed Dec 30 2026 → Thu Dec 31 1, [Fri Jan 1 2027 fixed holiday, weekend], Jan 4 2, Jan 5 3.
    due = compute_due(CAL, start=local(2026, 12, 30, 10), amount=3, unit=WD)
    assert due == Due(local(2027, 1, 6), True)
    assert not compute_due(CAL, start=local(2026, 12, 28, 10), amount=3, unit=WD).provisional
    assert compute_due(CAL, start=local(2026, 12, 30, 10), amount=1, unit=WD) == Due(
        local(2027, 1, 1), False
    )
    # Calendar days: Dec 29 + 3 = Jan 1 2027, a (fixed-date) rest day → Mon Jan 4.
    cd = compute_due(CAL, start=local(2026, 12, 29, 10), amount=3, unit=Unit.CALENDAR_DAYS)
    assert cd == Due(local(2027, 1, 5), True)
    no_roll = compute_due(
        CAL,
        start=local(2026, 12, 29, 10),
        amount=3,
        unit=Unit.CALENDAR_DAYS,
        roll_off_rest_days=False,
    )
    assert no_roll == Due(local(2027, 1, 2), False)


def test_it_pauses_across_a_weekend() -> None:
    start = local(2026, 3, 2, 10)  # Mon; 5 working days → 24:00 of Mon Mar 9
    assert compute_due(CAL, start=start, amount=5, unit=WD).at == local(2026, 3, 10)
    pause = (local(2026, 3, 6, 12), local(2026, 3, 9, 12))  # Fri noon → Mon noon
    # Working-day time inside: 12 h Friday + 12 h Monday = one working day.
    paused = compute_due(CAL, start=start, amount=5, unit=WD, pauses=[pause])
    assert paused == Due(local(2026, 3, 11), False)
    # Business hours: Fri 12:00–16:30 (4.5 h) + Mon 08:00–12:00 (4 h) = 8.5 h = one full day.
    cob = compute_due(CAL, start=start, amount=5, unit=WD, end=COB, pauses=[pause])
    assert cob.at == local(2026, 3, 10, 16, 30)
    # Wall-clock units pause for the full 72 h.
    hrs = compute_due(CAL, start=local(2026, 3, 6, 10), amount=24, unit=Unit.HOURS, pauses=[pause])
    assert hrs.at == local(2026, 3, 10, 10)
    # Calendar days: 72 h added to 24:00 Mon Mar 9 → 24:00 Thu Mar 12.
    cd = compute_due(CAL, start=start, amount=7, unit=Unit.CALENDAR_DAYS, pauses=[pause])
    assert cd.at == local(2026, 3, 13)


def test_it_merges_and_filters_pauses() -> None:
    start = local(2026, 3, 2, 10)
    base = compute_due(CAL, start=start, amount=2, unit=WD).at
    assert base == local(2026, 3, 5)
    overlapping = [
        (local(2026, 3, 3, 12), local(2026, 3, 4, 0)),
        (local(2026, 3, 3, 0), local(2026, 3, 3, 18)),
    ]
    assert compute_due(CAL, start=start, amount=2, unit=WD, pauses=overlapping).at == local(
        2026, 3, 6
    )
    # A pause beginning at the deadline (or later) changes nothing.
    late = [(base, base + timedelta(days=2))]
    assert compute_due(CAL, start=start, amount=2, unit=WD, pauses=late).at == base
    # ...unless an earlier pause has pushed the deadline past it.
    chained = [(local(2026, 3, 3), local(2026, 3, 4)), (base, base + timedelta(hours=6))]
    assert compute_due(CAL, start=start, amount=2, unit=WD, pauses=chained).at == local(
        2026, 3, 6, 6
    )
    # Time before the clock started does not count.
    before = [(local(2026, 3, 1), local(2026, 3, 2, 12))]
    assert compute_due(CAL, start=start, amount=2, unit=WD, pauses=before).at == local(
        2026, 3, 5, 2
    )
    with pytest.raises(ValueError, match="ends before"):
        compute_due(CAL, start=start, amount=2, unit=WD, pauses=[(base, start)])


def test_it_refuses_naive_datetimes_and_non_positive_amounts() -> None:
    naive = datetime(2026, 3, 2, 10)  # noqa: DTZ001 - the point of the test
    for unit in Unit:
        with pytest.raises(ValueError, match="naive"):
            compute_due(CAL, start=naive, amount=1, unit=unit)
        with pytest.raises(ValueError, match="amount"):
            compute_due(CAL, start=local(2026, 3, 2, 10), amount=0, unit=unit)
    with pytest.raises(ValueError, match="naive"):
        compute_due(
            CAL, start=local(2026, 3, 2), amount=1, unit=WD, pauses=[(naive, local(2026, 3, 3))]
        )
    with pytest.raises(ValueError, match="naive"):
        remaining(due=naive, at=local(2026, 3, 2))
    with pytest.raises(ValueError, match="naive"):
        counted_time(CAL, unit=WD, since=naive, until=local(2026, 3, 2))
    with pytest.raises(ValueError, match="amount"):
        compute_working_due_many(CAL, starts=np.array([0], dtype=np.int64), amount=0)
    with pytest.raises(ValueError, match="n must be"):
        CAL.add_working_days(date(2026, 3, 2), 0)


def test_it_reports_share_and_remaining_time() -> None:
    start = local(2026, 3, 2, 12)
    due = compute_due(CAL, start=start, amount=2, unit=WD).at  # 24:00 Wed Mar 4
    assert share_elapsed(CAL, start=start, due=due, at=local(2026, 3, 1), unit=WD) == 0.0
    # 12 h of Monday out of 12 + 48 h.
    assert share_elapsed(CAL, start=start, due=due, at=local(2026, 3, 3), unit=WD) == 0.2
    assert share_elapsed(CAL, start=start, due=due, at=local(2026, 3, 6), unit=WD) == 1.4
    assert remaining(due=due, at=local(2026, 3, 4, 18)) == timedelta(hours=6)
    assert remaining(due=due, at=local(2026, 3, 5, 1)) == timedelta(hours=-1)


def test_it_measures_and_advances_counted_time() -> None:
    fri, mon = local(2026, 3, 6, 15), local(2026, 3, 9, 9)
    assert counted_time(CAL, unit=Unit.BUSINESS_HOURS, since=fri, until=mon) == timedelta(
        hours=2, minutes=30
    )
    assert counted_time(CAL, unit=WD, since=fri, until=mon) == timedelta(hours=18)
    assert counted_time(CAL, unit=Unit.CALENDAR_DAYS, since=fri, until=mon) == timedelta(hours=66)
    assert counted_time(CAL, unit=WD, since=mon, until=fri) == timedelta(0)
    assert advance(CAL, unit=WD, instant=fri, by=timedelta(hours=9)) == local(2026, 3, 7)
    assert advance(CAL, unit=WD, instant=fri, by=timedelta(hours=10)) == local(2026, 3, 9, 1)
    assert advance(CAL, unit=WD, end=COB, instant=fri, by=timedelta(hours=1.5)) == local(
        2026, 3, 6, 16, 30
    )


# -- properties ---------------------------------------------------------------------------


def _last_day(due: datetime, end: EndRule, hours: BusinessHours = DEFAULT_HOURS) -> date:
    if end == MID or hours.round_the_clock:
        assert due.time() == time(0)
        return (due - timedelta(days=1)).date()
    assert due.time() == hours.closes
    return due.date()


def _start_day(start: datetime) -> date:
    # Local 00:00 is 24:00 of the day before.
    start = start.astimezone(LOCAL_TZ)
    return start.date() - timedelta(days=1 if start.time() == time(0) else 0)


@settings(max_examples=300, deadline=None)
@given(start=instants, amount=st.integers(1, 60), end=ends, hours=hours_st)
def test_it_lands_working_day_deadlines_on_working_days(
    start: datetime, amount: int, end: EndRule, hours: BusinessHours
) -> None:
    due = compute_due(CAL, start=start, amount=amount, unit=WD, end=end, hours=hours)
    assert due.at.tzinfo is LOCAL_TZ
    last = _last_day(due.at, end, hours)
    assert CAL.is_working_day(last)
    # The start day itself is never counted, so only (start day, last day] can make it provisional.
    assert due.provisional == CAL.any_provisional(_start_day(start) + timedelta(days=1), last)


@settings(max_examples=300, deadline=None)
@given(d=any_dates, a=st.integers(1, 40), b=st.integers(1, 40))
def test_it_composes_working_day_additions(d: date, a: int, b: int) -> None:
    assert CAL.add_working_days(CAL.add_working_days(d, a), b) == CAL.add_working_days(d, a + b)
    assert CAL.working_days_between(d, CAL.add_working_days(d, a)) == a


@settings(max_examples=300, deadline=None)
@given(start=instants, a=st.integers(1, 40), b=st.integers(1, 40), end=ends, hours=hours_st)
def test_it_composes_working_day_deadlines(
    start: datetime, a: int, b: int, end: EndRule, hours: BusinessHours
) -> None:
    first = compute_due(CAL, start=start, amount=a, unit=WD, end=end, hours=hours).at
    second = compute_due(CAL, start=first, amount=b, unit=WD, end=end, hours=hours).at
    assert second == compute_due(CAL, start=start, amount=a + b, unit=WD, end=end, hours=hours).at


@settings(max_examples=300, deadline=None)
@given(d=any_dates, n=st.integers(1, 80))
def test_it_adds_working_days_like_the_naive_loop(d: date, n: int) -> None:
    assert CAL.add_working_days(d, n) == naive_add_working_days(CAL, d, n)
    if n == 1:
        assert CAL.next_working_day(d) == naive_add_working_days(CAL, d, 1)


_PAUSABLE = [
    (WD, MID, DEFAULT_HOURS),
    (WD, COB, DEFAULT_HOURS),
    (WD, COB, ROUND_THE_CLOCK),
    (Unit.BUSINESS_HOURS, MID, DEFAULT_HOURS),
    (Unit.BUSINESS_HOURS, MID, ROUND_THE_CLOCK),
    (Unit.HOURS, MID, DEFAULT_HOURS),
    (Unit.MINUTES, MID, DEFAULT_HOURS),
]


@settings(max_examples=400, deadline=None)
@given(
    start=instants,
    amount=st.integers(1, 30),
    kind=st.sampled_from(_PAUSABLE),
    offset=st.floats(0, 0.999),
    length=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=20)),
    lead=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=3)),
)
def test_it_moves_the_deadline_by_the_counted_time_inside_a_pause(
    start: datetime,
    amount: int,
    kind: tuple[Unit, EndRule, BusinessHours],
    offset: float,
    length: timedelta,
    lead: timedelta,
) -> None:
    unit, end, hours = kind
    kw = Rule(unit=unit, end=end, hours=hours)
    before = compute_due(CAL, start=start, amount=amount, **kw).at
    # A pause beginning somewhere before the deadline (possibly before the start).
    begin = start + (before - start) * offset - lead
    pause = (begin, begin + length)
    after = compute_due(CAL, start=start, amount=amount, pauses=[pause], **kw).at
    inside = counted_time(CAL, since=max(begin, start), until=pause[1], **kw)
    assert counted_time(CAL, since=before, until=after, **kw) == inside
    assert after >= before
    # The deadline does not depend on how the pause is split or ordered.
    middle = begin + length / 3
    split = [(middle, pause[1]), (begin, middle)]
    assert compute_due(CAL, start=start, amount=amount, pauses=split, **kw).at == after


@settings(max_examples=200, deadline=None)
@given(
    start=instants,
    amount=st.integers(1, 20),
    roll=st.booleans(),
    end=ends,
    length=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=10)),
)
def test_it_extends_calendar_day_limits_by_the_wall_time_paused(
    start: datetime, amount: int, roll: bool, end: EndRule, length: timedelta
) -> None:
    kw = Rule(unit=Unit.CALENDAR_DAYS, end=end, hours=DEFAULT_HOURS)
    before = compute_due(CAL, start=start, amount=amount, roll_off_rest_days=roll, **kw).at
    unrolled = compute_due(CAL, start=start, amount=amount, roll_off_rest_days=False, **kw).at
    pauses = [(start, start + length)]
    after = compute_due(
        CAL, start=start, amount=amount, roll_off_rest_days=roll, pauses=pauses, **kw
    ).at
    shifted = unrolled + length
    if not roll:
        assert after == shifted
        return
    # Roll the shifted end off rest days, and never end before the unpaused deadline.
    if CAL.is_working_day(_start_day(shifted)):
        assert after == max(before, shifted)
    else:
        assert after >= before
        assert after > shifted
        assert CAL.is_working_day(_last_day(after, end))
        assert CAL.working_days_between(_start_day(shifted), _last_day(after, end)) == 1


@settings(max_examples=400, deadline=None)
@given(
    start=instants,
    later=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=10)),
    amount=st.integers(1, 40),
    more=st.integers(0, 10),
    unit=units,
    end=ends,
    hours=hours_st,
    roll=st.booleans(),
)
def test_it_is_monotone_in_amount_and_start(
    start: datetime,
    later: timedelta,
    amount: int,
    more: int,
    unit: Unit,
    end: EndRule,
    hours: BusinessHours,
    roll: bool,
) -> None:
    kw = Rule(unit=unit, end=end, hours=hours)
    due = compute_due(CAL, start=start, amount=amount, roll_off_rest_days=roll, **kw).at
    assert due > start
    bigger = compute_due(CAL, start=start, amount=amount + more, roll_off_rest_days=roll, **kw)
    assert bigger.at >= due
    later_due = compute_due(CAL, start=start + later, amount=amount, roll_off_rest_days=roll, **kw)
    assert later_due.at >= due


_EPOCH_LO = int(datetime(2025, 1, 1, tzinfo=LOCAL_TZ).timestamp())
_EPOCH_HI = int(datetime(2027, 6, 30, tzinfo=LOCAL_TZ).timestamp())
# Whole-second starts, with local midnights and 16:30 drawn on purpose.
epoch_starts = st.one_of(
    st.integers(_EPOCH_LO, _EPOCH_HI),
    st.integers(0, (_EPOCH_HI - _EPOCH_LO) // 86_400).map(lambda k: _EPOCH_LO + k * 86_400),
    st.integers(0, (_EPOCH_HI - _EPOCH_LO) // 86_400).map(
        lambda k: _EPOCH_LO + k * 86_400 + 59_400
    ),
)


@settings(max_examples=100, deadline=None)
@given(
    starts=st.lists(epoch_starts, min_size=1, max_size=50),
    amount=st.integers(1, 60),
    end=ends,
    hours=hours_st,
)
def test_it_vectorises_exactly_like_the_scalar_path(
    starts: list[int], amount: int, end: EndRule, hours: BusinessHours
) -> None:
    many = compute_working_due_many(
        CAL, starts=np.array(starts, dtype=np.int64), amount=amount, hours=hours, end=end
    )
    assert many.due_s.dtype == np.int64
    pairs = zip(starts, many.due_s.tolist(), many.provisional.tolist(), strict=True)
    for epoch, due, provisional in pairs:
        start = datetime.fromtimestamp(epoch, UTC)
        scalar = compute_due(CAL, start=start, amount=amount, unit=WD, hours=hours, end=end)
        assert scalar.at.timestamp() == due
        assert scalar.provisional == provisional


def test_it_vectorises_an_empty_batch() -> None:
    out = compute_working_due_many(CAL, starts=np.array([], dtype=np.int64), amount=3)
    assert out.due_s.shape == (0,)
    assert out.provisional.shape == (0,)


@settings(max_examples=300, deadline=None)
@given(
    start=instants,
    amount=st.integers(1, 30),
    unit=units,
    end=ends,
    hours=hours_st,
    pause_at=st.floats(0, 1),
    pause_len=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=5)),
    probe=st.floats(0, 1.5),
)
def test_it_reports_zero_at_the_start_and_one_at_the_deadline(
    start: datetime,
    amount: int,
    unit: Unit,
    end: EndRule,
    hours: BusinessHours,
    pause_at: float,
    pause_len: timedelta,
    probe: float,
) -> None:
    kw = Rule(unit=unit, end=end, hours=hours)
    plain = compute_due(CAL, start=start, amount=amount, **kw).at
    begin = start + (plain - start) * pause_at
    pauses = [(begin, begin + pause_len)]
    due = compute_due(CAL, start=start, amount=amount, pauses=pauses, **kw).at

    def share(at: datetime) -> float:
        return share_elapsed(CAL, start=start, due=due, at=at, pauses=pauses, **kw)

    assert share(start) == 0.0
    assert share(start - timedelta(hours=1)) == 0.0
    assert share(due) == 1.0
    at = start + (due - start) * probe
    value = share(at)
    assert value >= 0.0
    if at <= due:
        assert value <= 1.0


@settings(max_examples=300, deadline=None)
@given(
    instant=instants,
    by=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=30)),
    unit=units,
    end=ends,
    hours=hours_st,
)
def test_it_inverts_counted_time_with_advance(
    instant: datetime, by: timedelta, unit: Unit, end: EndRule, hours: BusinessHours
) -> None:
    kw = Rule(unit=unit, end=end, hours=hours)
    moved = advance(CAL, instant=instant, by=by, **kw)
    assert moved >= instant
    assert counted_time(CAL, since=instant, until=moved, **kw) == by
    if moved > instant:
        # Earliest such instant: a microsecond sooner the amount is not yet reached.
        sooner = moved - timedelta(microseconds=1)
        assert counted_time(CAL, since=instant, until=sooner, **kw) < by
