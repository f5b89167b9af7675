"""The case state machine through its services: every transition from every state, by
every member of the cast; what every service shares (the stale-copy check, the message of
a transition that no longer applies, one event and one version per call).

The expected table is written out here from the specification, not read from the
transitions' own metadata, so a change to a transition's sources or permission shows up
as a failing cell. What each transition does besides moving the state is tested with its
stage: test_opening, test_transfers, test_working and test_finishing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import override

from accountability.roles import Role
from deadlines.models import (
    Case,
    CaseEvent,
    CaseState,
    ClockKind,
    ExtensionRequest,
    FeedbackEntry,
    MatterKind,
    Suspension,
)
from deadlines.services.cases import (
    CaseConflict,
    case_accept,
    case_accept_transfer,
    case_answer,
    case_assign,
    case_close,
    case_decide_extension,
    case_escalate,
    case_instruct,
    case_log_feedback,
    case_new_lookup_secret,
    case_rate,
    case_reject,
    case_request_extension,
    case_request_review,
    case_resolve,
    case_resume,
    case_return_transfer,
    case_send_back,
    case_start_work,
    case_supervise,
    case_suspend,
    case_terminate,
    case_transfer,
    case_withdraw,
)
from tests.deadlines.cases.support import build, footprint, fresh, suspend_kwargs, the_running
from tests.deadlines.conftest import Cast, local, open_case
from tests.factories import StaffFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]

K = ClockKind
A = FeedbackEntry.Audience
W = FeedbackEntry.Channel
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
        suspend_kwargs,
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


# -- what every service shares ----------------------------------------------------------


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


def test_it_writes_one_event_and_one_version_per_service(cast: Cast) -> None:
    handler2 = StaffFactory(
        user=UserFactory(username="handler2", roles=[Role.HANDLER]), department=cast.service
    ).user
    with time_machine.travel(local(6, 1, 9), tick=False) as traveller:
        case = open_case(cast, matter_kind=MatterKind.PETITION)
        assert fresh(case).version == 1
        opened = CaseEvent.objects.get(case=case)
        assert (opened.action, opened.from_state, opened.to_state, opened.actor) == (
            "open",
            "",
            "registered",
            cast.desk,
        )
        extension: list[ExtensionRequest] = []

        def ask(c: Case) -> None:
            extension.append(
                case_request_extension(
                    actor=handler2,
                    case=c,
                    clock=the_running(c, K.CLOSURE),
                    amount=5,
                    reason="需现场勘查。",
                )
            )

        steps: list[tuple[str, Callable[[Case], Any]]] = [
            ("accept", lambda c: case_accept(actor=cast.head, case=c, handler=cast.handler)),
            ("assign", lambda c: case_assign(actor=cast.head, case=c, handler=handler2)),
            ("start_work", lambda c: case_start_work(actor=handler2, case=c)),
            (
                "supervise",
                lambda c: case_supervise(
                    actor=cast.head, case=c, supervisor=cast.inspector, reason="跟踪督办。"
                ),
            ),
            (
                "escalate",
                lambda c: case_escalate(
                    actor=handler2, case=c, leader=cast.leader, reason="重大。"
                ),
            ),
            (
                "feedback",
                lambda c: case_log_feedback(
                    actor=handler2, case=c, audience=A.LEADER, channel=W.WRITTEN, content="汇报。"
                ),
            ),
            (
                "instruct",
                lambda c: case_instruct(
                    actor=cast.leader,
                    case=c,
                    instruction="十日内办结。",
                    department=cast.service,
                    amount=10,
                    unit="calendar_days",
                ),
            ),
            ("request_extension", ask),
            (
                "approve_extension",
                lambda c: case_decide_extension(
                    actor=cast.head,
                    case=c,
                    extension=extension[0],
                    approve=True,
                    citizen_told_at=extension[0].requested_at,
                    notice_channel=W.PHONE,
                    notice="已电话告知延期5日及理由。",
                ),
            ),
            (
                "suspend",
                lambda c: case_suspend(
                    actor=handler2,
                    case=c,
                    kind=Suspension.Kind.HEARING,
                    expected_end=local(6, 3),
                    place="会议室",
                    citizen_notice="听证期间不计时。",
                ),
            ),
            ("resume", lambda c: case_resume(actor=handler2, case=c)),
            (
                "transfer",
                lambda c: case_transfer(
                    actor=cast.head, case=c, to_department=cast.network, handover_note="转办。"
                ),
            ),
            (
                "accept_transfer",
                lambda c: case_accept_transfer(
                    actor=cast.network_head, case=c, handler=cast.network_handler
                ),
            ),
            (
                "resolve",
                lambda c: case_resolve(actor=cast.network_handler, case=c, resolution="已处理。"),
            ),
            (
                "send_back",
                lambda c: case_send_back(actor=cast.network_head, case=c, reason="缺少照片。"),
            ),
            (
                "resolve",
                lambda c: case_resolve(actor=cast.network_handler, case=c, resolution="已补充。"),
            ),
            ("close", lambda c: case_close(actor=cast.network_head, case=c)),
            (
                "rate",
                lambda c: case_rate(actor=cast.desk, case=c, rating=5, caused_by_unit=False),
            ),
            (
                "request_review",
                lambda c: case_request_review(actor=cast.desk, case=c, reason="有异议。"),
            ),
            (
                "terminate",
                lambda c: case_terminate(actor=cast.network_head, case=c, reason="用户失联。"),
            ),
        ]
        for action, call in steps:
            traveller.shift(600)
            _one_event_and_version(case, action, call)

        other = open_case(cast)
        traveller.shift(600)
        _one_event_and_version(
            other, "new_lookup_secret", lambda c: case_new_lookup_secret(actor=cast.desk, case=c)
        )
        for action, call in [
            (
                "transfer",
                lambda c: case_transfer(
                    actor=cast.desk, case=c, to_department=cast.network, handover_note="转办。"
                ),
            ),
            (
                "return_transfer",
                lambda c: case_return_transfer(actor=cast.network_head, case=c, reason="误转。"),
            ),
            ("reject", lambda c: case_reject(actor=cast.desk, case=c, reason="不予受理。")),
        ]:
            traveller.shift(600)
            _one_event_and_version(other, action, call)

        third = open_case(cast)
        traveller.shift(600)
        _one_event_and_version(
            third, "withdraw", lambda c: case_withdraw(actor=cast.desk, case=c, reason="撤回。")
        )

        fourth = open_case(cast, matter_kind=MatterKind.CONSULTATION)
        traveller.shift(600)
        _one_event_and_version(
            fourth, "answer", lambda c: case_answer(actor=cast.desk, case=c, answer="已解答。")
        )


def _one_event_and_version(case: Case, action: str, call: Callable[[Case], Any]) -> None:
    before = fresh(case)
    events = CaseEvent.objects.filter(case=case).count()
    call(before)
    after = fresh(case)
    assert after.version == before.version + 1, action
    assert CaseEvent.objects.filter(case=case).count() == events + 1, action
    event = CaseEvent.objects.filter(case=case).latest("id")
    assert (event.action, event.from_state, event.to_state) == (
        action,
        before.state,
        after.state,
    )
