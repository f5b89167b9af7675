"""The working calendar in the database: seeding, corrections, publication, recompute."""

from __future__ import annotations

import subprocess
import sys
from datetime import date, datetime, time, timedelta
from io import StringIO
from typing import Any

import pytest
import tablib
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from accountability.models import AuditEntry, Department
from deadlines.models import CalendarDay, CalendarYear, Case, Clock, ClockKind, ClockPause
from deadlines.resources import CalendarDayResource
from deadlines.selectors.calendar import calendar_snapshot, hours_for
from deadlines.services.calendar import (
    calendar_day_clear,
    calendar_day_set,
    calendar_seed_from_library,
    calendar_year_publish,
)
from deadlines.services.clocks import clock_start, clocks_recompute
from deadlines.worktime import LOCAL_TZ, Unit
from tests.factories import CaseFactory, DepartmentFactory, PolicyFactory, UserFactory

pytestmark = pytest.mark.django_db


def local(year: int, month: int, day: int, hour: int = 0) -> datetime:
    return datetime(year, month, day, hour, tzinfo=LOCAL_TZ)


@pytest.fixture
def seeded() -> None:
    calendar_seed_from_library(actor=None)


@pytest.fixture
def admin_user() -> Any:
    return UserFactory(username="root", is_superuser=True, is_staff=True)


@pytest.fixture
def case() -> Case:
    return CaseFactory()


@pytest.fixture
def department() -> Department:
    return DepartmentFactory(code="service")


def test_it_seeds_the_official_schedule_with_make_up_days(seeded: None) -> None:
    calendar = calendar_snapshot()
    # 2026 Spring Festival: Feb 15–23 off, Saturdays Feb 14 and Feb 28 worked.
    assert not any(calendar.is_working_day(date(2026, 2, d)) for d in range(15, 24))
    assert calendar.is_working_day(date(2026, 2, 14))
    assert calendar.is_working_day(date(2026, 2, 28))
    assert CalendarDay.objects.get(date=date(2026, 2, 16)).name == "春节"
    assert CalendarDay.objects.get(date=date(2026, 10, 10)).kind == CalendarDay.Kind.MAKEUP
    assert CalendarYear.objects.get(year=2026).published
    assert not calendar.is_provisional(date(2026, 12, 31))


def test_it_treats_an_unpublished_year_as_provisional(seeded: None) -> None:
    calendar = calendar_snapshot()
    assert not CalendarYear.objects.filter(year=2027).exists()
    assert calendar.is_provisional(date(2027, 3, 1))
    # Weekends and fixed-date holidays only.
    assert not calendar.is_working_day(date(2027, 1, 1))
    assert not calendar.is_working_day(date(2027, 10, 1))
    assert calendar.is_working_day(date(2027, 2, 8))  # a Monday; the real 春节 is unknown


def test_it_seeds_only_once(seeded: None) -> None:
    days = CalendarDay.objects.count()
    assert calendar_seed_from_library(actor=None) == []
    assert CalendarDay.objects.count() == days


def test_it_corrects_a_single_day_and_the_snapshot_follows(
    seeded: None,
    admin_user: Any,
) -> None:
    before = calendar_snapshot()
    assert before.is_working_day(date(2026, 6, 1))
    calendar_day_set(
        actor=admin_user,
        day=date(2026, 6, 1),
        is_working_day=False,
        kind=CalendarDay.Kind.CORRECTION,
        name="停电检修",
        reason="typhoon",
    )
    assert not calendar_snapshot().is_working_day(date(2026, 6, 1))
    entry = AuditEntry.objects.get(action="calendar.day_set")
    assert entry.actor == admin_user
    assert entry.reason == "typhoon"


def test_it_refuses_calendar_changes_without_permission(seeded: None) -> None:
    clerk = UserFactory(username="clerk")
    with pytest.raises(PermissionDenied):
        calendar_day_set(
            actor=clerk,
            day=date(2026, 6, 1),
            is_working_day=False,
            kind=CalendarDay.Kind.CORRECTION,
        )
    assert not CalendarDay.objects.filter(date=date(2026, 6, 1)).exists()


