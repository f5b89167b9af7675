"""Appointments (办事预约, seed 002 附件3; seed 004 办事预约制): routing to the person asked
for or whoever covers them, the callback clock, forfeiture 30 minutes after the time,
the checks on a chosen time, and the pages."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.template.loader import render_to_string
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.translation import gettext

from accountability.models import Absence
from deadlines.models import Case, CaseEvent, Clock, ClockKind, EventAction, FeedbackEntry
from deadlines.services.cases import CaseConflict, case_answer
from intake.models import Appointment
from intake.selectors.appointments import appointment_prefetch
from intake.services.appointment import (
    appointment_book,
    appointment_call_back,
    appointment_cancel,
    appointment_keep,
    appointments_forfeit_due,
)
from intake.tasks import forfeit_missed_appointments
from tests.deadlines.conftest import Cast, open_case
from tests.deadlines.test_case_race import race
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

User = get_user_model()

SHANGHAI = ZoneInfo("Asia/Shanghai")
MONDAY = datetime(2026, 6, 1, 9, 0, tzinfo=SHANGHAI)
FRIDAY = datetime(2026, 6, 5, 10, 0, tzinfo=SHANGHAI)
LIST = reverse("intake:appointments")

State = Appointment.State
Reason = Appointment.Reason


def signed_in(user: Any) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def away(staff: Any, substitute: Any = None, *, days: int = 3, start: datetime = MONDAY) -> None:
    Absence.objects.create(
        staff=staff,
        starts_at=start - timedelta(hours=1),
        ends_at=start + timedelta(days=days),
        substitute=substitute,
        reason="年假",
    )


def book(cast: Cast, wanted: Any, case: Case | None = None, **fields: Any) -> Appointment:
    values: dict[str, Any] = {"reason": Reason.AWAY}
    values.update(fields)
    # A fresh copy: the case's version moves with every step.
    case = Case.objects.get(pk=case.pk) if case is not None else open_case(cast)
    return appointment_book(actor=cast.desk, case=case, wanted=wanted, **values)


def booking_event(appointment: Appointment) -> CaseEvent:
    return CaseEvent.objects.get(case=appointment.case, action=EventAction.APPOINTMENT)


def callback_clock(appointment: Appointment) -> Clock:
    return Clock.objects.get(case=appointment.case, kind=ClockKind.CALLBACK)


# -- routing --------------------------------------------------------------------------


def test_it_routes_to_the_staff_member_asked_for_when_they_are_present(cast: Cast) -> None:
    with time_machine.travel(MONDAY, tick=False):
        appointment = book(cast, cast.handler)
    assert appointment.routed_to == cast.handler
    assert booking_event(appointment).data["route"] == "wanted"
    assert callback_clock(appointment).responsible == cast.handler


def test_it_routes_to_the_named_substitute_while_the_person_is_away(cast: Cast) -> None:
    away(cast.handler, substitute=cast.desk)
    with time_machine.travel(MONDAY, tick=False):
        appointment = book(cast, cast.handler)
    assert (appointment.wanted, appointment.routed_to) == (cast.handler, cast.desk)
    event = booking_event(appointment)
    assert (event.data["route"], event.data["absent"]) == ("substitute", [cast.handler.pk])
    assert callback_clock(appointment).responsible == cast.desk


def test_it_routes_to_the_head_when_the_absent_person_named_no_substitute(cast: Cast) -> None:
    away(cast.network_handler)
    with time_machine.travel(MONDAY, tick=False):
        appointment = book(cast, cast.network_handler)
    assert appointment.routed_to == cast.network_head
    event = booking_event(appointment)
    assert event.data["route"] == "up"
    assert event.data["without_substitute"] == [cast.network_handler.pk]
    # The callback clock runs in the department of the person it went to.
    clock = callback_clock(appointment)
    assert (clock.responsible, clock.department) == (cast.network_head, cast.network)


def test_it_routes_a_chosen_time_by_who_is_there_at_that_time(cast: Cast) -> None:
    away(cast.handler, substitute=cast.desk, days=2)  # back on Wednesday 09:00
    with time_machine.travel(MONDAY, tick=False):
        during = book(
            cast, cast.handler, reason=Reason.CHOSEN_TIME, scheduled_for=MONDAY + timedelta(days=1)
        )
        after = book(
            cast, cast.handler, reason=Reason.CHOSEN_TIME, scheduled_for=MONDAY + timedelta(days=3)
        )
    assert during.routed_to == cast.desk
    assert after.routed_to == cast.handler


def test_it_only_books_with_staff(cast: Cast) -> None:
    stranger = UserFactory(username="stranger")
    with pytest.raises(ValidationError) as refused:
        book(cast, stranger)
    assert set(refused.value.message_dict) == {"wanted"}
    assert not Appointment.objects.exists()


# -- the callback clock ---------------------------------------------------------------


def test_it_gives_one_working_day_to_call_back_and_stops_the_clock_on_the_call(
    cast: Cast,
) -> None:
    with time_machine.travel(FRIDAY, tick=False):
        case = open_case(cast, matter_kind="help_request")  # 3 days to tell the citizen
        appointment = book(cast, cast.handler, case=case)
    clock = callback_clock(appointment)
    # Booked on Friday: the weekend does not count, so the call is due by 24:00 Monday.
    assert clock.due_at == datetime(2026, 6, 9, 0, 0, tzinfo=SHANGHAI)
    assert clock.started_at == appointment.booked_at
    with time_machine.travel(datetime(2026, 6, 8, 9, 30, tzinfo=SHANGHAI), tick=False):
        appointment_call_back(actor=cast.handler, appointment=appointment, note="约周三上午来办")
    appointment.refresh_from_db()
    clock.refresh_from_db()
    assert appointment.state == State.CALLED_BACK
    assert clock.stopped_at == datetime(2026, 6, 8, 9, 30, tzinfo=SHANGHAI)
    assert CaseEvent.objects.get(case=case, action=EventAction.CALLBACK).actor == cast.handler
    # The call is a word to the citizen: it is in the feedback log and stops that clock.
    entry = FeedbackEntry.objects.get(case=case)
    assert (entry.audience, entry.channel, entry.by) == ("citizen", "phone", cast.handler)
    assert case.clocks.get(kind=ClockKind.FIRST_FEEDBACK).stopped_at is not None


def test_it_stops_only_the_callback_clock_of_the_appointment_called_back(cast: Cast) -> None:
    case = open_case(cast)
    with time_machine.travel(MONDAY, tick=False):
        first = book(cast, cast.handler, case=case)
    with time_machine.travel(MONDAY + timedelta(minutes=5), tick=False):
        second = book(cast, cast.handler, case=case)
        appointment_call_back(actor=cast.handler, appointment=second, note="已回电")
    running = Clock.objects.filter(case=case, kind=ClockKind.CALLBACK, stopped_at=None)
    assert list(running.values_list("started_at", flat=True)) == [first.booked_at]


def test_it_lets_only_the_person_routed_to_or_their_head_call_back(cast: Cast) -> None:
    away(cast.handler, substitute=cast.desk)
    with time_machine.travel(MONDAY, tick=False):
        appointment = book(cast, cast.handler)
        for someone in (cast.handler, cast.outsider, cast.network_head, cast.leader):
            with pytest.raises(PermissionDenied):
                appointment_call_back(actor=someone, appointment=appointment, note="回电")
        appointment_call_back(actor=cast.head, appointment=appointment, note="科长回电")
    appointment.refresh_from_db()
    assert appointment.state == State.CALLED_BACK


def test_it_wants_to_know_what_the_citizen_was_told(cast: Cast) -> None:
    appointment = book(cast, cast.handler)
    with pytest.raises(ValidationError) as refused:
        appointment_call_back(actor=cast.handler, appointment=appointment, note="  ")
    assert set(refused.value.message_dict) == {"note"}
    assert callback_clock(appointment).stopped_at is None


# -- forfeiture -----------------------------------------------------------------------


def _chosen_for_ten(cast: Cast) -> Appointment:
    with time_machine.travel(MONDAY, tick=False):
        return book(
            cast,
            cast.handler,
            reason=Reason.CHOSEN_TIME,
            scheduled_for=MONDAY + timedelta(hours=1),
        )


def test_it_forfeits_an_appointment_once_the_citizen_is_over_30_minutes_late(
    cast: Cast,
) -> None:
    appointment = _chosen_for_ten(cast)
    ten = MONDAY + timedelta(hours=1)
    for late in (timedelta(minutes=29, seconds=59), timedelta(minutes=30)):
        with time_machine.travel(ten + late, tick=False):
            assert appointments_forfeit_due() == 0
    assert Appointment.objects.get().state == State.BOOKED
    with time_machine.travel(ten + timedelta(minutes=30, seconds=1), tick=False):
        assert appointments_forfeit_due() == 1
        assert appointments_forfeit_due() == 0  # a second run finds nothing more
    appointment.refresh_from_db()
    assert appointment.state == State.FORFEITED
    assert appointment.settled_at == ten + timedelta(minutes=30, seconds=1)
    event = CaseEvent.objects.get(case=appointment.case, action=EventAction.APPOINTMENT_FORFEITED)
    assert event.actor is None
    assert callback_clock(appointment).stopped_at == ten + timedelta(minutes=30, seconds=1)


def test_it_does_not_forfeit_a_kept_appointment(cast: Cast) -> None:
    appointment = _chosen_for_ten(cast)
    with time_machine.travel(MONDAY + timedelta(hours=1, minutes=10), tick=False):
        appointment_keep(actor=cast.handler, appointment=appointment)
    with time_machine.travel(MONDAY + timedelta(hours=3), tick=False):
        assert forfeit_missed_appointments() == 0
    appointment.refresh_from_db()
    assert appointment.state == State.KEPT
    assert callback_clock(appointment).stopped_at == MONDAY + timedelta(hours=1, minutes=10)
    assert not CaseEvent.objects.filter(action=EventAction.APPOINTMENT_FORFEITED).exists()


def test_it_never_forfeits_a_callback_without_a_time(cast: Cast) -> None:
    with time_machine.travel(MONDAY, tick=False):
        book(cast, cast.handler)
    with time_machine.travel(MONDAY + timedelta(days=30), tick=False):
        assert appointments_forfeit_due() == 0
    assert Appointment.objects.get().state == State.BOOKED


def test_it_cancels_with_a_reason_and_stops_the_callback(cast: Cast) -> None:
    appointment = _chosen_for_ten(cast)
    with pytest.raises(ValidationError):
        appointment_cancel(actor=cast.desk, appointment=appointment, reason="")
    with pytest.raises(PermissionDenied):
        appointment_cancel(actor=cast.outsider, appointment=appointment, reason="用户来电取消")
    appointment_cancel(actor=cast.desk, appointment=appointment, reason="用户来电取消")
    appointment.refresh_from_db()
    assert appointment.state == State.CANCELLED
    assert callback_clock(appointment).stopped_at is not None
    with pytest.raises(CaseConflict):
        appointment_keep(actor=cast.handler, appointment=appointment)


# -- a chosen time --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("when", "accepted"),
    [
        (datetime(2026, 6, 2, 10, 0, tzinfo=SHANGHAI), True),  # Tuesday morning
        (datetime(2026, 6, 2, 8, 0, tzinfo=SHANGHAI), True),  # opening time
        (datetime(2026, 6, 6, 10, 0, tzinfo=SHANGHAI), True),  # a plain Saturday (附件3 §4)
        (datetime(2026, 5, 31, 10, 0, tzinfo=SHANGHAI), False),  # in the past
        (datetime(2026, 6, 2, 7, 59, tzinfo=SHANGHAI), False),  # before opening
        (datetime(2026, 6, 2, 16, 30, tzinfo=SHANGHAI), False),  # at closing time
        (datetime(2026, 6, 19, 10, 0, tzinfo=SHANGHAI), False),  # Dragon Boat Festival, a Friday
        (datetime(2026, 10, 3, 10, 0, tzinfo=SHANGHAI), False),  # National Day, a Saturday
    ],
)
def test_it_takes_a_chosen_time_only_when_appointments_are_served(
    cast: Cast, when: datetime, accepted: bool
) -> None:
    with time_machine.travel(MONDAY, tick=False):
        if accepted:
            appointment = book(cast, cast.handler, reason=Reason.CHOSEN_TIME, scheduled_for=when)
            assert appointment.scheduled_for == when
            return
        with pytest.raises(ValidationError) as refused:
            book(cast, cast.handler, reason=Reason.CHOSEN_TIME, scheduled_for=when)
    assert set(refused.value.message_dict) == {"scheduled_for"}
    assert not Appointment.objects.exists()
    assert not Clock.objects.filter(kind=ClockKind.CALLBACK).exists()


def test_it_needs_the_time_the_citizen_chose(cast: Cast) -> None:
    with pytest.raises(ValidationError) as refused:
        book(cast, cast.handler, reason=Reason.CHOSEN_TIME)
    assert set(refused.value.message_dict) == {"scheduled_for"}


def test_it_refuses_an_appointment_on_an_ended_case(cast: Cast) -> None:
    case = case_answer(actor=cast.desk, case=open_case(cast), answer="已当场答复")
    with pytest.raises(CaseConflict):
        book(cast, cast.handler, case=case)
    assert not Appointment.objects.exists()


def test_it_lets_only_desk_staff_who_see_the_case_book(cast: Cast) -> None:
    case = open_case(cast)
    for someone in (cast.outsider, cast.inspector):
        with pytest.raises(PermissionDenied):
            appointment_book(actor=someone, case=case, wanted=cast.handler, reason=Reason.AWAY)
    assert not Appointment.objects.exists()


# -- pages ----------------------------------------------------------------------------


def test_it_books_from_the_page_and_says_where_the_appointment_went(cast: Cast) -> None:
    away(cast.handler, substitute=cast.desk)
    case = open_case(cast)
    client = signed_in(cast.desk)
    url = reverse("intake:appointment_new", args=[case.number])
    with time_machine.travel(MONDAY, tick=False):
        form = client.get(url)
        assert form.status_code == 200
        response = client.post(
            url, {"wanted": cast.handler.pk, "reason": "away", "note": "请回电"}, follow=True
        )
    assert response.redirect_chain == [(LIST, 302)]
    page = response.content.decode()
    assert (
        gettext("%(wanted)s is away; routed to the named substitute, %(person)s.")
        % {"wanted": cast.handler.first_name, "person": cast.desk.first_name}
        in page
    )
    assert Appointment.objects.get().routed_to == cast.desk


def test_it_keeps_the_entries_when_the_time_is_refused(cast: Cast) -> None:
    case = open_case(cast)
    with time_machine.travel(MONDAY, tick=False):
        response = signed_in(cast.desk).post(
            reverse("intake:appointment_new", args=[case.number]),
            {
                "wanted": cast.handler.pk,
                "reason": "chosen_time",
                "scheduled_for": "2026-06-02T18:00",
                "note": "下班后来",
            },
        )
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"scheduled_for"}
    assert "下班后来" in response.content.decode()
    assert not Appointment.objects.exists()


def _book_many(cast: Cast, count: int) -> None:
    case = open_case(cast)
    with time_machine.travel(MONDAY, tick=False):
        for _ in range(count):
            book(cast, cast.handler, case=case)


def test_it_lists_appointments_in_a_fixed_number_of_queries(
    cast: Cast, django_assert_num_queries: Any
) -> None:
    client = signed_in(cast.handler)
    _book_many(cast, 2)
    client.get(LIST)  # warm the session and the calendar
    with CaptureQueriesContext(connection) as small:
        first = client.get(LIST)
    _book_many(cast, 5)
    with django_assert_num_queries(len(small.captured_queries)):
        second = client.get(LIST)
    assert first.content.decode().count('class="light ') == 2
    assert second.content.decode().count('class="light ') == 7
    # Buttons: called back, kept, cancelled, for each.
    assert second.content.decode().count("<details") == 7 * 3


def test_it_shows_the_callback_deadline_and_its_colour(cast: Cast) -> None:
    with time_machine.travel(FRIDAY, tick=False):
        book(cast, cast.handler)
    client = signed_in(cast.handler)
    with time_machine.travel(FRIDAY + timedelta(hours=1), tick=False):
        fresh = client.get(LIST).content.decode()
    with time_machine.travel(datetime(2026, 6, 9, 9, 0, tzinfo=SHANGHAI), tick=False):
        late = client.get(LIST).content.decode()
    assert 'class="light green"' in fresh
    assert "2026-06-08 24:00" in fresh  # its last day, never 00:00 of the next
    assert 'class="light red"' in late


def test_it_calls_back_from_the_list_and_keeps_a_missing_note(cast: Cast) -> None:
    appointment = book(cast, cast.handler)
    client = signed_in(cast.handler)
    url = reverse("intake:appointment_act", args=[appointment.pk, "call_back"])
    missing = client.post(url, {"channel": "phone", "note": ""})
    assert missing.status_code == 400
    assert gettext("Write down what the citizen was told.") in missing.content.decode()
    done = client.post(url, {"channel": "phone", "note": "已电话联系"})
    assert done.status_code == 302
    appointment.refresh_from_db()
    assert appointment.state == State.CALLED_BACK


def test_it_refuses_outsiders(cast: Cast) -> None:
    case = open_case(cast)
    appointment = book(cast, cast.handler, case=case)
    outsider = signed_in(cast.outsider)
    assert outsider.get(reverse("intake:appointment_new", args=[case.number])).status_code == 403
    act = reverse("intake:appointment_act", args=[appointment.pk, "keep"])
    assert outsider.post(act).status_code == 403
    assert outsider.get(LIST).content.decode().count("<details") == 0
    no_staff = UserFactory(username="visitor")
    assert signed_in(no_staff).get(LIST).status_code == 403
    appointment.refresh_from_db()
    assert appointment.state == State.BOOKED


# -- two scans at once ----------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_it_forfeits_once_when_two_scans_run_at_once(cast: Cast) -> None:
    appointment = _chosen_for_ten(cast)

    def scan(barrier: threading.Barrier) -> int:
        barrier.wait()
        return appointments_forfeit_due()

    with time_machine.travel(MONDAY + timedelta(hours=2), tick=False):
        results = race([scan, scan])
    assert sorted(results) == [0, 1]
    assert (
        CaseEvent.objects.filter(
            case=appointment.case, action=EventAction.APPOINTMENT_FORFEITED
        ).count()
        == 1
    )


def test_it_shows_a_cases_appointments_in_one_query(
    cast: Cast, django_assert_num_queries: Any
) -> None:
    case = open_case(cast)
    with time_machine.travel(MONDAY, tick=False):
        for _ in range(3):
            book(cast, cast.handler, case=case)
    # As the case page reads it (deadlines.selectors.cases.case_get): with its accused.
    case = Case.objects.prefetch_related(appointment_prefetch(), "accused").get(pk=case.pk)
    user = User.objects.get(pk=cast.desk.pk)
    with django_assert_num_queries(1):  # the desk's roles, for the booking link
        html = render_to_string("intake/_case_appointments.html", {"case": case, "user": user})
    assert html.count("<tr>") == 3 + 1
    assert reverse("intake:appointment_new", args=[case.number]) in html


def test_it_shows_appointments_in_the_admin_read_only(cast: Cast) -> None:
    appointment = book(cast, cast.handler)
    admin = signed_in(UserFactory(username="admin", is_staff=True, is_superuser=True))
    listing = admin.get(reverse("admin:intake_appointment_changelist"))
    assert listing.status_code == 200
    assert appointment.case.number in listing.content.decode()
    change = reverse("admin:intake_appointment_change", args=[appointment.pk])
    assert admin.get(change).status_code == 200
    admin.post(change, {"state": "kept"})
    assert admin.get(reverse("admin:intake_appointment_add")).status_code == 403
    appointment.refresh_from_db()
    assert appointment.state == State.BOOKED
