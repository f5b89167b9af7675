"""The case state machine through its services: every transition from every state, by
every member of the cast; and the checks a transition makes besides state and permission.

The expected table is written out here from the specification, not read from the
transitions' own metadata, so a change to a transition's sources or permission shows up
as a failing cell.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import override

from accountability.models import Absence
from accountability.roles import Role
from accountability.services import absence_record
from deadlines.models import Case, CaseEvent, CaseState, Clock, Suspension, Transfer
from deadlines.services.cases import (
    CaseConflict,
    case_accept,
    case_accept_transfer,
    case_answer,
    case_close,
    case_reject,
    case_request_review,
    case_resolve,
    case_resume,
    case_return_transfer,
    case_send_back,
    case_start_work,
    case_suspend,
    case_terminate,
    case_transfer,
    case_withdraw,
)
from tests.deadlines.conftest import Cast
from tests.factories import CaseFactory, DepartmentFactory, StaffFactory, UserFactory

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
# Mon 8 June 2026, an ordinary working day.
NOW = datetime(2026, 6, 8, 10, 0, tzinfo=SHANGHAI)

S = CaseState
ACTORS = (
    "desk",
    "handler",
    "head",
    "network_head",
    "network_handler",
    "leader",
    "inspector",
    "outsider",
)
# States in which the case has a handler (cast.handler) on the service department.
HANDLED = frozenset(
    {S.ACCEPTED, S.IN_PROGRESS, S.SUSPENDED, S.RESOLVED, S.CLOSED, S.REOPENED, S.TERMINATED}
)


@pytest.fixture(autouse=True)
def frozen_time() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


# -- the expected table -----------------------------------------------------------------

# Who may act, by the cast's names. "handler" is the case's handler, so it only counts in
# a state where the case has one; the department's head is network_head for a case
# awaiting transfer acceptance (the case is then with the receiving department).
ON_CASE = frozenset({"desk", "handler", "head"})  # first responder, handler, head
WORKS = frozenset({"handler", "head"})  # the case's handler or its department's head
HEAD = frozenset({"head"})


@dataclass(frozen=True)
class Move:
    """One transition service: the state it leads to and who may take it from where."""

    service: Callable[..., Any]
    action: str
    target: CaseState
    allowed: dict[CaseState, frozenset[str]]
    kwargs: Callable[[Cast, Case], dict[str, Any]] = field(default=lambda cast, case: {})


def _transfer_kwargs(cast: Cast, case: Case) -> dict[str, Any]:
    to = cast.service if case.department_id == cast.network.pk else cast.network
    return {"to_department": to, "handover_note": "用户地址在管网所辖区。"}


def _suspend_kwargs(cast: Cast, case: Case) -> dict[str, Any]:
    return {
        "kind": Suspension.Kind.INSPECTION,
        "expected_end": NOW + timedelta(days=3),
        "place": "用户家中",
        "citizen_notice": "检测期间不计入办理时限。",
    }


def _reason(name: str) -> Callable[[Cast, Case], dict[str, Any]]:
    return lambda cast, case: {name: "已与用户电话确认。"}


MOVES: dict[str, Move] = {
    # Answered on the spot (or referred out) by the first responder: closed at once. Not
    # in the original brief; added with the service (commit 13631cd).
    "answer": Move(
        case_answer,
        "answer",
        S.CLOSED,
        {S.REGISTERED: frozenset({"desk"})},
        lambda cast, case: {"answer": "已当场解答。", "referred_to": ""},
    ),
    "accept": Move(
        case_accept,
        "accept",
        S.ACCEPTED,
        # desk, handler or head of the case's department (staff of it, not the case's).
        {S.REGISTERED: frozenset({"desk", "handler", "head"})},
        lambda cast, case: {"handler": cast.handler},
    ),
    "transfer": Move(
        case_transfer,
        "transfer",
        S.AWAITING_TRANSFER,
        {
            S.REGISTERED: frozenset({"desk", "head"}),  # no handler yet
            S.ACCEPTED: ON_CASE,
            S.IN_PROGRESS: ON_CASE,
            S.REOPENED: ON_CASE,
        },
        _transfer_kwargs,
    ),
    "accept_transfer": Move(
        case_accept_transfer,
        "accept_transfer",
        S.ACCEPTED,
        {S.AWAITING_TRANSFER: frozenset({"network_head"})},
        lambda cast, case: {"handler": cast.network_handler},
    ),
    "return_transfer": Move(
        case_return_transfer,
        "return_transfer",
        S.REGISTERED,
        {S.AWAITING_TRANSFER: frozenset({"network_head"})},
        _reason("reason"),
    ),
    "start_work": Move(
        case_start_work,
        "start_work",
        S.IN_PROGRESS,
        {S.ACCEPTED: WORKS, S.REOPENED: WORKS},
    ),
    "suspend": Move(
        case_suspend,
        "suspend",
        S.SUSPENDED,
        {S.ACCEPTED: WORKS, S.IN_PROGRESS: WORKS, S.REOPENED: WORKS},
        _suspend_kwargs,
    ),
    "resume": Move(case_resume, "resume", S.IN_PROGRESS, {S.SUSPENDED: WORKS}),
    "resolve": Move(
        case_resolve,
        "resolve",
        S.RESOLVED,
        {S.ACCEPTED: WORKS, S.IN_PROGRESS: WORKS, S.REOPENED: WORKS},
        _reason("resolution"),
    ),
    "send_back": Move(
        case_send_back, "send_back", S.IN_PROGRESS, {S.RESOLVED: HEAD}, _reason("reason")
    ),
    "close": Move(case_close, "close", S.CLOSED, {S.RESOLVED: HEAD}, _reason("note")),
    "request_review": Move(
        case_request_review,
        "request_review",
        S.REOPENED,
        {S.CLOSED: ON_CASE},
        _reason("reason"),
    ),
    "reject": Move(
        case_reject,
        "reject",
        S.REJECTED,
        # The first responder, or desk/handler/head of the department.
        {S.REGISTERED: frozenset({"desk", "handler", "head"})},
        _reason("reason"),
    ),
    "terminate": Move(
        case_terminate,
        "terminate",
        S.TERMINATED,
        {S.ACCEPTED: HEAD, S.IN_PROGRESS: HEAD, S.SUSPENDED: HEAD, S.REOPENED: HEAD},
        _reason("reason"),
    ),
    "withdraw": Move(
        case_withdraw,
        "withdraw",
        S.WITHDRAWN,
        {
            S.REGISTERED: frozenset({"desk", "head"}),  # no handler yet
            S.ACCEPTED: ON_CASE,
            S.IN_PROGRESS: ON_CASE,
            S.AWAITING_TRANSFER: frozenset({"desk", "network_head"}),
            S.SUSPENDED: ON_CASE,
            S.REOPENED: ON_CASE,
        },
        _reason("reason"),
    ),
}


def test_it_knows_every_state_of_the_machine() -> None:
    # A new state must be added to the table (and the matrix) on purpose.
    assert {state.value for state in CaseState} == {
        "registered",
        "accepted",
        "in_progress",
        "awaiting_transfer",
        "suspended",
        "resolved",
        "closed",
        "rejected",
        "terminated",
        "withdrawn",
        "reopened",
    }


# -- building a case in any state -------------------------------------------------------


def build(cast: Cast, state: CaseState, **fields: Any) -> Case:
    """A case in `state`, as the services would have left it."""
    awaiting = state == S.AWAITING_TRANSFER
    values: dict[str, Any] = {
        "state": state,
        "department": cast.network if awaiting else cast.service,
        "first_responder": cast.desk,
        "handler": cast.handler if state in HANDLED else None,
        **fields,
    }
    case: Case = CaseFactory(**values)
    if awaiting:
        Transfer.objects.create(
            case=case,
            from_department=cast.service,
            to_department=cast.network,
            handover_note="转管网所处理。",
            sent_by=cast.desk,
            sent_at=NOW - timedelta(hours=1),
        )
    if state == S.SUSPENDED:
        Suspension.objects.create(
            case=case,
            kind=Suspension.Kind.TESTING,
            expected_end=NOW + timedelta(days=2),
            place="水质检测中心",
            citizen_notice="检测期间不计入办理时限。",
            started_by=cast.handler,
            started_at=NOW - timedelta(days=1),
        )
    return case


def fresh(case: Case) -> Case:
    return Case.objects.get(pk=case.pk)


def footprint(case: Case) -> tuple[Any, ...]:
    """Everything a refused call must leave as it was."""
    current = fresh(case)
    return (
        current.state,
        current.version,
        current.department_id,
        current.handler_id,
        current.closed_at,
        current.resolution,
        CaseEvent.objects.filter(case=case).count(),
        sorted(Transfer.objects.filter(case=case).values_list("pk", "outcome")),
        sorted(Suspension.objects.filter(case=case).values_list("pk", "ended_at")),
        Clock.objects.filter(case=case).count(),
    )


# -- the matrix -------------------------------------------------------------------------


# The cells where the transition applies, one test each; the other states of a transition
# are tried together below (each test pays for the cast, so 154 of them would be slow).
SOURCES = [(transition, state) for transition, move in MOVES.items() for state in move.allowed]


@pytest.mark.parametrize(("transition", "state"), SOURCES)
def test_it_moves_from_a_source_state_for_exactly_the_allowed_actors(
    cast: Cast, transition: str, state: CaseState
) -> None:
    move = MOVES[transition]
    allowed = move.allowed[state]
    refused = build(cast, state)
    before = footprint(refused)
    for name in ACTORS:
        actor = getattr(cast, name)
        if name not in allowed:
            with pytest.raises(PermissionDenied):
                move.service(actor=actor, case=fresh(refused), **move.kwargs(cast, refused))
            assert footprint(refused) == before, name
            continue
        case = build(cast, state)
        move.service(actor=actor, case=fresh(case), **move.kwargs(cast, case))
        after = fresh(case)
        assert after.state == move.target, name
        assert after.version == case.version + 1, name
        event = CaseEvent.objects.get(case=case)
        assert (event.action, event.from_state, event.to_state, event.actor) == (
            move.action,
            state,
            move.target,
            actor,
        ), name


@pytest.mark.parametrize("transition", MOVES)
def test_it_refuses_a_transition_from_every_other_state_as_a_conflict(
    cast: Cast, transition: str
) -> None:
    move = MOVES[transition]
    others = [state for state in CaseState if state not in move.allowed]
    assert others
    for state in others:
        case = build(cast, state)
        before = footprint(case)
        for name in ACTORS:
            with pytest.raises(CaseConflict):
                move.service(actor=getattr(cast, name), case=fresh(case), **move.kwargs(cast, case))
            assert footprint(case) == before, (state, name)


def test_it_lets_the_cases_supervisor_transfer_it(cast: Cast) -> None:
    case = build(cast, S.IN_PROGRESS, supervisor=cast.inspector)
    case_transfer(
        actor=cast.inspector, case=case, to_department=cast.network, handover_note="督办转办。"
    )
    assert fresh(case).state == S.AWAITING_TRANSFER
    assert CaseEvent.objects.get(case=case).actor == cast.inspector
    # Supervising the case gives no other power over it.
    other = build(cast, S.IN_PROGRESS, supervisor=cast.inspector)
    with pytest.raises(PermissionDenied):
        case_resolve(actor=cast.inspector, case=other, resolution="已处理。")


# -- what the transitions do besides moving the state -----------------------------------


def test_it_moves_the_case_to_the_receiving_department_on_transfer(cast: Cast) -> None:
    case = build(cast, S.IN_PROGRESS)
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


def test_it_settles_the_pending_transfer_on_accept_and_on_return(cast: Cast) -> None:
    accepted = build(cast, S.AWAITING_TRANSFER)
    case_accept_transfer(actor=cast.network_head, case=accepted, handler=cast.network_handler)
    after = fresh(accepted)
    assert (after.department, after.handler) == (cast.network, cast.network_handler)
    transfer = Transfer.objects.get(case=accepted)
    assert (transfer.outcome, transfer.decided_by, transfer.decided_at) == (
        Transfer.Outcome.ACCEPTED,
        cast.network_head,
        NOW,
    )

    returned = build(cast, S.AWAITING_TRANSFER)
    case_return_transfer(actor=cast.network_head, case=returned, reason="不属管网所。")
    after = fresh(returned)
    assert (after.department, after.handler) == (cast.service, None)
    transfer = Transfer.objects.get(case=returned)
    assert (transfer.outcome, transfer.return_reason) == (
        Transfer.Outcome.RETURNED,
        "不属管网所。",
    )


def test_it_names_the_handler_on_accept(cast: Cast) -> None:
    case = build(cast, S.REGISTERED)
    case_accept(actor=cast.desk, case=case, handler=cast.handler)
    assert fresh(case).handler == cast.handler
    assert CaseEvent.objects.get(case=case).data == {"handler": cast.handler.pk}

    defaulted = build(cast, S.REGISTERED)
    case_accept(actor=cast.head, case=defaulted)
    assert fresh(defaulted).handler == cast.head


def test_it_records_and_ends_a_suspension(cast: Cast) -> None:
    case = build(cast, S.IN_PROGRESS)
    suspension = case_suspend(actor=cast.handler, case=case, **_suspend_kwargs(cast, case))
    assert (suspension.started_by, suspension.started_at, suspension.ended_at) == (
        cast.handler,
        NOW,
        None,
    )
    with time_machine.travel(NOW + timedelta(days=1), tick=False):
        case_resume(actor=cast.head, case=fresh(case))
    suspension.refresh_from_db()
    assert (suspension.ended_by, suspension.ended_at) == (cast.head, NOW + timedelta(days=1))


def test_it_refuses_a_suspension_expected_to_end_in_the_past(cast: Cast) -> None:
    case = build(cast, S.IN_PROGRESS)
    before = footprint(case)
    kwargs = {**_suspend_kwargs(cast, case), "expected_end": NOW - timedelta(hours=1)}
    with override("en"), pytest.raises(ValidationError, match="expected end must be after"):
        case_suspend(actor=cast.handler, case=case, **kwargs)
    assert footprint(case) == before


@pytest.mark.parametrize(
    ("transition", "state", "actor", "blank"),
    [
        ("answer", S.REGISTERED, "desk", "answer"),
        ("transfer", S.IN_PROGRESS, "handler", "handover_note"),
        ("return_transfer", S.AWAITING_TRANSFER, "network_head", "reason"),
        ("resolve", S.IN_PROGRESS, "handler", "resolution"),
        ("send_back", S.RESOLVED, "head", "reason"),
        ("request_review", S.CLOSED, "desk", "reason"),
        ("reject", S.REGISTERED, "desk", "reason"),
        ("terminate", S.IN_PROGRESS, "head", "reason"),
        ("withdraw", S.IN_PROGRESS, "desk", "reason"),
    ],
)
def test_it_refuses_a_blank_reason_and_changes_nothing(
    cast: Cast, transition: str, state: CaseState, actor: str, blank: str
) -> None:
    move = MOVES[transition]
    case = build(cast, state)
    before = footprint(case)
    kwargs = {**move.kwargs(cast, case), blank: "  \n "}
    with pytest.raises(ValidationError):
        move.service(actor=getattr(cast, actor), case=case, **kwargs)
    assert footprint(case) == before


def test_it_refuses_to_transfer_a_case_to_its_own_department(cast: Cast) -> None:
    case = build(cast, S.ACCEPTED)
    before = footprint(case)
    with override("en"), pytest.raises(ValidationError, match="already with"):
        case_transfer(
            actor=cast.head, case=case, to_department=cast.service, handover_note="转本部门。"
        )
    assert footprint(case) == before


def test_it_refuses_a_transfer_to_a_department_without_a_head(cast: Cast) -> None:
    headless = DepartmentFactory(code="meters", name="水表所")
    assert headless.head_id is None
    case = build(cast, S.ACCEPTED)
    before = footprint(case)
    with override("en"), pytest.raises(ValidationError, match="has no head to accept transfers"):
        case_transfer(
            actor=cast.head, case=case, to_department=headless, handover_note="转水表所。"
        )
    assert footprint(case) == before


def test_it_refuses_a_handler_from_another_department_on_accept(cast: Cast) -> None:
    case = build(cast, S.REGISTERED)
    before = footprint(case)
    with override("en"), pytest.raises(ValidationError, match="is not on the staff of"):
        case_accept(actor=cast.head, case=case, handler=cast.network_handler)
    assert footprint(case) == before


def test_it_refuses_a_handler_from_another_department_on_accepting_a_transfer(
    cast: Cast,
) -> None:
    case = build(cast, S.AWAITING_TRANSFER)
    before = footprint(case)
    with override("en"), pytest.raises(ValidationError, match="is not on the staff of"):
        case_accept_transfer(actor=cast.network_head, case=case, handler=cast.handler)
    assert footprint(case) == before


def _substitute(cast: Cast, username: str) -> Any:
    return StaffFactory(
        user=UserFactory(username=username, roles=[Role.HANDLER]), department=cast.service
    ).user


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
    case = build(cast, S.REGISTERED)
    case_accept(actor=cast.head, case=case, handler=cast.handler)
    assert fresh(case).handler == substitute
    event = CaseEvent.objects.get(case=case)
    assert event.data == {
        "handler": substitute.pk,
        "named_handler": cast.handler.pk,
        "covered_by": substitute.pk,
    }


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
    case = build(cast, S.AWAITING_TRANSFER)
    case_accept_transfer(actor=cast.network_head, case=case, handler=cast.network_handler)
    assert fresh(case).handler == substitute
    event = CaseEvent.objects.get(case=case)
    assert event.data == {
        "handler": substitute.pk,
        "named_handler": cast.network_handler.pk,
        "covered_by": substitute.pk,
    }


def test_it_gives_the_case_to_the_handler_once_the_absence_is_over(cast: Cast) -> None:
    substitute = _substitute(cast, "substitute")
    Absence.objects.create(
        staff=cast.handler,
        starts_at=NOW - timedelta(days=3),
        ends_at=NOW,
        substitute=substitute,
        reason="年假",
    )
    case = build(cast, S.REGISTERED)
    case_accept(actor=cast.head, case=case, handler=cast.handler)
    assert fresh(case).handler == cast.handler
    assert CaseEvent.objects.get(case=case).data == {"handler": cast.handler.pk}


def test_it_ends_pending_business_when_a_case_is_withdrawn(cast: Cast) -> None:
    awaiting = build(cast, S.AWAITING_TRANSFER)
    case_withdraw(actor=cast.desk, case=awaiting, reason="用户撤回。")
    assert Transfer.objects.get(case=awaiting).outcome == Transfer.Outcome.RETURNED

    suspended = build(cast, S.SUSPENDED)
    case_terminate(actor=cast.head, case=suspended, reason="用户失联。")
    assert Suspension.objects.get(case=suspended).ended_at == NOW


def test_it_refuses_to_act_on_a_stale_copy(cast: Cast) -> None:
    case = build(cast, S.ACCEPTED)
    stale = fresh(case)
    case_start_work(actor=cast.handler, case=fresh(case))
    before = footprint(case)
    with override("en"), pytest.raises(CaseConflict, match="changed by someone else"):
        case_resolve(actor=cast.handler, case=stale, resolution="已处理。")
    assert footprint(case) == before


def test_it_says_why_a_transition_no_longer_applies(cast: Cast) -> None:
    case = build(cast, S.CLOSED)
    with override("en"), pytest.raises(CaseConflict, match="so this action no longer applies"):
        case_close(actor=cast.head, case=case)


def test_it_refuses_a_withdrawal_by_front_desk_staff_not_on_the_case(cast: Cast) -> None:
    # The first responder is a person on the case; an unrelated front-desk clerk is not.
    other_desk = StaffFactory(
        user=UserFactory(username="desk2", roles=[Role.FRONT_DESK]), department=cast.network
    ).user
    case = build(cast, S.REGISTERED)
    before = footprint(case)
    with pytest.raises(PermissionDenied):
        case_withdraw(actor=other_desk, case=case, reason="用户撤回。")
    assert footprint(case) == before
    case_withdraw(actor=cast.desk, case=case, reason="用户撤回。")
    assert fresh(case).state == S.WITHDRAWN