def test_it_recomputes_the_clocks_that_depend_on_a_corrected_day(
    seeded: None,
    case: Case,
    admin_user: Any,
    department: Department,
) -> None:
    policy = PolicyFactory(amount=5)
    # Mon 1 June 2026 + 5 working days = Mon 8 June, 24:00.
    affected = clock_start(
        case=case,
        kind=ClockKind.RESULT,
        policy=policy,
        department=department,
        started_at=local(2026, 6, 1, 9),
    )
    earlier = clock_start(
        case=case,
        kind=ClockKind.RESULT,
        policy=policy,
        department=department,
        started_at=local(2026, 5, 11, 9),
    )
    assert affected.due_at == local(2026, 6, 9)
    earlier_due = earlier.due_at

    calendar_day_set(
        actor=admin_user,
        day=date(2026, 6, 3),
        is_working_day=False,
        kind=CalendarDay.Kind.CORRECTION,
    )

    affected.refresh_from_db()
    earlier.refresh_from_db()
    assert affected.due_at == local(2026, 6, 10)
    assert earlier.due_at == earlier_due
    entry = AuditEntry.objects.get(action="calendar.day_set")
    assert entry.after is not None
    assert entry.after["clocks_recomputed"] == 1


def test_it_recomputes_paused_and_calendar_day_clocks_on_the_scalar_path(
    seeded: None,
    case: Case,
    admin_user: Any,
    department: Department,
) -> None:
    working = PolicyFactory(amount=5)
    calendar_days = PolicyFactory(amount=7, unit=Unit.CALENDAR_DAYS.value)
    paused = clock_start(
        case=case,
        kind=ClockKind.RESULT,
        policy=working,
        department=department,
        started_at=local(2026, 6, 1, 9),
    )
    ClockPause.objects.create(
        clock=paused, started_at=local(2026, 6, 2, 0), ended_at=local(2026, 6, 3, 0)
    )
    # 7 calendar days from Fri 5 June end on Fri 12 June.
    by_calendar = clock_start(
        case=case,
        kind=ClockKind.RESULT,
        policy=calendar_days,
        department=department,
        started_at=local(2026, 6, 5, 9),
    )
    assert by_calendar.due_at == local(2026, 6, 13)

    for day in (date(2026, 6, 4), date(2026, 6, 12)):
        calendar_day_set(
            actor=admin_user, day=day, is_working_day=False, kind=CalendarDay.Kind.CORRECTION
        )

    paused.refresh_from_db()
    by_calendar.refresh_from_db()
    # Without the pause: Jun 2, 3, 5, 8, 9 (Thu 4 June is now off), so 24:00 on Tue 9 June;
    # the pause held back one working day (Tue 2 June), so 24:00 on Wed 10 June.
    assert paused.due_at == local(2026, 6, 11)
    # The last day, Fri 12 June, is now a rest day: the period rolls to Mon 15 June.
    assert by_calendar.due_at == local(2026, 6, 16)


def test_it_makes_provisional_deadlines_firm_when_the_year_is_published(
    seeded: None,
    case: Case,
    admin_user: Any,
    department: Department,
) -> None:
    policy = PolicyFactory(amount=5)
    # Mon 28 Dec 2026: Dec 29, 30, 31, (Jan 1 a fixed holiday), Jan 4, Jan 5.
    clock = clock_start(
        case=case,
        kind=ClockKind.RESULT,
        policy=policy,
        department=department,
        started_at=local(2026, 12, 28, 10),
    )
    assert clock.due_at == local(2027, 1, 6)
    assert clock.due_is_provisional

    # A hypothetical 2027 schedule: New Year's Day, and Mon 4 January off as well.
    for day in (date(2027, 1, 1), date(2027, 1, 4)):
        calendar_day_set(
            actor=admin_user,
            day=day,
            is_working_day=False,
            kind=CalendarDay.Kind.HOLIDAY,
            name="元旦",
        )
    clock.refresh_from_db()
    assert clock.due_at == local(2027, 1, 7)
    assert clock.due_is_provisional

    calendar_year_publish(actor=admin_user, year=2027, source="国务院办公厅通知")
    clock.refresh_from_db()
    assert clock.due_at == local(2027, 1, 7)
    assert not clock.due_is_provisional
    with pytest.raises(ValidationError):
        calendar_year_publish(actor=admin_user, year=2027, source="again")


