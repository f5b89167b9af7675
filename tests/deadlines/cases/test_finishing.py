"""How a case ends (deadlines.services.cases.finishing): resolving and closing stop the
clocks they satisfy, a send-back makes the result owed again; the rating, review and
rework after closing; ending without a result winds up what was pending and stops every
clock. The dates and the calendar they rely on: tests/deadlines/cases/support.py.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest
import time_machine
from django.core.exceptions import PermissionDenied

from accountability.roles import Role
from deadlines.models import (
    Case,
    CaseEvent,
    CaseState,
    Clock,
    ClockKind,
    ClockPause,
    ExtensionRequest,
    MatterKind,
    Suspension,
    Transfer,
    Urgency,
)
from deadlines.services.cases import (
    CaseConflict,
    case_accept,
    case_close,
    case_escalate,
    case_lapse,
    case_rate,
    case_request_extension,
    case_request_review,
    case_resolve,
    case_send_back,
    case_terminate,
    case_transfer,
    case_withdraw,
)
from deadlines.worktime import LOCAL_TZ
from tests.deadlines.cases.support import (
    NOW,
    accepted,
    agreed_report,
    build,
    footprint,
    fresh,
    policies,
    running,
    suspend,
    the_running,
)
from tests.deadlines.conftest import Cast, at, local, open_case
from tests.factories import CaseFactory, StaffFactory, UserFactory

pytestmark = pytest.mark.django_db

K = ClockKind


# -- the result and its sign-off --------------------------------------------------------


def test_it_stops_result_clocks_on_resolve_and_all_but_first_feedback_on_close(
    cast: Cast,
) -> None:
    case = accepted(
        cast, local(6, 1, 10), matter_kind=MatterKind.HELP_REQUEST, urgency=Urgency.URGENT
    )
    with at(local(6, 1, 10, 10)):
        case_escalate(actor=cast.handler, case=fresh(case), leader=cast.leader, reason="停水面广。")
    result = the_running(case, K.RESULT)
    with at(local(6, 1, 10, 40)):
        case_resolve(actor=cast.handler, case=fresh(case), resolution="已恢复供水。")
    result.refresh_from_db()
    assert result.stopped_at == local(6, 1, 10, 40)
    assert policies(running(case)) == {
        "urgent-help-first-feedback",
        "escalated-report-to-leader",
        "escalated-report-to-citizen",
    }
    with at(local(6, 1, 10, 50)):
        case_close(actor=cast.head, case=fresh(case))
    # The closing owes the citizen a callback (回访, intake.services.callback).
    assert policies(running(case)) == {"urgent-help-first-feedback", "case-callback"}
    stopped = Clock.objects.filter(case=case, kind=K.PROGRESS_REPORT)
    assert {clock.stopped_at for clock in stopped} == {local(6, 1, 10, 50)}


def test_it_keeps_a_closure_clock_running_until_the_case_is_closed(cast: Cast) -> None:
    case = agreed_report(cast, local(6, 1, 10))
    with at(local(6, 3, 10)):
        case_resolve(actor=cast.handler, case=fresh(case), resolution="已查实并处理。")
    assert policies(running(case)) == {"report-brief-reply", "report-closure"}
    with at(local(6, 3, 11)):
        case_close(actor=cast.head, case=fresh(case))
    assert policies(running(case)) == {"report-brief-reply", "case-callback"}
    assert fresh(case).closed_at == local(6, 3, 11)


def test_sending_a_result_back_makes_the_result_owed_again_by_its_old_deadline(
    cast: Cast,
) -> None:
    case = case_accept(actor=cast.handler, case=open_case(cast))
    result = case.clocks.get(kind=ClockKind.RESULT)
    case = case_resolve(actor=cast.handler, case=case, resolution="已处理")
    case = case_send_back(actor=cast.head, case=case, reason="未附检测报告")
    result.refresh_from_db()
    assert result.stopped_at is None
    assert case.resolved_at is None
    assert case.resolution == ""


# -- after closing: rating, review, rework ----------------------------------------------


def _closed(cast: Cast) -> Case:
    case: Case = CaseFactory(
        state=CaseState.CLOSED,
        department=cast.service,
        first_responder=cast.desk,
        handler=cast.handler,
        closed_at=local(6, 5, 16),
    )
    return case


@pytest.mark.parametrize("rating", [1, 2])
def test_it_reopens_for_rework_on_a_poor_rating_caused_by_the_unit(cast: Cast, rating: int) -> None:
    case = _closed(cast)
    with at(local(6, 8, 10)):
        case_rate(actor=cast.desk, case=case, rating=rating, caused_by_unit=True)
    after = fresh(case)
    assert (after.state, after.rating, after.closed_at) == (CaseState.REOPENED, rating, None)
    rework = the_running(case, K.REVIEW)
    # 15 working days: Tue 9 … Fri 12, Mon 15 … Thu 18, Mon 22 … Fri 26, Mon 29, Tue 30 June.
    assert (rework.policy.code, rework.due_at) == ("rework", local(7, 1))
    assert (rework.department, rework.responsible) == (cast.service, cast.handler)
    event = CaseEvent.objects.get(case=case)
    assert (event.action, event.from_state, event.to_state) == ("rate", "closed", "reopened")


@pytest.mark.parametrize(("rating", "caused_by_unit"), [(2, False), (1, False), (3, True)])
def test_it_does_not_reopen_on_a_rating_that_calls_for_no_rework(
    cast: Cast, rating: int, caused_by_unit: bool
) -> None:
    case = _closed(cast)
    with at(local(6, 8, 10)):
        case_rate(actor=cast.desk, case=case, rating=rating, caused_by_unit=caused_by_unit)
    after = fresh(case)
    assert (after.state, after.rating, after.closed_at) == (
        CaseState.CLOSED,
        rating,
        local(6, 5, 16),
    )
    assert not Clock.objects.filter(case=case).exists()


def test_a_closure_is_rated_once(cast: Cast) -> None:
    case = case_accept(actor=cast.handler, case=open_case(cast))
    case = case_resolve(actor=cast.handler, case=case, resolution="已处理")
    case = case_close(actor=cast.head, case=case)
    case = case_rate(actor=cast.desk, case=case, rating=4, caused_by_unit=False)
    with pytest.raises(CaseConflict):
        case_rate(actor=cast.desk, case=case, rating=1, caused_by_unit=True)
    case.refresh_from_db()
    assert case.rating == 4


def test_it_starts_the_thirty_day_review_clock_on_a_review_request(cast: Cast) -> None:
    case = _closed(cast)
    with at(local(6, 5, 10)):
        case_request_review(actor=cast.desk, case=case, reason="用户对处理结果有异议。")
    after = fresh(case)
    assert (after.state, after.closed_at) == (CaseState.REOPENED, None)
    review = the_running(case, K.REVIEW)
    # Sat 6 June … Sun 5 July, a rest day: 24:00 on Mon 6 July.
    assert (review.policy.code, review.due_at) == ("review-reply", local(7, 7))
    assert (review.department, review.responsible) == (cast.service, cast.handler)

    with at(local(6, 10, 10)):
        case_resolve(actor=cast.handler, case=fresh(case), resolution="复查维持原结果。")
    review.refresh_from_db()
    assert review.stopped_at == local(6, 10, 10)


# -- ending without a result ------------------------------------------------------------


@pytest.mark.parametrize(
    "end",
    [
        lambda cast, case: case_terminate(actor=cast.head, case=case, reason="用户失联。"),
        lambda cast, case: case_withdraw(actor=cast.desk, case=case, reason="用户撤回。"),
    ],
    ids=["terminate", "withdraw"],
)
def test_it_stops_every_clock_when_the_case_ends_even_while_suspended(
    cast: Cast, end: Callable[[Cast, Case], Any]
) -> None:
    case = accepted(
        cast, local(6, 1, 10), matter_kind=MatterKind.HELP_REQUEST, urgency=Urgency.URGENT
    )
    suspend(cast, case, local(6, 1, 10, 30))
    with at(local(6, 1, 12)):
        end(cast, fresh(case))
    assert running(case) == []
    assert not ClockPause.objects.filter(clock__case=case, ended_at__isnull=True).exists()
    assert not Suspension.objects.filter(case=case, ended_at__isnull=True).exists()


@pytest.mark.usefixtures("frozen_now")
def test_it_ends_pending_business_when_a_case_is_withdrawn(cast: Cast) -> None:
    awaiting = build(cast, CaseState.AWAITING_TRANSFER)
    case_withdraw(actor=cast.desk, case=awaiting, reason="用户撤回。")
    assert Transfer.objects.get(case=awaiting).outcome == Transfer.Outcome.RETURNED

    suspended = build(cast, CaseState.SUSPENDED)
    case_terminate(actor=cast.head, case=suspended, reason="用户失联。")
    assert Suspension.objects.get(case=suspended).ended_at == NOW


def test_ending_a_case_winds_up_what_was_pending_and_says_no_one_decided(cast: Cast) -> None:
    case = case_accept(
        actor=cast.handler, case=open_case(cast, matter_kind="petition", subject="信访")
    )
    closure = case.clocks.get(kind=ClockKind.CLOSURE)
    case_request_extension(
        actor=cast.handler, case=case, clock=closure, amount=5, reason="需协调多部门"
    )
    case.refresh_from_db()
    case_transfer(
        actor=cast.handler, case=case, to_department=cast.network, handover_note="管网问题"
    )
    case.refresh_from_db()
    case_withdraw(actor=cast.desk, case=case, reason="用户来电撤回")
    extension = ExtensionRequest.objects.get(case=case)
    transfer = Transfer.objects.get(case=case)
    assert extension.decision == ExtensionRequest.Decision.REFUSED
    assert extension.decided_by is None
    assert extension.decision_note
    assert transfer.outcome == Transfer.Outcome.RETURNED
    assert transfer.decided_by is None
    assert transfer.return_reason == extension.decision_note


def test_a_lapsed_pledge_ends_the_case_and_owes_the_citizen_a_notice_in_three_working_days(
    cast: Cast,
) -> None:
    with time_machine.travel(datetime(2026, 11, 20, 10, 0, tzinfo=LOCAL_TZ), tick=False):
        case = case_accept(actor=cast.handler, case=open_case(cast))
        case = case_lapse(case=case, reason="逾期未补齐材料", responsible=cast.desk)
    assert case.state == CaseState.TERMINATED
    assert not case.clocks.filter(stopped_at__isnull=True).exclude(kind=ClockKind.WRITTEN_NOTICE)
    notice = case.clocks.get(kind=ClockKind.WRITTEN_NOTICE, stopped_at__isnull=True)
    assert notice.policy.code == "pledge-termination-notice"
    assert notice.responsible == cast.desk
    # Friday 20 November 2026 + 3 working days: Wednesday the 25th, at midnight.
    assert notice.due_at == datetime(2026, 11, 26, 0, 0, tzinfo=LOCAL_TZ)
    event = case.events.latest("at", "id")
    assert (event.actor, event.action, event.reason) == (None, "terminate", "逾期未补齐材料")
    with pytest.raises(CaseConflict):
        case_lapse(case=case, reason="again", responsible=cast.desk)


@pytest.mark.usefixtures("frozen_now")
def test_it_refuses_a_withdrawal_by_front_desk_staff_not_on_the_case(cast: Cast) -> None:
    # The first responder is a person on the case; an unrelated front-desk clerk is not.
    other_desk = StaffFactory(
        user=UserFactory(username="desk2", roles=[Role.FRONT_DESK]), department=cast.network
    ).user
    case = build(cast, CaseState.REGISTERED)
    before = footprint(case)
    with pytest.raises(PermissionDenied):
        case_withdraw(actor=other_desk, case=case, reason="用户撤回。")
    assert footprint(case) == before
    case_withdraw(actor=cast.desk, case=case, reason="用户撤回。")
    assert fresh(case).state == CaseState.WITHDRAWN
