"""Maker-checker and recusal: the proposer never approves; the accused (the violation's
staff member, or anyone responsible for it) never reviews, assigns, proposes, approves
or serves anything about themselves; leadership approves organisational and
disciplinary kinds."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext

from accountability.roles import Role
from sanctions.models import ResponsibilityKind, SanctionKind
from sanctions.services import (
    appeal_record,
    responsibility_assign,
    review_record,
    sanction_approve,
    sanction_propose,
    sanction_refuse,
    sanction_serve,
    violation_confirm,
    violation_raise_complaint,
    violation_raise_finding,
    violation_review,
)
from tests.deadlines.conftest import open_case
from tests.factories import StaffFactory, UserFactory
from tests.sanctions.conftest import (
    SanctionsCast,
    at,
    confirmed_finding,
    decide,
    direct,
    raise_finding,
    vtype,
)

pytestmark = pytest.mark.django_db

K = SanctionKind
RECUSAL = "You are named in this matter, so you cannot act on it (recusal)."


def _message(error: pytest.ExceptionInfo[PermissionDenied]) -> str:
    return str(error.value)


def test_it_never_lets_the_proposer_approve_or_refuse(sc: SanctionsCast) -> None:
    violation = confirmed_finding(sc, "one-time-notice-breach", sc.handler, at(2026, 3, 2, 10))
    decision = sanction_propose(
        actor=sc.inspector, responsibility=direct(sc, violation), chosen_kinds=[K.ORAL_WARNING]
    )
    for call in (
        lambda: sanction_approve(actor=sc.inspector, decision=decision),
        lambda: sanction_refuse(actor=sc.inspector, decision=decision, reason="不同意"),
    ):
        with pytest.raises(PermissionDenied) as refused:
            call()
        assert _message(refused) == gettext(
            "You proposed this sanction, so someone else must decide on it."
        )
    assert sanction_approve(actor=sc.inspector2, decision=decision).decided_by == sc.inspector2


def test_it_keeps_organisational_and_disciplinary_kinds_for_leadership(
    sc: SanctionsCast,
) -> None:
    violation = confirmed_finding(sc, "breach-overdue", sc.handler, at(2026, 3, 2, 10), "serious")
    decision = sanction_propose(
        actor=sc.inspector, responsibility=direct(sc, violation), chosen_kinds=[K.REASSIGNMENT]
    )
    for outsider in (sc.inspector2, sc.head, sc.c.outsider):
        with pytest.raises(PermissionDenied):
            sanction_approve(actor=outsider, decision=decision)
    assert sanction_approve(actor=sc.leader, decision=decision).decided_by == sc.leader


def test_it_lets_neither_department_heads_nor_others_approve_admonitions(
    sc: SanctionsCast,
) -> None:
    violation = confirmed_finding(sc, "one-time-notice-breach", sc.handler, at(2026, 3, 2, 10))
    decision = sanction_propose(
        actor=sc.inspector, responsibility=direct(sc, violation), chosen_kinds=[K.ORAL_WARNING]
    )
    for outsider in (sc.head, sc.handler2, sc.c.outsider):
        with pytest.raises(PermissionDenied):
            sanction_approve(actor=outsider, decision=decision)
    assert sanction_approve(actor=sc.leader, decision=decision).decided_by == sc.leader


@pytest.fixture
def accused_inspector(sc: SanctionsCast) -> User:
    """An inspector who is themselves the subject of a violation."""
    return StaffFactory(
        user=UserFactory(username="inspector3", roles=[Role.INSPECTION_OFFICE]),
        department=sc.inspector.staff.department,
    ).user


def test_it_keeps_the_accused_from_reviewing_confirming_or_assigning(
    sc: SanctionsCast, accused_inspector: User
) -> None:
    violation = raise_finding(sc, "breach-overdue", accused_inspector, at(2026, 3, 2, 10))
    with pytest.raises(PermissionDenied) as refused:
        violation_review(actor=accused_inspector, violation=violation)
    assert _message(refused) == gettext(RECUSAL)
    violation = violation_review(actor=sc.inspector, violation=violation)
    with pytest.raises(PermissionDenied):
        violation_confirm(actor=accused_inspector, violation=violation)
    violation = violation_confirm(actor=sc.inspector, violation=violation, adverse_effect=False)
    with pytest.raises(PermissionDenied):
        responsibility_assign(
            actor=accused_inspector,
            violation=violation,
            person=sc.handler,
            kind=ResponsibilityKind.DIRECT,
        )


def test_it_keeps_a_person_responsible_from_proposing_approving_or_serving(
    sc: SanctionsCast, accused_inspector: User
) -> None:
    violation = confirmed_finding(sc, "breach-overdue", sc.handler, at(2026, 3, 2, 10))
    # The accused inspector carries leadership responsibility for it.
    responsibility_assign(
        actor=sc.inspector,
        violation=violation,
        person=accused_inspector,
        kind=ResponsibilityKind.IMPORTANT_LEADERSHIP,
    )
    responsibility = direct(sc, violation)
    with pytest.raises(PermissionDenied):
        sanction_propose(
            actor=accused_inspector,
            responsibility=responsibility,
            chosen_kinds=[K.ORDER_TO_CORRECT],
        )
    decision = sanction_propose(
        actor=sc.inspector, responsibility=responsibility, chosen_kinds=[K.ORDER_TO_CORRECT]
    )
    with pytest.raises(PermissionDenied):
        sanction_approve(actor=accused_inspector, decision=decision)
    decision = sanction_approve(actor=sc.inspector2, decision=decision)
    with pytest.raises(PermissionDenied):
        sanction_serve(actor=accused_inspector, decision=decision, signed_by=sc.leader)


def test_it_keeps_a_leader_from_approving_on_a_matter_they_answer_for(
    sc: SanctionsCast,
) -> None:
    violation = confirmed_finding(sc, "breach-overdue", sc.handler, at(2026, 3, 2, 10), "serious")
    responsibility_assign(
        actor=sc.inspector,
        violation=violation,
        person=sc.leader,
        kind=ResponsibilityKind.IMPORTANT_LEADERSHIP,
    )
    decision = sanction_propose(
        actor=sc.inspector, responsibility=direct(sc, violation), chosen_kinds=[K.REASSIGNMENT]
    )
    with pytest.raises(PermissionDenied) as refused:
        sanction_approve(actor=sc.leader, decision=decision)
    assert _message(refused) == gettext(RECUSAL)


def test_it_gives_an_administrator_no_way_around_recusal(sc: SanctionsCast) -> None:
    sc.inspector2.is_superuser = True
    sc.inspector2.save()
    violation = raise_finding(sc, "breach-overdue", sc.inspector2, at(2026, 3, 2, 10))
    with pytest.raises(PermissionDenied):
        violation_review(actor=sc.inspector2, violation=violation)


def test_it_lets_nobody_raise_a_matter_about_themselves(sc: SanctionsCast) -> None:
    with pytest.raises(PermissionDenied):
        violation_raise_finding(
            actor=sc.inspector, type=vtype("breach-overdue"), finding="自查", staff=sc.inspector
        )
    with pytest.raises(PermissionDenied):
        violation_raise_complaint(
            actor=sc.inspector,
            case=open_case(sc.c),
            staff=sc.inspector,
            type=vtype("complaint-attitude"),
        )


def test_it_keeps_the_sanctioned_and_the_proposer_from_recording_appeals_or_reviews(
    sc: SanctionsCast, accused_inspector: User
) -> None:
    violation = confirmed_finding(
        sc, "one-time-notice-breach", accused_inspector, at(2026, 3, 2, 10)
    )
    decision = decide(sc, violation, at(2026, 3, 3, 10))
    with pytest.raises(PermissionDenied):
        appeal_record(actor=accused_inspector, decision=decision, kind="appeal", grounds="不服")
    appeal = appeal_record(actor=sc.inspector2, decision=decision, kind="appeal", grounds="不服")
    with pytest.raises(PermissionDenied):  # nor the proposer reviews their own proposal
        review_record(
            actor=sc.inspector, decision=decision, outcome="upheld", note="维持", appeal=appeal
        )
    review = review_record(
        actor=sc.inspector2, decision=decision, outcome="upheld", note="维持", appeal=appeal
    )
    assert review.appeal == appeal