def test_it_clears_a_day_back_to_the_weekday_rule(
    seeded: None,
    case: Case,
    admin_user: Any,
    department: Department,
) -> None:
    policy = PolicyFactory(amount=1)
    row = calendar_day_set(
        actor=admin_user,
        day=date(2026, 6, 2),
        is_working_day=False,
        kind=CalendarDay.Kind.CORRECTION,
    )
    clock = clock_start(
        case=case,
        kind=ClockKind.RESULT,
        policy=policy,
        department=department,
        started_at=local(2026, 6, 1, 9),
    )
    assert clock.due_at == local(2026, 6, 4)
    assert calendar_day_clear(actor=admin_user, row=row) == 1
    clock.refresh_from_db()
    assert clock.due_at == local(2026, 6, 3)


def test_it_ignores_stopped_clocks_when_recomputing(
    seeded: None, department: Department, case: Case
) -> None:
    policy = PolicyFactory(amount=5)
    clock = clock_start(
        case=case,
        kind=ClockKind.RESULT,
        policy=policy,
        department=department,
        started_at=local(2026, 6, 1, 9),
    )
    Clock.objects.filter(pk=clock.pk).update(stopped_at=local(2026, 6, 2, 9))
    CalendarDay.objects.create(date=date(2026, 6, 3), is_working_day=False, kind="correction")
    assert clocks_recompute(first_day=date(2026, 6, 3), last_day=date(2026, 6, 3)) == 0


def test_it_gives_duty_units_round_the_clock_hours() -> None:
    dispatch = DepartmentFactory(code="dispatch", round_the_clock=True)
    office = DepartmentFactory(code="office")
    assert hours_for(dispatch).round_the_clock
    office_hours = hours_for(office)
    assert (office_hours.opens.isoformat(), office_hours.closes.isoformat()) == (
        "08:00:00",
        "16:30:00",
    )


CSV_2027 = """date,is_working_day,kind,name,source
2027-02-06,0,holiday,春节,国办发明电
2027-02-07,0,holiday,春节,国办发明电
2027-02-20,1,makeup,春节,国办发明电
"""


def test_it_imports_a_years_schedule_from_a_spreadsheet(
    seeded: None,
    admin_user: Any,
) -> None:
    dataset = tablib.Dataset().load(CSV_2027, format="csv")
    result = CalendarDayResource().import_data(dataset, dry_run=False, user=admin_user)
    assert not result.has_errors()
    assert not result.has_validation_errors()
    calendar = calendar_snapshot()
    assert calendar.is_working_day(date(2027, 2, 20))
    assert AuditEntry.objects.filter(action="calendar.day_set").count() == 3


def test_it_imports_nothing_from_a_schedule_with_a_bad_row(
    seeded: None,
    admin_user: Any,
) -> None:
    bad = CSV_2027 + "2027-02-30,0,holiday,春节,国办发明电\n"
    dataset = tablib.Dataset().load(bad, format="csv")
    result = CalendarDayResource().import_data(dataset, dry_run=False, user=admin_user)
    assert result.has_errors() or result.has_validation_errors()
    assert not CalendarDay.objects.filter(date__year=2027).exists()


def test_it_publishes_a_year_from_the_admin(
    seeded: None,
    admin_user: Any,
    client: Client,
) -> None:
    CalendarYear.objects.create(year=2027)
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:deadlines_calendaryear_changelist"),
        {"action": "publish", "_selected_action": [str(CalendarYear.objects.get(year=2027).pk)]},
        follow=True,
    )
    assert response.status_code == 200
    assert CalendarYear.objects.get(year=2027).published
    assert not calendar_snapshot().is_provisional(date(2027, 3, 1))


