"""The periodic scans, moved through time with time_machine: yellow cards at their point,
breaches just after the deadline (and not on a provisional calendar), reminder notices
the day after a miss and their circulation, extensions the citizen was not told about,
the stored warning moment, the bell and its pages, emails, and the default schedule."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django_celery_beat.models import PeriodicTask
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from accountability.celery import app as celery_app
from deadlines.context_processors import notifications
from deadlines.models import (
    Breach,
    BreachKind,
    Case,
    Clock,
    ClockKind,
    EventAction,
    ExtensionRequest,
    FeedbackEntry,
    MatterKind,
    Notification,
    NotificationKind,
    Reminder,
    ReminderStage,
    TimeLimitPolicy,
)
from deadlines.selectors.calendar import calendar_snapshot
from deadlines.selectors.clocks import warning_reached
from deadlines.services import scans
from deadlines.services.calendar import calendar_year_publish
from deadlines.services.cases import (
    case_accept,
    case_decide_extension,
    case_log_feedback,
    case_log_step,
    case_request_extension,
    case_resolve,
    case_resume,
    case_start_work,
    case_suspend,
)
from deadlines.services.clocks import clock_due, clock_warn_at
from deadlines.services.notifications import notifications_email_pending
from deadlines.services.scans import (
    cards,
    clocks_breach_due,
    clocks_warn_due,
    extensions_flag_untold,
    reminders_issue_due,
    scans_run_all,
)
from tests.deadlines.conftest import Cast, open_case
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
# Monday 1 June 2026, 09:00: an ordinary working week (Dragon Boat Festival is 19 June).
MONDAY = datetime(2026, 6, 1, 9, tzinfo=SHANGHAI)
SECOND = timedelta(seconds=1)


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


@pytest.fixture
def travel() -> Iterator[Any]:
    """Move the frozen clock: ``travel(moment)`` until the test ends."""
    traveller: list[Any] = []

    def go(moment: datetime) -> None:
        if traveller:
            traveller.pop().stop()
        machine = time_machine.travel(moment, tick=False)
        machine.start()
        traveller.append(machine)

    yield go
    if traveller:
        traveller.pop().stop()


@pytest.fixture
def led(cast: Cast) -> Cast:
    """The service department answers to the leader (for the reminder's copy)."""
    cast.service.supervising_leader = cast.leader
    cast.service.save()
    return cast


def complaint_in_hand(cast: Cast, moment: datetime) -> tuple[Case, Clock]:
    """A complaint opened at `moment` and accepted by the handler: its result clock runs
    2 calendar days, with the yellow card one working day before the deadline."""
    with time_machine.travel(moment, tick=False):
        case = open_case(cast)
        # Taken on by the handler themselves: no hand-over notification among the scans'.
        case = case_accept(actor=cast.handler, case=case)
    return case, Clock.objects.get(case=case, kind=ClockKind.RESULT)


def notified(clock: Clock, kind: str) -> set[str]:
    return set(
        Notification.objects.filter(clock=clock, kind=kind).values_list(
            "recipient__username", flat=True
        )
    )


def signed_in(user: Any) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


# -- the stored warning moment ---------------------------------------------------------------


def test_it_stores_the_warning_moment_with_the_deadline(cast: Cast) -> None:
    _case, clock = complaint_in_hand(cast, MONDAY)
    # Due at 24:00 on Wednesday 3 June; the yellow card one working day before.
    assert clock.due_at == at(2026, 6, 4)
    assert clock.warn_at == at(2026, 6, 3)


@hypothesis_settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    start_minutes=st.integers(min_value=0, max_value=60 * 24 * 400),
    pause=st.one_of(
        st.none(), st.tuples(st.integers(0, 60 * 24 * 20), st.integers(1, 60 * 24 * 10))
    ),
    code=st.sampled_from(
        [
            "consultation-first-feedback",  # 1 hour, share 0.8
            "complaint-result",  # 2 calendar days, lead 1 working day
            "web-inquiry-reply",  # 2 working days, lead 1 working day
            "appointment-callback",  # 1 working day, share 0.5
            "petition-closure",  # 30 calendar days, lead 1 working day
            "transfer-follow-up",  # 3 calendar days, lead 1 calendar day
        ]
    ),
)
def test_it_stores_exactly_the_first_moment_the_yellow_card_shows(
    cast: Cast, start_minutes: int, pause: tuple[int, int] | None, code: str
) -> None:
    """clock_warn_at inverts warning_reached (the page's definition) to the microsecond,
    with and without a pause."""
    calendar = calendar_snapshot()
    policy = TimeLimitPolicy.objects.get(code=code, retired_at__isnull=True)
    start = at(2025, 3, 1) + timedelta(minutes=start_minutes, microseconds=start_minutes % 7)
    clock = Clock(kind=policy.clock_kind, policy=policy, department=cast.service, started_at=start)
    pauses = []
    if pause is not None:
        begin = start + timedelta(minutes=pause[0])
        pauses = [(begin, begin + timedelta(minutes=pause[1]))]
    clock.due_at = clock_due(calendar, clock, pauses).at
    warn = clock_warn_at(calendar, clock, pauses)
    assert warn is not None
    assert start <= warn <= clock.due_at
    assert warning_reached(calendar, clock, pauses, warn)
    if warn > start:
        assert not warning_reached(calendar, clock, pauses, warn - timedelta(microseconds=1))


