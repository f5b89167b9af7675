"""The conditions the case page's actions are offered on (deadlines.rules, asked by
accountability.actions): what the case itself must be, which neither the state machine
nor a permission says."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth.models import AnonymousUser

from deadlines.models import Case, CaseState, ClockKind, MatterKind
from deadlines.rules import (
    decides_pending_extension,
    has_extendable_clock,
    is_case_open,
    is_open_report,
    is_report,
    is_simple_complaint,
    is_staff_complaint_kind,
    may_become_complex,
)
from deadlines.services.cases import (
    COMPLEX,
    case_accept,
    case_decide_extension,
    case_request_extension,
)
from tests.deadlines.conftest import Cast, open_case

ANYONE = AnonymousUser()
# Monday 1 June 2026, 09:00: an ordinary working week.
MONDAY = datetime(2026, 6, 1, 9, tzinfo=ZoneInfo("Asia/Shanghai"))


def _case(kind: str = MatterKind.COMPLAINT, state: str = CaseState.IN_PROGRESS, **f: str) -> Case:
    return Case(matter_kind=kind, state=state, **f)


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        (CaseState.REGISTERED, True),
        (CaseState.SUSPENDED, True),
        (CaseState.RESOLVED, True),
        (CaseState.CLOSED, False),
        (CaseState.REJECTED, False),
        (CaseState.TERMINATED, False),
        (CaseState.WITHDRAWN, False),
    ],
)
def test_a_case_is_open_until_it_ends(state: str, expected: bool) -> None:
    assert is_case_open.test(ANYONE, _case(state=state)) is expected


def test_no_condition_holds_of_no_case() -> None:
    for predicate in (
        is_case_open,
        is_staff_complaint_kind,
        has_extendable_clock,
        decides_pending_extension,
        is_simple_complaint,
        is_report,
        may_become_complex,
        is_open_report,
    ):
        assert predicate.test(ANYONE, None) is False, predicate


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        (MatterKind.COMPLAINT, True),
        (MatterKind.REPORT, True),
        (MatterKind.PETITION, False),
        (MatterKind.APPLICATION, False),
    ],
)
def test_staff_are_named_only_on_a_complaint_or_a_report(kind: str, expected: bool) -> None:
    assert is_staff_complaint_kind.test(ANYONE, _case(kind)) is expected


def test_only_an_open_complaint_not_yet_complex_may_become_complex() -> None:
    assert may_become_complex.test(ANYONE, _case()) is True
    assert may_become_complex.test(ANYONE, _case(variant=COMPLEX)) is False
    assert may_become_complex.test(ANYONE, _case(MatterKind.PETITION)) is False
    assert may_become_complex.test(ANYONE, _case(state=CaseState.CLOSED)) is False
    assert is_simple_complaint.test(ANYONE, _case(state=CaseState.CLOSED)) is True


def test_an_agreement_is_recorded_only_on_an_open_report() -> None:
    assert is_open_report.test(ANYONE, _case(MatterKind.REPORT)) is True
    assert is_open_report.test(ANYONE, _case(MatterKind.REPORT, CaseState.CLOSED)) is False
    assert is_open_report.test(ANYONE, _case()) is False
    assert is_report.test(ANYONE, _case(MatterKind.REPORT, CaseState.CLOSED)) is True


@pytest.mark.django_db
def test_more_time_is_asked_only_on_an_open_case_with_an_extendable_clock(cast: Cast) -> None:
    with time_machine.travel(MONDAY, tick=False):
        complaint = case_accept(actor=cast.handler, case=open_case(cast))
        petition = open_case(cast, matter_kind=MatterKind.PETITION)
        petition = case_accept(actor=cast.head, case=petition, handler=cast.handler)
        # A complaint's 2 days cannot be extended; a petition's 30 days can.
        assert has_extendable_clock.test(cast.handler, complaint) is False
        assert has_extendable_clock.test(cast.handler, petition) is True
    # Past its deadline a clock is no longer extended.
    with time_machine.travel(MONDAY + timedelta(days=60), tick=False):
        assert has_extendable_clock.test(cast.handler, petition) is False


@pytest.mark.django_db
def test_an_extension_is_decided_by_its_approver_while_it_waits(cast: Cast) -> None:
    with time_machine.travel(MONDAY, tick=False):
        petition = open_case(cast, matter_kind=MatterKind.PETITION)
        petition = case_accept(actor=cast.head, case=petition, handler=cast.handler)
        assert decides_pending_extension.test(cast.head, petition) is False  # none waits
        extension = case_request_extension(
            actor=cast.handler,
            case=petition,
            clock=petition.clocks.get(kind=ClockKind.CLOSURE),
            amount=20,
            reason="需现场勘查",
        )
        petition.refresh_from_db()
        assert decides_pending_extension.test(cast.head, petition) is True
        assert decides_pending_extension.test(cast.handler, petition) is False
        case_decide_extension(
            actor=cast.head, case=petition, extension=extension, approve=False, note="不予延期"
        )
        petition.refresh_from_db()
        assert decides_pending_extension.test(cast.head, petition) is False
