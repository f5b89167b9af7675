"""Who handles a case (deadlines.services.cases.transfers): accepting and naming the
handler (or the substitute of an absent one), a transfer to another department and its
acceptance or return with their clocks, supervision, escalation to a leader and the
leader's instruction.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import override

from accountability.models import Absence
from accountability.roles import Role
from accountability.services import absence_record
from deadlines.models import (
    Case,
    CaseEvent,
    CaseState,
    Clock,
    ClockKind,
    FeedbackEntry,
    MatterKind,
    Transfer,
    Urgency,
)
from deadlines.services.cases import (
    case_accept,
    case_accept_transfer,
    case_instruct,
    case_log_feedback,
    case_resolve,
    case_return_transfer,
    case_transfer,
)
from tests.deadlines.cases.support import (
    NOW,
    accepted,
    build,
    escalated,
    footprint,
    fresh,
    policies,
    progress_clocks,
    running,
    the_running,
)
from tests.deadlines.conftest import Cast, at, local, open_case
from tests.factories import DepartmentFactory, StaffFactory, UserFactory

pytestmark = pytest.mark.django_db

K = ClockKind
A = FeedbackEntry.Audience
W = FeedbackEntry.Channel


# -- accepting and the handler ----------------------------------------------------------


@pytest.mark.usefixtures("frozen_now")
def test_it_names_the_handler_on_accept(cast: Cast) -> None:
    case = build(cast, CaseState.REGISTERED)
    case_accept(actor=cast.desk, case=case, handler=cast.handler)
    assert fresh(case).handler == cast.handler
    assert CaseEvent.objects.get(case=case).data == {"handler": cast.handler.pk}

    defaulted = build(cast, CaseState.REGISTERED)
    case_accept(actor=cast.head, case=defaulted)
    assert fresh(defaulted).handler == cast.head


def test_it_hands_the_departments_clocks_to_the_handler_on_accept(cast: Cast) -> None:
    case = accepted(
        cast, local(6, 1, 10), matter_kind=MatterKind.HELP_REQUEST, urgency=Urgency.URGENT
    )
    responsible = {clock.kind: clock.responsible for clock in running(case)}
    # The result is the handler's now; the first word stays the first responder's.
    assert responsible == {K.FIRST_FEEDBACK: cast.desk, K.RESULT: cast.handler}


@pytest.mark.usefixtures("frozen_now")
def test_it_refuses_a_handler_from_another_department_on_accept(cast: Cast) -> None:
    case = build(cast, CaseState.REGISTERED)
    before = footprint(case)
    with override("en"), pytest.raises(ValidationError, match="is not on the staff of"):
        case_accept(actor=cast.head, case=case, handler=cast.network_handler)
    assert footprint(case) == before


def _substitute(cast: Cast, username: str) -> Any:
    return StaffFactory(
        user=UserFactory(username=username, roles=[Role.HANDLER]), department=cast.service
    ).user


@pytest.mark.usefixtures("frozen_now")
def test_it_gives_the_case_to_the_substitute_of_an_absent_handler(cast: Cast) -> None:
    substitute = _substitute(cast, "substitute")
    absence_record(
        actor=cast.head,
        staff=cast.handler,
        starts_at=NOW - timedelta(days=1),
        ends_at=NOW + timedelta(days=4),
        substitute=substitute,
        reason="年假",
    )
    case = build(cast, CaseState.REGISTERED)
    case_accept(actor=cast.head, case=case, handler=cast.handler)
    assert fresh(case).handler == substitute
    event = CaseEvent.objects.get(case=case)
    assert event.data == {
        "handler": substitute.pk,
        "named_handler": cast.handler.pk,
        "covered_by": substitute.pk,
    }


@pytest.mark.usefixtures("frozen_now")
def test_it_gives_a_transferred_case_to_the_substitute_of_an_absent_handler(
    cast: Cast,
) -> None:
    substitute = StaffFactory(
        user=UserFactory(username="network_substitute", roles=[Role.HANDLER]),
        department=cast.network,
    ).user
    Absence.objects.create(
        staff=cast.network_handler,
        starts_at=NOW - timedelta(hours=2),
        ends_at=NOW + timedelta(hours=6),
        substitute=substitute,
        reason="病假",
    )
    case = build(cast, CaseState.AWAITING_TRANSFER)
    case_accept_transfer(actor=cast.network_head, case=case, handler=cast.network_handler)
    assert fresh(case).handler == substitute
    event = CaseEvent.objects.get(case=case)
    assert event.data == {
        "handler": substitute.pk,
        "named_handler": cast.network_handler.pk,
        "covered_by": substitute.pk,
    }


@pytest.mark.usefixtures("frozen_now")
def test_it_gives_the_case_to_the_handler_once_the_absence_is_over(cast: Cast) -> None:
    substitute = _substitute(cast, "substitute")
    Absence.objects.create(
        staff=cast.handler,
        starts_at=NOW - timedelta(days=3),
        ends_at=NOW,
        substitute=substitute,
        reason="年假",
    )
    case = build(cast, CaseState.REGISTERED)
    case_accept(actor=cast.head, case=case, handler=cast.handler)
    assert fresh(case).handler == cast.handler
    assert CaseEvent.objects.get(case=case).data == {"handler": cast.handler.pk}


# -- transfers --------------------------------------------------------------------------


@pytest.mark.usefixtures("frozen_now")
def test_it_moves_the_case_to_the_receiving_department_on_transfer(cast: Cast) -> None:
    case = build(cast, CaseState.IN_PROGRESS)
    transfer = case_transfer(
        actor=cast.handler, case=case, to_department=cast.network, handover_note="管网问题。"
    )
    after = fresh(case)
    assert (after.department, after.handler, after.handling_mode) == (
        cast.network,
        None,
        "transfer",
    )
    assert (transfer.from_department, transfer.to_department, transfer.outcome) == (
        cast.service,
        cast.network,
        Transfer.Outcome.PENDING,
    )
    assert transfer.sent_by == cast.handler
    assert transfer.handover_note == "管网问题。"


@pytest.mark.usefixtures("frozen_now")
def test_it_settles_the_pending_transfer_on_accept_and_on_return(cast: Cast) -> None:
    accepted = build(cast, CaseState.AWAITING_TRANSFER)
    case_accept_transfer(actor=cast.network_head, case=accepted, handler=cast.network_handler)
    after = fresh(accepted)
    assert (after.department, after.handler) == (cast.network, cast.network_handler)
    transfer = Transfer.objects.get(case=accepted)
    assert (transfer.outcome, transfer.decided_by, transfer.decided_at) == (
        Transfer.Outcome.ACCEPTED,
        cast.network_head,
        NOW,
    )

    returned = build(cast, CaseState.AWAITING_TRANSFER)
    case_return_transfer(actor=cast.network_head, case=returned, reason="不属管网所。")
    after = fresh(returned)
    assert (after.department, after.handler) == (cast.service, None)
    transfer = Transfer.objects.get(case=returned)
    assert (transfer.outcome, transfer.return_reason) == (
        Transfer.Outcome.RETURNED,
        "不属管网所。",
    )


@pytest.mark.usefixtures("frozen_now")
def test_it_lets_the_cases_supervisor_transfer_it(cast: Cast) -> None:
    case = build(cast, CaseState.IN_PROGRESS, supervisor=cast.inspector)
    case_transfer(
        actor=cast.inspector, case=case, to_department=cast.network, handover_note="督办转办。"
    )
    assert fresh(case).state == CaseState.AWAITING_TRANSFER
    assert CaseEvent.objects.get(case=case).actor == cast.inspector
    # Supervising the case gives no other power over it.
    other = build(cast, CaseState.IN_PROGRESS, supervisor=cast.inspector)
    with pytest.raises(PermissionDenied):
        case_resolve(actor=cast.inspector, case=other, resolution="已处理。")


@pytest.mark.usefixtures("frozen_now")
def test_it_refuses_to_transfer_a_case_to_its_own_department(cast: Cast) -> None:
    case = build(cast, CaseState.ACCEPTED)
    before = footprint(case)
    with override("en"), pytest.raises(ValidationError, match="already with"):
        case_transfer(
            actor=cast.head, case=case, to_department=cast.service, handover_note="转本部门。"
        )
    assert footprint(case) == before


@pytest.mark.usefixtures("frozen_now")
def test_it_refuses_a_transfer_to_a_department_without_a_head(cast: Cast) -> None:
    headless = DepartmentFactory(code="meters", name="水表所")
    assert headless.head_id is None
    case = build(cast, CaseState.ACCEPTED)
    before = footprint(case)
    with override("en"), pytest.raises(ValidationError, match="has no head to accept transfers"):
        case_transfer(
            actor=cast.head, case=case, to_department=headless, handover_note="转水表所。"
        )
    assert footprint(case) == before


@pytest.mark.usefixtures("frozen_now")
def test_it_refuses_a_handler_from_another_department_on_accepting_a_transfer(
    cast: Cast,
) -> None:
    case = build(cast, CaseState.AWAITING_TRANSFER)
    before = footprint(case)
    with override("en"), pytest.raises(ValidationError, match="is not on the staff of"):
        case_accept_transfer(actor=cast.network_head, case=case, handler=cast.handler)
    assert footprint(case) == before


# -- the clocks of a transfer -----------------------------------------------------------


def _transfer(cast: Cast, case: Case, moment: datetime) -> None:
    with at(moment):
        case_transfer(
            actor=cast.desk,
            case=fresh(case),
            to_department=cast.network,
            handover_note="漏水点在管网所辖区。",
        )


def test_it_gives_the_receiving_head_two_working_days_and_the_first_responder_a_follow_up(
    cast: Cast,
) -> None:
    with at(local(6, 4, 9)):
        case = open_case(cast)  # a complaint: no feedback clock of its own
    _transfer(cast, case, local(6, 5, 10))
    acceptance = the_running(case, K.TRANSFER_ACCEPTANCE)
    assert acceptance.policy.code == "transfer-acceptance"
    assert (acceptance.department, acceptance.responsible) == (cast.network, cast.network_head)
    # Working days Mon 8 and Tue 9 June: 24:00 on Tue 9 June.
    assert (acceptance.started_at, acceptance.due_at) == (local(6, 5, 10), local(6, 10))
    follow_up = the_running(case, K.FIRST_FEEDBACK)
    assert follow_up.policy.code == "transfer-follow-up"
    assert (follow_up.department, follow_up.responsible) == (cast.service, cast.desk)
    # Calendar days Sat 6, Sun 7, Mon 8 June: 24:00 on Mon 8 June.
    assert follow_up.due_at == local(6, 9)


@pytest.mark.parametrize("accept", [True, False])
def test_it_stops_the_acceptance_clock_when_the_head_decides(cast: Cast, accept: bool) -> None:
    with at(local(6, 4, 9)):
        case = open_case(cast)
    _transfer(cast, case, local(6, 5, 10))
    acceptance = the_running(case, K.TRANSFER_ACCEPTANCE)
    with at(local(6, 8, 9, 30)):
        if accept:
            case_accept_transfer(
                actor=cast.network_head, case=fresh(case), handler=cast.network_handler
            )
        else:
            case_return_transfer(actor=cast.network_head, case=fresh(case), reason="不属管网所。")
    acceptance.refresh_from_db()
    assert acceptance.stopped_at == local(6, 8, 9, 30)
    assert running(case, K.TRANSFER_ACCEPTANCE) == []
    # The first responder still owes the citizen word.
    assert policies(running(case, K.FIRST_FEEDBACK)) == {"transfer-follow-up"}


def test_it_starts_no_follow_up_while_a_feedback_clock_runs(cast: Cast) -> None:
    with at(local(6, 1, 9)):
        case = open_case(cast, matter_kind=MatterKind.HELP_REQUEST, urgency=Urgency.URGENT)
    _transfer(cast, case, local(6, 1, 9, 5))
    assert policies(running(case, K.FIRST_FEEDBACK)) == {"urgent-help-first-feedback"}
    assert Clock.objects.filter(case=case, kind=K.FIRST_FEEDBACK).count() == 1


def test_it_starts_a_follow_up_once_the_first_feedback_was_given(cast: Cast) -> None:
    with at(local(6, 1, 9)):
        case = open_case(cast, matter_kind=MatterKind.HELP_REQUEST, urgency=Urgency.URGENT)
        case_log_feedback(
            actor=cast.desk,
            case=case,
            audience=A.CITIZEN,
            channel=W.PHONE,
            content="已告知用户正在处理。",
        )
    _transfer(cast, case, local(6, 1, 11))
    follow_up = the_running(case, K.FIRST_FEEDBACK)
    # Thu 2 … Thu 4 June.
    assert (follow_up.policy.code, follow_up.due_at) == ("transfer-follow-up", local(6, 5))


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"matter_kind": MatterKind.CONSULTATION}, "consultation-unit-to-first-responder"),
        (
            {"matter_kind": MatterKind.HELP_REQUEST, "urgency": Urgency.URGENT},
            "urgent-help-unit-to-first-responder",
        ),
    ],
)
def test_it_gives_the_unit_forty_minutes_to_report_to_the_first_responder(
    cast: Cast, fields: dict[str, Any], code: str
) -> None:
    with at(local(6, 1, 9)):
        case = open_case(cast, **fields)
    _transfer(cast, case, local(6, 1, 9, 5))
    with at(local(6, 1, 9, 20)):
        case_accept_transfer(
            actor=cast.network_head, case=fresh(case), handler=cast.network_handler
        )
    unit = the_running(case, K.UNIT_TO_FIRST_RESPONDER)
    assert unit.policy.code == code
    assert (unit.started_at, unit.due_at) == (local(6, 1, 9, 20), local(6, 1, 10))
    assert (unit.department, unit.responsible) == (cast.network, cast.network_handler)
    assert the_running(case, K.RESULT).responsible == cast.network_handler

    with at(local(6, 1, 9, 50)):
        case_log_feedback(
            actor=cast.network_handler,
            case=fresh(case),
            audience=A.FIRST_RESPONDER,
            channel=W.PHONE,
            content="已派员到场。",
        )
    unit.refresh_from_db()
    assert unit.stopped_at == local(6, 1, 9, 50)
    # A report to the first responder is no word to the citizen.
    assert the_running(case, K.FIRST_FEEDBACK).due_at == local(6, 1, 10)


def test_it_starts_no_unit_clock_for_a_complaint_accepted_on_transfer(cast: Cast) -> None:
    with at(local(6, 1, 9)):
        case = open_case(cast)
    _transfer(cast, case, local(6, 1, 9, 5))
    with at(local(6, 1, 9, 20)):
        case_accept_transfer(
            actor=cast.network_head, case=fresh(case), handler=cast.network_handler
        )
    assert not Clock.objects.filter(case=case, kind=K.UNIT_TO_FIRST_RESPONDER).exists()


# -- escalation and the leader's instruction --------------------------------------------


def test_it_puts_the_progress_reports_of_an_escalated_case_on_the_clock(cast: Cast) -> None:
    case = escalated(cast)
    after = fresh(case)
    assert (after.leader, after.handling_mode) == (cast.leader, "escalated")
    progress = progress_clocks(case)
    assert set(progress) == {"escalated_to_leader", "escalated_to_citizen"}
    leader, citizen = progress["escalated_to_leader"], progress["escalated_to_citizen"]
    # Daily to the leader: Tue 2 June. Every three days to the citizen: Tue 2 … Thu 4 June.
    assert (leader.policy.code, leader.due_at) == ("escalated-report-to-leader", local(6, 3))
    assert (citizen.policy.code, citizen.due_at) == ("escalated-report-to-citizen", local(6, 5))
    assert leader.responsible == citizen.responsible == cast.handler


def test_it_replaces_the_result_clock_with_the_leaders_instructed_limit(cast: Cast) -> None:
    case = escalated(cast)
    old = the_running(case, K.RESULT)
    with at(local(6, 2, 10)):
        case_instruct(
            actor=cast.leader,
            case=fresh(case),
            instruction="五个工作日内办结。",
            department=cast.service,
            amount=5,
            unit="working_days",
        )
    old.refresh_from_db()
    assert old.stopped_at == local(6, 2, 10)
    new = the_running(case, K.RESULT)
    assert new.policy.code == "leader-instruction"
    assert (new.amount, new.unit) == (5, "working_days")
    # Wed 3, Thu 4, Fri 5, Mon 8, Tue 9 June.
    assert (new.started_at, new.due_at) == (local(6, 2, 10), local(6, 10))
    assert (new.department, new.responsible) == (cast.service, cast.handler)
    assert fresh(case).instruction == "五个工作日内办结。"


def test_it_moves_an_instructed_case_to_the_department_the_leader_names(cast: Cast) -> None:
    case = escalated(cast)
    with at(local(6, 2, 10)):
        case_instruct(
            actor=cast.leader,
            case=fresh(case),
            instruction="由管网所两日内办结。",
            department=cast.network,
            amount=2,
            unit="calendar_days",
        )
    after = fresh(case)
    assert (after.department, after.handler) == (cast.network, None)
    new = the_running(case, K.RESULT)
    # Wed 3, Thu 4 June.
    assert (new.department, new.responsible, new.due_at) == (cast.network, None, local(6, 5))


def test_it_lets_only_the_cases_leader_instruct(cast: Cast) -> None:
    case = escalated(cast)
    for actor in (cast.handler, cast.head):
        with at(local(6, 2, 10)), pytest.raises(PermissionDenied):
            case_instruct(
                actor=actor,
                case=fresh(case),
                instruction="五个工作日内办结。",
                department=cast.service,
                amount=5,
                unit="working_days",
            )
    assert the_running(case, K.RESULT).policy.code == "complaint-result"
