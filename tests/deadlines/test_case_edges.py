"""Edges of the case services: what send-back, suspension, ending and rating leave behind."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import time_machine
from django.utils import timezone

from deadlines.models import CaseState, ClockKind, ExtensionRequest, Transfer
from deadlines.services import cases as services
from deadlines.worktime import LOCAL_TZ
from tests.deadlines.conftest import Cast, open_case

pytestmark = pytest.mark.django_db


def test_sending_a_result_back_makes_the_result_owed_again_by_its_old_deadline(
    cast: Cast,
) -> None:
    case = services.case_accept(actor=cast.handler, case=open_case(cast))
    result = case.clocks.get(kind=ClockKind.RESULT)
    case = services.case_resolve(actor=cast.handler, case=case, resolution="已处理")
    case = services.case_send_back(actor=cast.head, case=case, reason="未附检测报告")
    result.refresh_from_db()
    assert result.stopped_at is None
    assert case.resolved_at is None
    assert case.resolution == ""


def test_a_clock_started_during_a_suspension_waits_for_it_to_end(cast: Cast) -> None:
    case = services.case_accept(actor=cast.handler, case=open_case(cast))
    services.case_suspend(
        actor=cast.handler,
        case=case,
        kind="testing",
        expected_end=timezone.now() + timedelta(days=2),
        place="水质检测中心",
        citizen_notice="检测期间不计时",
    )
    case.refresh_from_db()
    case = services.case_escalate(actor=cast.head, case=case, leader=cast.leader, reason="影响面大")
    progress = list(case.clocks.filter(kind=ClockKind.PROGRESS_REPORT))
    assert len(progress) == 2
    assert all(clock.due_at is None for clock in progress)
    assert all(clock.pauses.filter(ended_at__isnull=True).exists() for clock in progress)
    services.case_resume(actor=cast.handler, case=case)
    assert all(clock.due_at is not None for clock in case.clocks.filter(kind="progress_report"))


def test_ending_a_case_winds_up_what_was_pending_and_says_no_one_decided(cast: Cast) -> None:
    case = services.case_accept(
        actor=cast.handler, case=open_case(cast, matter_kind="petition", subject="信访")
    )
    closure = case.clocks.get(kind=ClockKind.CLOSURE)
    services.case_request_extension(
        actor=cast.handler, case=case, clock=closure, amount=5, reason="需协调多部门"
    )
    case.refresh_from_db()
    services.case_transfer(
        actor=cast.handler, case=case, to_department=cast.network, handover_note="管网问题"
    )
    case.refresh_from_db()
    services.case_withdraw(actor=cast.desk, case=case, reason="用户来电撤回")
    extension = ExtensionRequest.objects.get(case=case)
    transfer = Transfer.objects.get(case=case)
    assert extension.decision == ExtensionRequest.Decision.REFUSED
    assert extension.decided_by is None
    assert extension.decision_note
    assert transfer.outcome == Transfer.Outcome.RETURNED
    assert transfer.decided_by is None
    assert transfer.return_reason == extension.decision_note


def test_a_closure_is_rated_once(cast: Cast) -> None:
    case = services.case_accept(actor=cast.handler, case=open_case(cast))
    case = services.case_resolve(actor=cast.handler, case=case, resolution="已处理")
    case = services.case_close(actor=cast.head, case=case)
    case = services.case_rate(actor=cast.desk, case=case, rating=4, caused_by_unit=False)
    with pytest.raises(services.CaseConflict):
        services.case_rate(actor=cast.desk, case=case, rating=1, caused_by_unit=True)
    case.refresh_from_db()
    assert case.rating == 4


def test_a_lapsed_pledge_ends_the_case_and_owes_the_citizen_a_notice_in_three_working_days(
    cast: Cast,
) -> None:
    with time_machine.travel(datetime(2026, 11, 20, 10, 0, tzinfo=LOCAL_TZ), tick=False):
        case = services.case_accept(actor=cast.handler, case=open_case(cast))
        case = services.case_lapse(case=case, reason="逾期未补齐材料", responsible=cast.desk)
    assert case.state == CaseState.TERMINATED
    assert not case.clocks.filter(stopped_at__isnull=True).exclude(kind=ClockKind.WRITTEN_NOTICE)
    notice = case.clocks.get(kind=ClockKind.WRITTEN_NOTICE, stopped_at__isnull=True)
    assert notice.policy.code == "pledge-termination-notice"
    assert notice.responsible == cast.desk
    # Friday 20 November 2026 + 3 working days: Wednesday the 25th, at midnight.
    assert notice.due_at == datetime(2026, 11, 26, 0, 0, tzinfo=LOCAL_TZ)
    event = case.events.latest("at", "id")
    assert (event.actor, event.action, event.reason) == (None, "terminate", "逾期未补齐材料")
    with pytest.raises(services.CaseConflict):
        services.case_lapse(case=case, reason="again", responsible=cast.desk)


def test_a_step_of_another_app_writes_one_event_and_starts_or_stops_its_clock(
    cast: Cast,
) -> None:
    case = services.case_accept(actor=cast.handler, case=open_case(cast))
    state, version = case.state, case.version
    case = services.case_log_step(
        actor=cast.desk,
        case=case,
        action="appointment",
        reason="预约回电",
        start=ClockKind.CALLBACK,
        responsible=cast.handler,
        appointment=7,
    )
    assert (case.state, case.version) == (state, version + 1)
    callback = case.clocks.get(kind=ClockKind.CALLBACK)
    assert (callback.responsible, callback.department) == (cast.handler, cast.service)
    event = case.events.latest("at", "id")
    assert (event.action, event.data) == ("appointment", {"appointment": 7})
    case = services.case_log_step(
        actor=cast.handler, case=case, action="callback", stop=[ClockKind.CALLBACK]
    )
    callback.refresh_from_db()
    assert callback.stopped_at is not None
    services.case_withdraw(actor=cast.handler, case=case, reason="市民撤回")
    case.refresh_from_db()
    with pytest.raises(services.CaseConflict):
        services.case_log_step(actor=cast.desk, case=case, action="notice")


def test_a_phone_call_tells_a_missed_pledge_but_not_a_refusal(cast: Cast) -> None:
    lapsed = services.case_lapse(
        case=services.case_accept(actor=cast.handler, case=open_case(cast)),
        reason="逾期未补齐材料",
        responsible=cast.desk,
    )
    refused = services.case_reject(actor=cast.desk, case=open_case(cast), reason="不符合条件")
    for case in (lapsed, refused):
        services.case_log_feedback(
            actor=cast.desk, case=case, audience="citizen", channel="phone", content="已电话告知"
        )
    assert not lapsed.clocks.filter(kind=ClockKind.WRITTEN_NOTICE, stopped_at__isnull=True)
    assert refused.clocks.get(kind=ClockKind.WRITTEN_NOTICE).stopped_at is None