def test_it_drops_the_warning_moment_during_a_pause_and_moves_it_after(
    cast: Cast, travel: Any
) -> None:
    case, clock = complaint_in_hand(cast, MONDAY)
    travel(at(2026, 6, 2, 9))
    case = case_start_work(actor=cast.handler, case=case)
    case_suspend(
        actor=cast.handler,
        case=case,
        kind="testing",
        expected_end=at(2026, 6, 10),
        place="水质检测中心",
        citizen_notice="检测期间不计入办理时限。",
    )
    clock.refresh_from_db()
    assert (clock.due_at, clock.warn_at) == (None, None)
    assert clocks_warn_due(now=at(2026, 6, 5)).marked == 0  # a paused clock is not due
    travel(at(2026, 6, 9, 9))  # a week later, on Tuesday
    case.refresh_from_db()
    case_resume(actor=cast.handler, case=case)
    clock.refresh_from_db()
    # Seven days paused: due at 24:00 on Wednesday 10 June, the yellow card a working
    # day before.
    assert (clock.due_at, clock.warn_at) == (at(2026, 6, 11), at(2026, 6, 10))


def test_it_gives_a_new_yellow_card_when_an_extension_moves_the_deadline(
    cast: Cast, travel: Any
) -> None:
    with time_machine.travel(MONDAY, tick=False):
        case = open_case(cast, matter_kind=MatterKind.PETITION)
        case = case_accept(actor=cast.head, case=case, handler=cast.handler)
    clock = Clock.objects.get(case=case, kind=ClockKind.CLOSURE)
    assert clock.warn_at is not None
    first_due = clock.due_at
    travel(clock.warn_at + timedelta(hours=1))
    clocks_warn_due(now=timezone.now())
    extension = case_request_extension(
        actor=cast.handler, case=case, clock=clock, amount=10, reason="需专家评审"
    )
    case.refresh_from_db()
    case_decide_extension(
        actor=cast.head,
        case=case,
        extension=extension,
        approve=True,
        citizen_told_at=timezone.now(),
        notice_channel=FeedbackEntry.Channel.PHONE,
        notice="已电话告知延期10日及理由。",
    )
    clock.refresh_from_db()
    assert clock.warn_at is not None
    assert clock.warn_at > timezone.now()
    assert clock.warned_at is None  # green again until the new warning point
    assert clock.due_at != first_due

    assert clocks_warn_due(now=clock.warn_at - SECOND).marked == 0
    assert clocks_warn_due(now=clock.warn_at).marked == 1
    assert sorted(
        Notification.objects.filter(clock=clock, recipient=cast.handler).values_list(
            "moment", flat=True
        )
    ) == [first_due, clock.due_at]  # each card states the deadline it warns of


# -- yellow cards ------------------------------------------------------------------------------


