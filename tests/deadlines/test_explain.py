"""Every deadline explains itself (issue 20, line 3; DOMAIN §3).

The explanation is worked out by ``deadlines.worktime.explain_due`` from the same
question the stored due moment answers, and read on three pages: the case (staff, a
folded panel per clock), the public status page (the citizen, plain words) and a
violation's file (the inspection office, for the clock the violation came from).

The worked examples run on this 2026 calendar (the official schedule; 2027 is not
entered, so only its weekends and fixed-date holidays are known):

    June:    Fri 5, Sat 6, Sun 7, Mon 8 … Fri 12 working (bar the weekend)
    Sep/Oct: Wed 30 Sep worked; Thu 1 – Wed 7 Oct 国庆节; Thu 8, Fri 9 worked;
             Sat 10 Oct a make-up working day (国庆节调休); Sun 11 off; Mon 12 worked
    2027:    Fri 1 Jan a fixed-date holiday; weekends off
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from hypothesis import example, given, settings
from hypothesis import strategies as st

from deadlines.models import (
    Breach,
    CalendarDay,
    Case,
    Clock,
    ClockKind,
    ClockPause,
    ExtensionRequest,
)
from deadlines.selectors.calendar import calendar_snapshot
from deadlines.selectors.cases import case_get
from deadlines.selectors.explain import case_clock_explanations, clock_explanations
from deadlines.services.calendar import calendar_day_set, calendar_year_publish
from deadlines.services.clocks import clock_extend, clock_start, clocks_pause, clocks_resume
from deadlines.services.scans import clocks_breach_due
from deadlines.worktime import (
    LOCAL_TZ,
    BusinessHours,
    DayKind,
    DueExplanation,
    EndRule,
    RollOff,
    Unit,
    WorkCalendar,
    compute_due,
    counted_time,
    explain_due,
)
from sanctions.models import Violation
from sanctions.services import violations_raise_from_sources
from tests.deadlines.conftest import Cast, open_case
from tests.factories import PASSWORD, CaseFactory, DepartmentFactory, PolicyFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")
US = timedelta(microseconds=1)

NATIONAL_DAY = "国庆节"
HOLIDAYS = {date(2026, 10, d): NATIONAL_DAY for d in range(1, 8)}
MAKEUP = {date(2026, 10, 10): NATIONAL_DAY, date(2026, 9, 20): NATIONAL_DAY}
NAMES = {**HOLIDAYS, **MAKEUP}
CALENDAR = WorkCalendar(
    overrides={**dict.fromkeys(HOLIDAYS, False), **dict.fromkeys(MAKEUP, True)},
    published_years=[2026],
    first_year=2025,
    last_year=2028,
)


def local(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


def days_of(days: Any) -> list[date]:
    return [day.day for day in days]


def held_back(why: DueExplanation) -> timedelta:
    """The counted time all the pauses held back together."""
    return sum((pause.counted for pause in why.pauses), timedelta(0))


def last_day(at: datetime) -> date:
    """The last day of a period ending at `at` (24:00 is the end of the day before)."""
    return (at - US).astimezone(LOCAL_TZ).date()


# -- worked examples ----------------------------------------------------------------------


def test_a_web_consultation_on_a_friday_evening_counts_the_working_days_after_the_weekend() -> None:
    # 2 working days (seed 001 §5(五)) from Friday 5 June, 18:40.
    why = explain_due(
        CALENDAR,
        start=local(2026, 6, 5, 18, 40),
        amount=2,
        unit=Unit.WORKING_DAYS,
        day_names=NAMES,
    )
    assert why.at == local(2026, 6, 10)  # 24:00 on Tuesday 9 June
    assert (why.start_day, why.start_day_counted) == (date(2026, 6, 5), False)
    assert days_of(why.counted_days) == [date(2026, 6, 8), date(2026, 6, 9)]
    assert days_of(why.skipped_days) == [date(2026, 6, 6), date(2026, 6, 7)]
    assert {day.kind for day in why.skipped_days} == {DayKind.WEEKEND}
    assert (why.makeup_days, why.roll_off, why.pauses) == ((), None, ())
    assert (why.end, why.provisional, why.provisional_years) == (EndRule.MIDNIGHT, False, ())


def test_an_application_over_the_national_day_week_counts_the_make_up_saturday() -> None:
    # 5 working days from Tuesday 29 September.
    why = explain_due(
        CALENDAR,
        start=local(2026, 9, 29, 10),
        amount=5,
        unit=Unit.WORKING_DAYS,
        day_names=NAMES,
    )
    assert why.at == local(2026, 10, 13)  # 24:00 on Monday 12 October
    assert days_of(why.counted_days) == [
        date(2026, 9, 30),
        date(2026, 10, 8),
        date(2026, 10, 9),
        date(2026, 10, 10),  # the make-up Saturday
        date(2026, 10, 12),
    ]
    assert [(day.day, day.name) for day in why.makeup_days] == [(date(2026, 10, 10), NATIONAL_DAY)]
    holidays = [day for day in why.skipped_days if day.kind == DayKind.HOLIDAY]
    # The weekend of the holiday week is named after it; Sunday 11 October is a weekend.
    assert days_of(holidays) == [date(2026, 10, d) for d in range(1, 8)]
    assert {day.name for day in holidays} == {NATIONAL_DAY}
    assert [(day.day, day.kind) for day in why.skipped_days if day.kind == DayKind.WEEKEND] == [
        (date(2026, 10, 11), DayKind.WEEKEND)
    ]


def test_a_calendar_day_limit_ending_on_a_sunday_rolls_to_monday_24_00() -> None:
    # A complaint's result in 2 days (seed 003 投诉工作程序 (2)e) from Friday 5 June.
    why = explain_due(
        CALENDAR, start=local(2026, 6, 5, 10), amount=2, unit=Unit.CALENDAR_DAYS, day_names=NAMES
    )
    assert why.at == local(2026, 6, 9)  # 24:00 on Monday 8 June
    assert why.roll_off == RollOff(last_day=date(2026, 6, 7), ends_on=date(2026, 6, 8))
    # A calendar-day period counts its weekend; only its last day rolls.
    assert days_of(d for d in why.counted_days if not d.is_working_day) == [
        date(2026, 6, 6),
        date(2026, 6, 7),
    ]
    assert days_of(why.counted_days) == [date(2026, 6, 6), date(2026, 6, 7), date(2026, 6, 8)]
    assert why.skipped_days == ()


def test_a_paused_and_extended_clock_counts_the_pause_and_the_extension() -> None:
    # 7 working days from Monday 1 June 10:00, extended by 3; paused from Tuesday 2 June
    # 09:00 to Thursday 4 June 09:00: two working days held back.
    pause = (local(2026, 6, 2, 9), local(2026, 6, 4, 9))
    why = explain_due(
        CALENDAR,
        start=local(2026, 6, 1, 10),
        amount=7 + 3,
        unit=Unit.WORKING_DAYS,
        pauses=[pause],
        day_names=NAMES,
    )
    # Ten working days end on Monday 15 June; two more on Wednesday 17 June, 24:00.
    ((begin, end, held, before, after),) = [
        (p.begin, p.end, p.counted, p.due_before, p.due_after) for p in why.pauses
    ]
    assert (begin, end, held) == (*pause, timedelta(days=2))
    assert (before, after, why.at) == (local(2026, 6, 16), local(2026, 6, 18), local(2026, 6, 18))
    assert days_of(why.paused_days) == [date(2026, 6, 3)]  # wholly inside the pause
    assert held_back(why) == timedelta(days=2)


def test_a_limit_running_into_an_unpublished_year_is_provisional() -> None:
    # 7 working days from Monday 28 December 2026; 2027's schedule is not entered.
    why = explain_due(
        CALENDAR, start=local(2026, 12, 28, 10), amount=7, unit=Unit.WORKING_DAYS, day_names=NAMES
    )
    assert why.at == local(2027, 1, 8)  # 24:00 on Thursday 7 January
    assert (why.provisional, why.provisional_years) == (True, (2027,))
    new_year = [day for day in why.days if day.day == date(2027, 1, 1)]
    assert [(day.kind, day.counted, day.provisional) for day in new_year] == [
        (DayKind.HOLIDAY, False, True)
    ]
    assert not any(day.provisional for day in why.days if day.day.year == 2026)


def test_business_hours_count_from_the_start_itself() -> None:
    why = explain_due(
        CALENDAR,
        start=local(2026, 6, 5, 15),
        amount=10,
        unit=Unit.BUSINESS_HOURS,
        end=EndRule.MIDNIGHT,
    )
    # 1.5 hours on Friday, 8.5 on Monday: 16:30 on Monday 8 June.
    assert why.at == local(2026, 6, 8, 16, 30)
    assert (why.start_day_counted, why.end) == (True, None)
    assert days_of(why.counted_days) == [date(2026, 6, 5), date(2026, 6, 8)]


# -- the explanation reaches the engine's answer -----------------------------------------

UNITS = list(Unit)
HOURS = [
    BusinessHours(),
    BusinessHours(opens=time(9), closes=time(17)),
    BusinessHours(round_the_clock=True),
]


@st.composite
def questions(draw: Any) -> dict[str, Any]:
    start = local(2026, 5, 1) + timedelta(
        minutes=draw(st.integers(min_value=0, max_value=250 * 24 * 60))
    )
    if draw(st.booleans()):
        start = start.replace(hour=0, minute=0)  # 00:00 is 24:00 of the day before
    pauses = []
    for _ in range(draw(st.integers(min_value=0, max_value=3))):
        begin = start + timedelta(minutes=draw(st.integers(min_value=-3000, max_value=60000)))
        pauses.append((begin, begin + timedelta(minutes=draw(st.integers(0, 20000)))))
    return {
        "start": start,
        "amount": draw(st.integers(min_value=1, max_value=40)),
        "unit": draw(st.sampled_from(UNITS)),
        "hours": draw(st.sampled_from(HOURS)),
        "end": draw(st.sampled_from(list(EndRule))),
        "roll_off_rest_days": draw(st.booleans()),
        "pauses": pauses,
    }


@settings(max_examples=600, deadline=None)
@given(questions())
@example(  # across the National Day week, with a pause inside it
    {
        "start": local(2026, 9, 29, 10),
        "amount": 6,
        "unit": Unit.WORKING_DAYS,
        "hours": HOURS[1],
        "end": EndRule.CLOSE_OF_BUSINESS,
        "roll_off_rest_days": True,
        "pauses": [(local(2026, 10, 5, 9), local(2026, 10, 9, 12))],
    }
)
@example(  # a calendar-day period ending on the holiday week, rolled past it
    {
        "start": local(2026, 9, 28, 0),
        "amount": 5,
        "unit": Unit.CALENDAR_DAYS,
        "hours": HOURS[0],
        "end": EndRule.MIDNIGHT,
        "roll_off_rest_days": True,
        "pauses": [],
    }
)
def test_the_explanation_reaches_the_engines_deadline_by_its_own_days(ask: dict[str, Any]) -> None:
    why = explain_due(CALENDAR, **ask, day_names=NAMES)
    due = compute_due(CALENDAR, **ask)
    assert (why.at, why.provisional) == (due.at, due.provisional)
    assert bool(why.provisional_years) == why.provisional

    unit, hours, start = ask["unit"], ask["hours"], ask["start"]
    measure = {"unit": unit, "hours": hours, "end": ask["end"]}
    pauses = why.pauses
    if pauses:
        assert pauses[0].due_before == compute_due(CALENDAR, **{**ask, "pauses": ()}).at
        assert pauses[-1].due_after == why.at
        assert all(p.due_before <= p.due_after for p in pauses)
        assert all(a.due_after == b.due_before for a, b in itertools.pairwise(pauses))

    if not why.days:
        # Round the clock: the time from the start, less the pauses, is the limit.
        step = timedelta(minutes=1) if unit == Unit.MINUTES else timedelta(hours=1)
        assert why.at - start - held_back(why) == step * ask["amount"]
        return

    listed = days_of(why.days)
    assert listed == [listed[0] + timedelta(days=n) for n in range(len(listed))]
    assert listed[-1] == last_day(why.at)
    for day in why.days:
        assert day.is_working_day == CALENDAR.is_working_day(day.day)
        assert day.provisional == CALENDAR.is_provisional(day.day)
        assert not (day.counted and day.paused)
        assert day.name == NAMES.get(day.day, "")

    if unit == Unit.BUSINESS_HOURS:
        assert listed[0] == start.astimezone(LOCAL_TZ).date()
        counted = counted_time(CALENDAR, **measure, since=start, until=why.at)
        assert counted - held_back(why) == timedelta(hours=ask["amount"])
        return

    assert why.start_day == last_day(start)
    assert not why.start_day_counted
    assert listed[0] == why.start_day + timedelta(days=1)
    if unit == Unit.WORKING_DAYS:
        # The working days after the start day, less what the pauses held back, are the
        # limit; every rest day listed is skipped.
        start_day_end = datetime.combine(listed[0], time(), LOCAL_TZ)
        counted = counted_time(CALENDAR, **measure, since=start_day_end, until=why.at)
        one_day = (
            hours.day_length
            if ask["end"] == EndRule.CLOSE_OF_BUSINESS and not hours.round_the_clock
            else timedelta(days=1)
        )
        assert counted - held_back(why) == one_day * ask["amount"]
        assert all(not day.counted for day in why.days if not day.is_working_day)
        if not ask["pauses"]:
            assert len(why.counted_days) == ask["amount"]
            assert why.days[-1].counted
        return

    # Calendar days: every day to the period's last counts; a rest-day last day rolls.
    assert why.skipped_days == tuple(d for d in why.days if not d.counted and not d.paused)
    if why.roll_off is not None:
        assert ask["roll_off_rest_days"]
        assert not CALENDAR.is_working_day(why.roll_off.last_day)
        assert why.roll_off.ends_on == CALENDAR.next_working_day(why.roll_off.last_day)
        assert why.roll_off.ends_on == listed[-1]
    if not ask["pauses"]:
        assert len(why.counted_days) == ask["amount"] + (why.roll_off is not None)
        if ask["roll_off_rest_days"]:
            assert CALENDAR.is_working_day(listed[-1])


# -- the stored deadline is the explained one ----------------------------------------------


@contextmanager
def at(moment: datetime) -> Iterator[None]:
    with time_machine.travel(moment, tick=False):
        yield


def _explained(clocks: list[Clock]) -> dict[int, Any]:
    fresh = list(
        Clock.objects.filter(pk__in=[c.pk for c in clocks])
        .select_related("policy", "department")
        .prefetch_related("pauses")
    )
    return {
        why.clock.pk: why
        for why in clock_explanations(fresh, events=[], extensions=[], calendar=calendar_snapshot())
    }


def _assert_stored_is_explained(clocks: list[Clock]) -> int:
    explained = _explained(clocks)
    checked = 0
    for clock in Clock.objects.filter(pk__in=[c.pk for c in clocks]):
        why = explained[clock.pk]
        if clock.due_at is None:
            assert why.trace is None
            assert why.paused_since is not None
            continue
        assert (why.trace.at, why.trace.provisional) == (clock.due_at, clock.due_is_provisional)
        assert why.agrees
        checked += 1
    return checked


@pytest.mark.django_db
def test_the_stored_deadline_is_the_explained_one_through_start_pause_resume_extension(
    cast: Cast,
) -> None:
    policies = [
        PolicyFactory(amount=amount, unit=unit.value, end_rule=end.value, roll_off_rest_days=roll)
        for unit, amount in [
            (Unit.WORKING_DAYS, 2),
            (Unit.WORKING_DAYS, 15),
            (Unit.CALENDAR_DAYS, 2),
            (Unit.CALENDAR_DAYS, 30),
            (Unit.BUSINESS_HOURS, 6),
            (Unit.HOURS, 24),
            (Unit.MINUTES, 40),
        ]
        for end in EndRule
        for roll in (True, False)
    ]
    case = CaseFactory(department=cast.service)
    cast.network.opens_at, cast.network.closes_at = time(9), time(17, 30)
    cast.network.save()
    duty = DepartmentFactory(code="dispatch", round_the_clock=True)
    # Starts every 29 h 17 min from Friday 25 September 2026, across the National Day
    # week and into the unpublished 2027.
    first = local(2026, 9, 25, 18, 40)
    starts = [first + n * timedelta(hours=29, minutes=17) for n in range(0, 90, 9)]
    clocks = []
    for n, started in enumerate(starts):
        with at(started):
            for policy in policies:
                clocks.append(
                    clock_start(
                        case=case,
                        kind=ClockKind.RESULT,
                        policy=policy,
                        department=(cast.service, cast.network, duty)[n % 3],
                        started_at=started,
                    )
                )
    assert _assert_stored_is_explained(clocks) == len(clocks)

    paused = clocks[::3]
    with at(first + timedelta(days=4, hours=3)):
        clocks_pause(paused, at=timezone.now())
    assert _assert_stored_is_explained(clocks) == len(clocks) - len(paused)
    with at(first + timedelta(days=9, hours=7)):
        clocks_resume(paused, at=timezone.now())
        for clock in clocks[::4]:
            clock.refresh_from_db()
            clock_extend(clock, amount=3)
    assert _assert_stored_is_explained(clocks) == len(clocks)
    assert ClockPause.objects.filter(clock__in=paused, ended_at__isnull=False).count() == len(
        paused
    )

    # Entering 2027's schedule recomputes the open clocks (the vectorised path among
    # them): they stay explained, and firm.
    with at(local(2026, 11, 20, 9)):
        calendar_day_set(
            actor=None,
            day=date(2027, 1, 4),
            is_working_day=False,
            kind=CalendarDay.Kind.HOLIDAY,
            name="元旦",
        )
        calendar_year_publish(actor=None, year=2027, source="国务院办公厅通知")
    assert _assert_stored_is_explained(clocks) == len(clocks)
    assert not Clock.objects.filter(pk__in=[c.pk for c in clocks], due_is_provisional=True).exists()


# -- the three pages ---------------------------------------------------------------------

FRIDAY_EVENING = local(2026, 6, 5, 18, 40)


def signed_in(user: Any) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def _complaint(cast: Cast) -> tuple[Case, Clock]:
    """A complaint registered on Friday evening: its result is due in 2 days, the Sunday
    rolled to Monday 8 June, 24:00."""
    with at(FRIDAY_EVENING):
        case = open_case(cast)
    result = Clock.objects.get(case=case, kind=ClockKind.RESULT)
    assert result.due_at == local(2026, 6, 9)
    return case, result


def _panels(page: str) -> list[str]:
    return [chunk.split("</details>")[0] for chunk in page.split('<details class="why-due"')[1:]]


@pytest.mark.django_db
def test_the_case_page_folds_a_panel_per_clock_that_explains_it(cast: Cast) -> None:
    case, result = _complaint(cast)
    with at(FRIDAY_EVENING + timedelta(hours=1)):
        page = signed_in(cast.handler).get(reverse("deadlines:case_detail", args=[case.number]))
    assert page.status_code == 200
    html = page.content.decode()
    panels = _panels(html)
    assert len(panels) == Clock.objects.filter(case=case).count()
    assert all(not panel.split(">")[0].rstrip().endswith("open") for panel in panels)
    (panel,) = [p for p in panels if p.startswith(f' id="why-due-{result.pk}"')]
    assert "为什么是这个期限" in panel
    assert "2026-06-08 24:00" in panel
    assert result.policy.citation in panel
    assert "已登记" in panel  # the step that started it
    assert cast.desk.get_full_name() in panel  # staff see who took the step
    assert "2026-06-05" in panel
    assert "不计入" in panel
    assert "06-06 (星期六)" in panel
    assert "06-07 (星期日)" in panel
    assert "2026-06-07" in panel
    assert "2026-06-08" in panel
    assert "末日24时届满" in panel


def _resumed_and_extended(cast: Cast, case: Case, result: Clock) -> None:
    """Resume the clock paused since Saturday 10:00 on Sunday 16:00, and approve 5 more
    days by the head."""
    with at(local(2026, 6, 7, 16)):
        clocks_resume([result], at=timezone.now())
        result.refresh_from_db()
        assert result.due_at is not None
        # The approval itself (bound, approver, notice) is the extension step's business
        # (tests/deadlines/cases/test_working.py); here the head's approval is on record.
        extension = ExtensionRequest.objects.create(
            case=case,
            clock=result,
            amount=5,
            unit=result.limit_unit.value,
            reason="需现场勘查。",
            requested_by=cast.handler,
            requested_at=timezone.now(),
            due_when_requested=result.due_at,
            decision=ExtensionRequest.Decision.APPROVED,
            decided_by=cast.head,
            decided_at=timezone.now(),
            citizen_told_at=timezone.now(),
        )
        clock_extend(result, amount=extension.amount)


@pytest.mark.django_db
def test_the_case_page_shows_pauses_and_extensions_with_their_approver(cast: Cast) -> None:
    case, result = _complaint(cast)
    with at(local(2026, 6, 6, 10)):
        clocks_pause([result], at=timezone.now())
    with at(local(2026, 6, 6, 10, 1)):
        html = signed_in(cast.head).get(reverse("deadlines:case_detail", args=[case.number]))
    (panel,) = [p for p in _panels(html.content.decode()) if f"why-due-{result.pk}" in p]
    assert "暂停" in panel
    assert "2026-06-06 10:00" in panel
    _resumed_and_extended(cast, case, result)
    with at(local(2026, 6, 7, 16)):
        html = signed_in(cast.head).get(reverse("deadlines:case_detail", args=[case.number]))
    result.refresh_from_db()
    # 2 + 5 days end on Friday 12 June, 24:00; 30 hours paused (Saturday 10:00 to Sunday
    # 16:00) move the end to Sunday 14 June, 06:00, a rest day: Monday 15 June, 24:00.
    assert result.due_at == local(2026, 6, 16)
    (panel,) = [p for p in _panels(html.content.decode()) if f"why-due-{result.pk}" in p]
    assert "2026-06-15 24:00" in panel
    assert "2 + 5 日历日" in panel
    assert "不计时长 1天 6小时" in panel
    assert "+5" in panel
    assert cast.head.get_full_name() in panel
    assert "2026-06-06 10:00" in panel
    assert "2026-06-07 16:00" in panel


@pytest.mark.django_db
def test_the_citizen_reads_a_plain_version_without_staff_names_or_codes(cast: Cast) -> None:
    case, result = _complaint(cast)
    with at(local(2026, 6, 6, 10)):
        clocks_pause([result], at=timezone.now())
    _resumed_and_extended(cast, case, result)
    with at(local(2026, 6, 8, 9)):
        response = Client().post(
            reverse("intake:public_status"),
            {"number": case.number, "secret": case.lookup_secret},
        )
    assert response.status_code == 200
    html = response.content.decode()
    assert "您的期限如何计算" in html
    part = html.split("why-due-public")[1].split("</section>")[0]
    assert "2026-06-15 24:00" in part
    assert "2026-06-14" in part  # the rolled last day, in words
    assert "2026-06-07 经批准延长 5 日历日" in part
    assert "2026-06-06 10:00 至 2026-06-07 16:00" in part
    assert "不计入" in part  # the start day
    for person in (cast.desk, cast.handler, cast.head):
        assert person.get_full_name() not in part
        assert person.get_username() not in part
    for code in (
        "calendar_days",
        "working_days",
        "midnight",
        "close_of_business",
        result.policy.code,
    ):
        assert code not in part
    assert "<details" not in part  # plain, nothing folded


@pytest.mark.django_db
def test_the_violation_file_explains_the_missed_deadline(cast: Cast) -> None:
    _case, result = _complaint(cast)
    clocks_breach_due(now=local(2026, 6, 9, 9))
    violations_raise_from_sources(now=local(2026, 6, 9, 9))
    violation = Violation.objects.get(breach__clock=result)
    with at(local(2026, 6, 9, 10)):
        response = signed_in(cast.inspector).get(
            reverse("sanctions:violation", args=[violation.pk])
        )
    assert response.status_code == 200
    panels = _panels(response.content.decode())
    (panel,) = panels  # the clock the violation came from, and only that one
    assert panel.startswith(f' id="why-due-{result.pk}" open>')
    assert "2026-06-08 24:00" in panel
    assert "已登记" in panel
    assert Breach.objects.get(clock=result).moment == result.due_at
    assert "此后期限已变更" not in panel
    # An extension approved after the breach moves the deadline the panel explains; the
    # file says which deadline the breach was recorded against.
    with at(local(2026, 6, 9, 11)):
        clock_extend(result, amount=3)
        response = signed_in(cast.inspector).get(
            reverse("sanctions:violation", args=[violation.pk])
        )
    (panel,) = _panels(response.content.decode())
    assert "2026-06-10 24:00" in panel  # 5 days from Friday 5 June
    assert "超期按 2026-06-08 24:00 记录；此后期限已变更。" in panel


def _queries(get: Any) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert get().status_code == 200
    return len(queries.captured_queries)


@pytest.mark.django_db
def test_the_three_pages_cost_the_same_queries_however_many_clocks_they_explain(
    cast: Cast,
) -> None:
    case, result = _complaint(cast)
    clocks_breach_due(now=local(2026, 6, 9, 9))
    violations_raise_from_sources(now=local(2026, 6, 9, 9))
    violation = Violation.objects.get(breach__clock=result)
    staff, office = signed_in(cast.handler), signed_in(cast.inspector)
    pages = {
        "case": lambda: staff.get(reverse("deadlines:case_detail", args=[case.number])),
        "status": lambda: Client().post(
            reverse("intake:public_status"), {"number": case.number, "secret": case.lookup_secret}
        ),
        "violation": lambda: office.get(reverse("sanctions:violation", args=[violation.pk])),
    }
    with at(local(2026, 6, 9, 10)):
        before = {name: _queries(get) for name, get in pages.items()}
        # Three more public clocks, one paused and resumed, one extended.
        more = [
            clock_start(
                case=case,
                kind=kind,
                policy=PolicyFactory(clock_kind=kind, amount=n + 3),
                department=cast.service,
                started_at=FRIDAY_EVENING,
            )
            for n, kind in enumerate(
                [ClockKind.FIRST_FEEDBACK, ClockKind.CLOSURE, ClockKind.REVIEW]
            )
        ]
        clocks_pause(more[:1], at=local(2026, 6, 8, 9))
        clocks_resume(more[:1], at=local(2026, 6, 8, 11))
        clock_extend(more[1], amount=2)
        after = {name: _queries(get) for name, get in pages.items()}
    assert after == before
    with at(local(2026, 6, 9, 10)):
        clocks = Clock.objects.filter(case=case).count()
        assert len(_panels(pages["case"]().content.decode())) == clocks == 4
        status = pages["status"]().content.decode().split("why-due-public")[1]
        assert status.split("</section>")[0].count("<h3>") == 4
        assert len(_panels(pages["violation"]().content.decode())) == 1


@pytest.mark.django_db
@pytest.mark.parametrize("extra", [0, 3])
def test_the_panels_cost_the_same_queries_however_many_clocks(
    cast: Cast, extra: int, django_assert_num_queries: Any
) -> None:
    case, _result = _complaint(cast)
    with at(FRIDAY_EVENING):
        for n in range(extra):
            clock_start(
                case=case,
                kind=ClockKind.PROGRESS_REPORT,
                policy=PolicyFactory(amount=n + 1, unit=Unit.WORKING_DAYS.value),
                department=cast.service,
                started_at=FRIDAY_EVENING,
            )
    full = case_get(number=case.number)
    calendar = calendar_snapshot()
    with django_assert_num_queries(1):  # the calendar's day names
        explained = case_clock_explanations(full, calendar=calendar)
    assert len(explained) == Clock.objects.filter(case=case).count()