def run_due(*args: str) -> list[str]:
    out = StringIO()
    call_command("due", *args, stdout=out)
    return out.getvalue().splitlines()


def test_the_due_command_counts_across_the_spring_festival(seeded: None) -> None:
    # Fri 13 Feb 2026 + 5 working days: Sat 14 (make-up), then 15–23 off, Tue 24 … Fri 27.
    lines = run_due("--start", "2026-02-13T10:00", "--amount", "5", "--unit", "working_days")
    assert lines == ["2026-02-28T00:00:00+08:00", "firm"]


def test_the_due_command_ends_at_close_of_business_for_a_department(seeded: None) -> None:
    DepartmentFactory(code="service")
    lines = run_due(
        "--start",
        "2026-09-30T15:00+08:00",
        "--amount",
        "2",
        "--unit",
        "working_days",
        "--department",
        "service",
        "--end",
        "close_of_business",
    )
    # National Day 1–7 Oct off; Thu 8 Oct and Fri 9 Oct are the two working days.
    assert lines == ["2026-10-09T16:30:00+08:00", "firm"]


def test_the_due_command_says_when_a_deadline_is_provisional(seeded: None) -> None:
    lines = run_due("--start", "2026-12-30T09:00", "--amount", "3", "--unit", "working_days")
    assert lines[0] == "2027-01-06T00:00:00+08:00"
    assert lines[1].startswith("provisional")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--start", "tomorrow", "--amount", "1", "--unit", "hours"], "--start 'tomorrow'"),
        (["--start", "2026-01-05", "--amount", "0", "--unit", "hours"], "--amount '0'"),
        (["--start", "2026-01-05", "--amount", "1", "--unit", "weeks"], "--unit 'weeks'"),
        (
            ["--start", "2026-01-05", "--amount", "1", "--unit", "hours", "--department", "x"],
            "--department 'x'",
        ),
        (
            ["--start", "2026-01-05", "--amount", "1", "--unit", "hours", "--end", "dusk"],
            "--end 'dusk'",
        ),
        (["--amount", "1", "--unit", "hours"], "--start"),
    ],
)
def test_the_due_command_explains_a_bad_argument_in_one_line(args: list[str], message: str) -> None:
    with pytest.raises(CommandError) as error:
        call_command("due", *args)
    text = str(error.value)
    assert message in text
    assert "\n" not in text


def test_the_due_command_explains_a_missing_argument_in_one_line_on_the_command_line() -> None:
    result = subprocess.run(
        [sys.executable, "manage.py", "due", "--amount", "1", "--unit", "hours"],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "CommandError: the following arguments are required: --start. See --help."
    ]


def test_it_recomputes_in_a_fixed_number_of_queries_whatever_the_number_of_clocks(
    seeded: None, department: Department, case: Case, django_assert_num_queries: Any
) -> None:
    policy = PolicyFactory(amount=5)

    def recompute(count: int, monday: date) -> int:
        """Start `count` clocks on a Monday, half of them paused (the scalar path), then
        make the Tuesday a rest day and recompute."""
        started_at = datetime.combine(monday, time(9), LOCAL_TZ)
        for n in range(count):
            clock = clock_start(
                case=case,
                kind=ClockKind.RESULT,
                policy=policy,
                department=department,
                started_at=started_at,
            )
            if n % 2:
                ClockPause.objects.create(
                    clock=clock, started_at=started_at, ended_at=started_at + timedelta(hours=2)
                )
        tuesday = monday + timedelta(days=1)
        CalendarDay.objects.create(date=tuesday, is_working_day=False, kind="correction")
        with django_assert_num_queries(7):
            return clocks_recompute(first_day=tuesday, last_day=tuesday)

    assert recompute(4, date(2026, 6, 1)) == 4
    assert recompute(40, date(2026, 7, 6)) == 40