def test_it_marks_a_warning_once_at_its_point_and_not_before(cast: Cast) -> None:
    _case, clock = complaint_in_hand(cast, MONDAY)
    assert clock.warn_at is not None
    result = clocks_warn_due(now=clock.warn_at - SECOND)
    assert result.marked == 0
    assert not Notification.objects.exists()

    result = clocks_warn_due(now=clock.warn_at)
    assert (result.marked, result.notifications) == (1, 2)
    clock.refresh_from_db()
    assert clock.warned_at == clock.warn_at
    assert notified(clock, NotificationKind.WARNING) == {"handler", "head"}

    again = clocks_warn_due(now=clock.warn_at + timedelta(hours=1))
    assert (again.marked, again.notifications) == (0, 0)
    assert Notification.objects.count() == 2


def test_it_gives_no_yellow_card_to_a_clock_already_overdue(cast: Cast) -> None:
    _case, clock = complaint_in_hand(cast, MONDAY)
    assert clock.due_at is not None
    result = clocks_warn_due(now=clock.due_at + SECOND)
    clock.refresh_from_db()
    # Marked, so it leaves the warning work list, but the red card speaks for it.
    assert (result.marked, result.notifications) == (1, 0)
    assert clock.warned_at is not None


# -- red cards and breaches -------------------------------------------------------------------


def test_it_records_a_breach_one_second_after_the_deadline_and_not_at_it(cast: Cast) -> None:
    case, clock = complaint_in_hand(cast, MONDAY)
    due = clock.due_at
    assert due is not None
    assert clocks_breach_due(now=due).created == 0
    assert not Breach.objects.exists()

    result = clocks_breach_due(now=due + SECOND)
    breach = Breach.objects.get(clock=clock)
    assert (breach.kind, breach.moment, breach.case_id) == (BreachKind.OVERDUE, due, case.pk)
    assert (breach.responsible, breach.department) == (cast.handler, cast.service)
    assert breach.detected_at == due + SECOND
    clock.refresh_from_db()
    assert clock.breached_at == due + SECOND
    assert notified(clock, NotificationKind.OVERDUE) == {"handler", "head"}
    assert result.created == Breach.objects.count()

    again = clocks_breach_due(now=due + timedelta(hours=2))
    assert (again.created, again.marked, again.notifications) == (0, 0, 0)
    assert Breach.objects.filter(clock=clock).count() == 1


def test_it_holds_the_head_responsible_for_a_clock_nobody_was_named_for(cast: Cast) -> None:
    with time_machine.travel(MONDAY, tick=False):
        case = open_case(cast)  # not accepted yet: the result clock names nobody
    clock = Clock.objects.get(case=case, kind=ClockKind.RESULT)
    assert clock.responsible is None
    assert clock.due_at is not None
    clocks_breach_due(now=clock.due_at + SECOND)
    assert Breach.objects.get(clock=clock).responsible == cast.head
    assert notified(clock, NotificationKind.OVERDUE) == {"head"}


def test_it_flags_a_missed_appointment_callback(cast: Cast) -> None:
    with time_machine.travel(MONDAY, tick=False):
        case = open_case(cast)
        case_log_step(
            actor=cast.desk,
            case=case,
            action=EventAction.APPOINTMENT,
            start=ClockKind.CALLBACK,
            responsible=cast.handler,
        )
    callback = Clock.objects.get(case=case, kind=ClockKind.CALLBACK)
    assert callback.due_at == at(2026, 6, 3)  # one working day: 24:00 on Tuesday
    clocks_breach_due(now=at(2026, 6, 3) + SECOND)
    breach = Breach.objects.get(clock=callback)
    assert (breach.kind, breach.responsible) == (BreachKind.OVERDUE, cast.handler)


def test_it_waits_for_a_firm_calendar_before_a_provisional_deadline_counts(
    cast: Cast, travel: Any
) -> None:
    # Opened on Wednesday 30 December 2026: 2 calendar days end on 1 January 2027, a
    # year whose official schedule is not published yet.
    _case, clock = complaint_in_hand(cast, at(2026, 12, 30, 10))
    assert clock.due_is_provisional
    assert clock.due_at is not None
    assert clocks_breach_due(now=clock.due_at + timedelta(days=3)).created == 0
    clock.refresh_from_db()
    assert clock.breached_at is None

    travel(clock.due_at + timedelta(days=3))
    calendar_year_publish(actor=None, year=2027, source="国务院办公厅通知")
    clock.refresh_from_db()
    assert not clock.due_is_provisional
    assert clock.due_at is not None

    result = clocks_breach_due(now=timezone.now())
    assert result.created == 1
    assert Breach.objects.get(clock=clock).moment == clock.due_at


def test_it_records_a_new_breach_when_an_extension_moves_a_missed_deadline(
    cast: Cast, travel: Any
) -> None:
    """An extension asked for in time but approved after the deadline: the miss stays
    on record, the clock is checked against its new deadline, and missing that one too
    is a second breach."""
    with time_machine.travel(MONDAY, tick=False):
        case = open_case(cast, matter_kind=MatterKind.PETITION)
        case = case_accept(actor=cast.head, case=case, handler=cast.handler)
    clock = Clock.objects.get(case=case, kind=ClockKind.CLOSURE)
    assert clock.due_at is not None
    first_due = clock.due_at
    travel(first_due - timedelta(hours=2))
    extension = case_request_extension(
        actor=cast.handler, case=case, clock=clock, amount=5, reason="需现场勘查"
    )
    travel(first_due + timedelta(hours=1))
    clocks_breach_due(now=timezone.now())
    case.refresh_from_db()
    case_decide_extension(
        actor=cast.head,
        case=case,
        extension=extension,
        approve=True,
        citizen_told_at=first_due - timedelta(hours=1),
        notice_channel=FeedbackEntry.Channel.PHONE,
        notice="已电话告知延期5日及理由。",
    )
    clock.refresh_from_db()
    assert clock.due_at is not None
    assert clock.due_at > first_due
    assert clock.breached_at is None

    clocks_breach_due(now=clock.due_at + SECOND)
    assert list(
        Breach.objects.filter(clock=clock, kind=BreachKind.OVERDUE)
        .order_by("moment")
        .values_list("moment", flat=True)
    ) == [first_due, clock.due_at]


# -- reminder notices and circulation ---------------------------------------------------------


def test_it_sends_the_reminder_notice_the_day_after_a_miss_copied_to_the_leader(
    led: Cast,
) -> None:
    # Opened on Wednesday 3 June: due at 24:00 on Friday 5 June, missed that night.
    _case, clock = complaint_in_hand(led, at(2026, 6, 3, 9))
    assert clock.due_at == at(2026, 6, 6)
    clocks_breach_due(now=at(2026, 6, 6, 10))
    # Saturday and Sunday are not working days: the notice goes out on Monday.
    assert reminders_issue_due(now=at(2026, 6, 7, 10)).created == 0
    assert not Reminder.objects.exists()

    result = reminders_issue_due(now=at(2026, 6, 8, 0, 1))
    reminder = Reminder.objects.get()
    assert result.created == 1
    assert (reminder.stage, reminder.breach.clock_id) == (ReminderStage.REMINDER, clock.pk)
    assert (reminder.addressee, reminder.copied_to) == (led.handler, led.leader)
    assert reminder.issued_at == at(2026, 6, 8, 0, 1)
    assert notified(clock, NotificationKind.REMINDER) == {"handler", "leader", "head"}

    assert reminders_issue_due(now=at(2026, 6, 8, 12)).created == 0
    assert Reminder.objects.count() == 1


def test_it_sends_no_reminder_on_the_day_of_the_miss(led: Cast) -> None:
    with time_machine.travel(MONDAY, tick=False):
        case = open_case(led, matter_kind=MatterKind.CONSULTATION)
    result_clock = Clock.objects.get(case=case, kind=ClockKind.RESULT)  # 24 hours
    assert result_clock.due_at == MONDAY + timedelta(hours=24)
    clocks_breach_due(now=at(2026, 6, 2, 12))
    assert Breach.objects.filter(clock=result_clock).exists()
    reminders_issue_due(now=at(2026, 6, 2, 23, 59))
    assert not Reminder.objects.filter(breach__clock=result_clock).exists()
    reminders_issue_due(now=at(2026, 6, 3, 0, 0))
    assert Reminder.objects.filter(breach__clock=result_clock).exists()


def test_it_circulates_a_reminder_five_working_days_later_only_if_still_overdue(
    led: Cast,
) -> None:
    _case, late = complaint_in_hand(led, at(2026, 6, 3, 9))
    finished_case, finished = complaint_in_hand(led, at(2026, 6, 3, 9))
    clocks_breach_due(now=at(2026, 6, 6, 10))
    reminders_issue_due(now=at(2026, 6, 8, 9))  # Monday: both get their notice
    assert Reminder.objects.filter(stage=ReminderStage.REMINDER).count() == 2
    with time_machine.travel(at(2026, 6, 10, 9), tick=False):
        finished_case = case_start_work(actor=led.handler, case=finished_case)
        case_resolve(actor=led.handler, case=finished_case, resolution="已处理")

    # Five working days after Monday 8 June is Monday 15 June.
    assert reminders_issue_due(now=at(2026, 6, 14, 23, 59)).created == 0
    result = reminders_issue_due(now=at(2026, 6, 15, 8))
    circulated = Reminder.objects.get(stage=ReminderStage.CIRCULATION)
    assert result.created == 1
    assert circulated.breach.clock_id == late.pk
    assert (circulated.addressee, circulated.copied_to) == (led.handler, led.leader)
    assert notified(late, NotificationKind.CIRCULATION) == {"handler", "leader", "head"}
    assert not Reminder.objects.filter(breach__clock=finished, stage=ReminderStage.CIRCULATION)
    assert reminders_issue_due(now=at(2026, 6, 16, 8)).created == 0


def test_it_prints_the_reminder_notice_for_its_addressee_and_not_for_an_outsider(
    led: Cast,
) -> None:
    case, _clock = complaint_in_hand(led, at(2026, 6, 3, 9))
    clocks_breach_due(now=at(2026, 6, 6, 10))
    reminders_issue_due(now=at(2026, 6, 8, 9))
    reminder = Reminder.objects.get()
    url = reverse("deadlines:reminder_detail", args=[reminder.pk])
    page = signed_in(led.handler).get(url)
    assert page.status_code == 200
    text = page.content.decode()
    assert case.number in text
    assert reminder.number in text
    assert gettext("Reminder notice (催办通知书)") in text
    assert signed_in(led.leader).get(url).status_code == 200
    assert signed_in(led.outsider).get(url).status_code == 403


# -- extensions the citizen was not told about -------------------------------------------------


def _approved_extension(cast: Cast, *, tell: bool) -> Any:
    with time_machine.travel(MONDAY, tick=False):
        case = open_case(cast, matter_kind=MatterKind.PETITION)
        case = case_accept(actor=cast.head, case=case, handler=cast.handler)
    clock = Clock.objects.get(case=case, kind=ClockKind.CLOSURE)
    with time_machine.travel(at(2026, 6, 2, 10), tick=False):
        extension = case_request_extension(
            actor=cast.handler, case=case, clock=clock, amount=10, reason="需专家评审"
        )
    if not tell:
        # Since issue 20 an approval logs its notice to the citizen; one recorded before
        # has only the head's word for when the citizen was told, and no contact: such a
        # row, as the old approval left it (feedback entries are history and are never
        # deleted, so it is written as it was rather than undone).
        ExtensionRequest.objects.filter(pk=extension.pk).update(
            decision=ExtensionRequest.Decision.APPROVED,
            decided_by=cast.head,
            decided_at=at(2026, 6, 3, 16),
            citizen_told_at=at(2026, 6, 3, 11),
        )
        return ExtensionRequest.objects.get(pk=extension.pk)
    with time_machine.travel(at(2026, 6, 3, 15), tick=False):
        case.refresh_from_db()
        case_log_feedback(
            actor=cast.handler,
            case=case,
            audience=FeedbackEntry.Audience.CITIZEN,
            channel=FeedbackEntry.Channel.PHONE,
            content="已电话告知延期10日及理由。",
        )
    with time_machine.travel(at(2026, 6, 3, 16), tick=False):
        case.refresh_from_db()
        approved = case_decide_extension(
            actor=cast.head,
            case=case,
            extension=extension,
            approve=True,
            citizen_told_at=at(2026, 6, 3, 11),
            notice_channel=FeedbackEntry.Channel.PHONE,
            notice="已电话告知延期10日及理由。",
        )
    return approved


def test_it_flags_an_approved_extension_the_citizen_was_not_told_about(cast: Cast) -> None:
    untold = _approved_extension(cast, tell=False)
    told = _approved_extension(cast, tell=True)
    # Approved on Wednesday 3 June: the citizen must have heard by 24:00 on Thursday.
    assert extensions_flag_untold(now=at(2026, 6, 5) - SECOND).created == 0
    result = extensions_flag_untold(now=at(2026, 6, 5) + SECOND)
    breach = Breach.objects.get(kind=BreachKind.EXTENSION_NOT_TOLD)
    assert result.created == 1
    assert (breach.extension, breach.moment) == (untold, at(2026, 6, 5))
    assert (breach.clock_id, breach.responsible) == (untold.clock_id, cast.handler)
    assert not Breach.objects.filter(extension=told).exists()
    assert notified(untold.clock, NotificationKind.EXTENSION_NOT_TOLD) == {"handler", "head"}
    assert extensions_flag_untold(now=at(2026, 6, 6)).created == 0
    assert Breach.objects.filter(kind=BreachKind.EXTENSION_NOT_TOLD).count() == 1


# -- batches and a scan that dies --------------------------------------------------------------


def test_it_loses_nothing_when_a_scan_dies_between_batches(
    cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    clocks = [complaint_in_hand(cast, MONDAY)[1] for _ in range(5)]
    due = clocks[0].due_at
    assert due is not None
    real = cards._notify_breaches
    calls = {"n": 0}

    def dying(*args: Any, **kwargs: Any) -> int:
        calls["n"] += 1
        if calls["n"] == 2:
            raise SystemExit("worker killed")  # what a killed worker leaves: a rollback
        return real(*args, **kwargs)

    monkeypatch.setattr(cards, "_notify_breaches", dying)
    with pytest.raises(SystemExit):
        clocks_breach_due(now=due + SECOND, batch=2)
    # The first batch is committed, the batch in flight rolled back, nothing half-done.
    assert Breach.objects.count() == 2
    assert Clock.objects.filter(breached_at__isnull=False).count() == 2

    monkeypatch.setattr(cards, "_notify_breaches", real)
    result = clocks_breach_due(now=due + 2 * SECOND, batch=2)
    assert result.created == 3
    assert sorted(Breach.objects.values_list("clock_id", flat=True)) == sorted(c.pk for c in clocks)
    assert Notification.objects.filter(kind=NotificationKind.OVERDUE).count() == 10


def test_it_runs_every_scan_in_one_call(led: Cast) -> None:
    _case, clock = complaint_in_hand(led, at(2026, 6, 3, 9))
    results = scans_run_all(now=at(2026, 6, 8, 9))
    assert results["warnings"].marked == 1
    assert results["breaches"].created == 1
    assert results["reminders"].created == 1
    assert results["extensions"].created == 0
    clock.refresh_from_db()
    assert clock.warned_at is not None
    assert clock.breached_at is not None


# -- the bell, its pages and emails -------------------------------------------------------------


def test_it_counts_unread_notifications_under_the_bell_with_one_query(cast: Cast) -> None:
    _case, clock = complaint_in_hand(cast, MONDAY)
    assert clock.due_at is not None
    clocks_breach_due(now=clock.due_at + SECOND)
    request = type("Request", (), {"user": cast.handler})()
    with CaptureQueriesContext(connection) as queries:
        context = notifications(request)
    assert context == {"unread_notifications": 1, "awaiting_decisions": 0}
    assert len(queries) == 1

    client = signed_in(cast.handler)
    page = client.get(reverse("deadlines:my_cases")).content.decode()
    assert f'href="{reverse("deadlines:notifications")}"' in page
    assert 'class="count"' in page


@pytest.mark.parametrize("count", [1, 30])
def test_it_lists_notifications_with_a_fixed_number_of_queries(
    cast: Cast, count: int, django_assert_num_queries: Any
) -> None:
    for _ in range(count):
        _case, clock = complaint_in_hand(cast, MONDAY)
    assert clock.due_at is not None
    clocks_breach_due(now=clock.due_at + SECOND)
    client = signed_in(cast.handler)
    # Session, user, the roles for the navigation, the bell's count, the page's count
    # and its rows, and the rows of the other apps' bell sources (accountability,
    # refusal-phrase flags).
    with django_assert_num_queries(8):
        response = client.get(reverse("deadlines:notifications"))
    assert response.status_code == 200
    assert response.content.decode().count('class="unread"') == min(count, 25)


def test_it_marks_a_notification_read_when_opened_and_all_on_request(cast: Cast) -> None:
    cases = [complaint_in_hand(cast, MONDAY) for _ in range(3)]
    due = cases[0][1].due_at
    assert due is not None
    clocks_breach_due(now=due + SECOND)
    client = signed_in(cast.handler)
    first = Notification.objects.filter(recipient=cast.handler).order_by("id").first()
    assert first is not None
    response = client.post(reverse("deadlines:notification_open", args=[first.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("deadlines:case_detail", args=[first.case.number])
    first.refresh_from_db()
    assert first.read_at is not None
    assert Notification.objects.filter(recipient=cast.handler, read_at__isnull=True).count() == 2
    # Someone else's notification is not there to open.
    others = Notification.objects.filter(recipient=cast.head).first()
    assert others is not None
    assert client.post(reverse("deadlines:notification_open", args=[others.pk])).status_code == 404

    client.post(reverse("deadlines:notifications_read"))
    assert not Notification.objects.filter(recipient=cast.handler, read_at__isnull=True).exists()
    assert Notification.objects.filter(recipient=cast.head, read_at__isnull=True).count() == 3


def test_it_emails_new_notifications_once_when_email_is_configured(
    cast: Cast, settings: Any
) -> None:
    cast.handler.email, cast.head.email = "handler@example.cn", ""
    cast.handler.save()
    cast.head.save()
    _case, clock = complaint_in_hand(cast, MONDAY)
    assert clock.due_at is not None
    now = clock.due_at + SECOND
    clocks_breach_due(now=now)

    settings.EMAIL_HOST = ""
    assert notifications_email_pending(now=now) == 0
    assert mail.outbox == []

    settings.EMAIL_HOST = "smtp.example.cn"
    settings.PORTAL_URL = "https://portal.example.cn"
    assert notifications_email_pending(now=now + SECOND) == 1
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["handler@example.cn"]
    assert clock.case.number in message.body
    link = reverse("deadlines:case_detail", args=[clock.case.number])
    assert f"https://portal.example.cn{link}" in message.body
    # The head has no address: marked, not mailed; nothing goes out twice.
    assert not Notification.objects.filter(emailed_at__isnull=True).exists()
    assert notifications_email_pending(now=now + 2 * SECOND) == 0
    assert len(mail.outbox) == 1


# -- the default schedule -----------------------------------------------------------------------


def test_it_schedules_every_scan_in_the_database_and_not_in_settings() -> None:
    celery_app.loader.import_default_modules()  # what a worker does at start
    tasks = {
        task.task: task
        for task in PeriodicTask.objects.select_related("interval").filter(enabled=True)
    }
    for name in (
        "deadlines.tasks.scan_warnings",
        "deadlines.tasks.scan_breaches",
        "deadlines.tasks.scan_reminders",
        "deadlines.tasks.scan_extension_notices",
        "deadlines.tasks.send_notification_emails",
        "intake.tasks.lapse_missed_pledges",
        "intake.tasks.forfeit_missed_appointments",
    ):
        assert name in tasks, name
        assert tasks[name].interval is not None
        assert tasks[name].expire_seconds == tasks[name].interval.schedule.run_every.total_seconds()
        assert name in celery_app.tasks, name
    assert not getattr(settings, "CELERY_BEAT_SCHEDULE", None)
    assert settings.CELERY_BEAT_SCHEDULER == "django_celery_beat.schedulers:DatabaseScheduler"


def test_it_shows_breaches_reminders_and_notifications_read_only_in_the_admin(
    cast: Cast, admin_client: Client
) -> None:
    case, clock = complaint_in_hand(cast, MONDAY)
    assert clock.due_at is not None
    scans.scans_run_all(now=clock.due_at + timedelta(days=3))
    breach = Breach.objects.get(clock=clock)
    for model in ("breach", "reminder", "notification"):
        listing = admin_client.get(reverse(f"admin:deadlines_{model}_changelist"))
        assert listing.status_code == 200
        assert case.number in listing.content.decode()
        assert admin_client.get(reverse(f"admin:deadlines_{model}_add")).status_code == 403
    page = admin_client.get(reverse("admin:deadlines_breach_change", args=[breach.pk]))
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
