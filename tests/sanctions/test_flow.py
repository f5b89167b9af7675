"""A violation from raise to a completed sanction, and the refusals on the way."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext

from accountability.models import AuditEntry
from sanctions.models import (
    DecisionState,
    DismissalReason,
    ResponsibilityKind,
    SanctionDecision,
    SanctionKind,
    SanctionNotificationKind,
    Violation,
    ViolationEvent,
    ViolationState,
)
from sanctions.selectors import sanction_notifications_for
from sanctions.services import (
    SanctionConflict,
    responsibility_assign,
    responsibility_suggest,
    sanction_approve,
    sanction_complete,
    sanction_proposal,
    sanction_propose,
    sanction_refuse,
    sanction_serve,
    self_criticism_record,
    violation_confirm,
    violation_dismiss,
    violation_raise_finding,
    violation_review,
)
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


def test_it_takes_a_violation_from_raised_to_a_completed_written_warning(
    sc: SanctionsCast,
) -> None:
    violation = raise_finding(sc, "one-time-notice-breach", sc.handler, at(2026, 3, 2, 10))
    assert violation.state == ViolationState.RAISED
    with time_machine.travel(at(2026, 3, 3, 10), tick=False):
        violation = violation_review(actor=sc.inspector, violation=violation)
        # It drew a founded complaint: rule 2's written warning (DOMAIN §7).
        violation = violation_confirm(
            actor=sc.inspector,
            violation=violation,
            adverse_effect=True,
            adverse_effect_note="市民投诉补正材料被反复要求,查证属实",
        )
    assert violation.state == ViolationState.CONFIRMED
    assert list(
        ViolationEvent.objects.filter(violation=violation).values_list("action", flat=True)
    ) == ["raise", "review", "confirm"]

    responsibility = direct(sc, violation)
    proposal = sanction_proposal(responsibility=responsibility)
    assert proposal is not None
    assert proposal.rule_number == 2
    decision = sanction_propose(
        actor=sc.inspector,
        responsibility=responsibility,
        chosen_kinds=[K.WRITTEN_WARNING],
    )
    assert decision.state == DecisionState.PROPOSED
    assert decision.departure_reason == ""
    assert decision.rule.number == 2
    assert "《优化服务措施和效能惩戒制度》" in decision.explanation
    decision = sanction_approve(actor=sc.inspector2, decision=decision)

    served = at(2026, 3, 5, 9)
    decision = sanction_serve(
        actor=sc.inspector, decision=decision, signed_by=sc.leader, served_at=served
    )
    assert decision.state == DecisionState.SERVED
    assert decision.notice_number == "GJ2026-0001"
    assert decision.unit_head == sc.head
    assert decision.unit_head_told_at == served
    # Thursday 5 March: the 7 days run 6–12 March, to 24:00 on Thursday 12 March.
    assert decision.self_criticism_due_at == at(2026, 3, 13)
    told = list(sanction_notifications_for(user=sc.head))
    assert [(n.decision, n.kind, n.created_at) for n in told] == [
        (decision, SanctionNotificationKind.UNIT_HEAD_TOLD, served)
    ]
    with pytest.raises(SanctionConflict):
        sanction_complete(actor=sc.inspector, decision=decision)
    with pytest.raises(ValidationError):  # the unit head countersigns, nobody else
        self_criticism_record(actor=sc.inspector, decision=decision, countersigned_by=sc.leader)
    decision = self_criticism_record(
        actor=sc.inspector,
        decision=decision,
        countersigned_by=sc.head,
        received_at=served + timedelta(days=6),
    )
    assert decision.state == DecisionState.SELF_CRITICISM_RECEIVED
    assert not decision.self_criticism_late
    decision = sanction_complete(actor=sc.inspector, decision=decision)
    assert decision.state == DecisionState.COMPLETED
    assert AuditEntry.objects.filter(action__startswith="sanction.").count() == 5


def test_it_records_a_late_self_criticism_as_late(sc: SanctionsCast) -> None:
    violation = confirmed_finding(
        sc, "integrity-solicitation", sc.handler, at(2026, 3, 2, 10), "minor"
    )
    decision = decide(sc, violation, at(2026, 3, 3, 10), kinds=[K.WRITTEN_WARNING])
    served = at(2026, 3, 4, 10)
    decision = sanction_serve(
        actor=sc.inspector, decision=decision, signed_by=sc.leader, served_at=served
    )
    decision = self_criticism_record(
        actor=sc.inspector,
        decision=decision,
        countersigned_by=sc.head,
        received_at=at(2026, 3, 12, 0, 1),  # a minute after 24:00 on 11 March
    )
    assert decision.self_criticism_late


def test_it_numbers_warning_notices_per_year(sc: SanctionsCast) -> None:
    numbers = []
    for month, person in ((3, sc.handler), (4, sc.handler2)):
        violation = confirmed_finding(
            sc, "integrity-solicitation", person, at(2026, month, 2, 10), "minor"
        )
        decision = decide(sc, violation, at(2026, month, 3, 10), kinds=[K.WRITTEN_WARNING])
        served = sanction_serve(
            actor=sc.inspector,
            decision=decision,
            signed_by=sc.leader,
            served_at=at(2026, month, 4, 10),
        )
        numbers.append(served.notice_number)
    assert numbers == ["GJ2026-0001", "GJ2026-0002"]


def test_it_serves_an_oral_warning_without_a_notice_and_completes_it(sc: SanctionsCast) -> None:
    violation = confirmed_finding(sc, "one-time-notice-breach", sc.handler, at(2026, 3, 2, 10))
    decision = decide(sc, violation, at(2026, 3, 3, 10))
    assert decision.chosen_kinds == [K.ORAL_WARNING]
    decision = sanction_serve(actor=sc.inspector, decision=decision, signed_by=sc.leader)
    assert decision.notice_number is None
    assert decision.self_criticism_due_at is None
    assert sanction_complete(actor=sc.inspector, decision=decision).state == DecisionState.COMPLETED


def test_it_dismisses_with_a_good_reason_or_a_written_one(sc: SanctionsCast) -> None:
    first = raise_finding(sc, "breach-overdue", sc.handler, at(2026, 3, 2, 10))
    first = violation_dismiss(
        actor=sc.inspector, violation=first, reason=DismissalReason.CITIZEN_DELAY
    )
    assert (first.state, first.dismissal_reason) == (
        ViolationState.DISMISSED,
        DismissalReason.CITIZEN_DELAY,
    )
    second = raise_finding(sc, "breach-overdue", sc.handler, at(2026, 3, 2, 11))
    with pytest.raises(ValidationError):
        violation_dismiss(actor=sc.inspector, violation=second, reason=DismissalReason.OTHER)
    with pytest.raises(ValidationError):
        violation_dismiss(actor=sc.inspector, violation=second, reason="bored")
    second = violation_dismiss(
        actor=sc.inspector, violation=second, reason=DismissalReason.OTHER, note="系统故障"
    )
    assert second.dismissal_note == "系统故障"
    with pytest.raises(SanctionConflict):  # dismissed is final
        violation_review(actor=sc.inspector, violation=second)


def test_it_suggests_responsibility_along_the_organisation_chain(sc: SanctionsCast) -> None:
    violation = confirmed_finding(sc, "breach-overdue", sc.handler, at(2026, 3, 2, 10))
    suggested = [(s.person, s.kind) for s in responsibility_suggest(violation=violation)]
    assert suggested == [
        (sc.handler, ResponsibilityKind.DIRECT),
        (sc.head, ResponsibilityKind.PRIMARY_LEADERSHIP),
        (sc.leader, ResponsibilityKind.IMPORTANT_LEADERSHIP),
    ]
    of_head = confirmed_finding(sc, "breach-overdue", sc.head, at(2026, 3, 2, 11))
    assert [(s.person, s.kind) for s in responsibility_suggest(violation=of_head)] == [
        (sc.head, ResponsibilityKind.DIRECT),
        (sc.leader, ResponsibilityKind.PRIMARY_LEADERSHIP),
    ]


def test_it_requires_a_reason_to_depart_from_the_proposal(sc: SanctionsCast) -> None:
    violation = confirmed_finding(sc, "one-time-notice-breach", sc.handler, at(2026, 3, 2, 10))
    responsibility = direct(sc, violation)
    with pytest.raises(ValidationError) as refused:
        sanction_propose(
            actor=sc.inspector, responsibility=responsibility, chosen_kinds=[K.CIRCULATED_CRITICISM]
        )
    assert gettext(
        "The sanctions chosen depart from the rulebook's proposal: give the reason."
    ) in str(refused.value)
    decision = sanction_propose(
        actor=sc.inspector,
        responsibility=responsibility,
        chosen_kinds=[K.CIRCULATED_CRITICISM],
        departure_reason="影响较大,需通报",
    )
    assert decision.proposed_kinds == [K.ORAL_WARNING, K.CRITICISM_EDUCATION]
    assert decision.departure_reason == "影响较大,需通报"
    assert decision.rule.number == 1  # the rule it departed from


def test_it_refuses_and_allows_a_new_proposal(sc: SanctionsCast) -> None:
    violation = confirmed_finding(sc, "one-time-notice-breach", sc.handler, at(2026, 3, 2, 10))
    responsibility = direct(sc, violation)
    decision = sanction_propose(
        actor=sc.inspector, responsibility=responsibility, chosen_kinds=[K.ORAL_WARNING]
    )
    with pytest.raises(SanctionConflict):  # one pending decision per responsibility
        sanction_propose(
            actor=sc.inspector, responsibility=responsibility, chosen_kinds=[K.ORAL_WARNING]
        )
    with pytest.raises(ValidationError):
        sanction_refuse(actor=sc.inspector2, decision=decision, reason=" ")
    refused = sanction_refuse(actor=sc.inspector2, decision=decision, reason="情节显著轻微")
    assert refused.state == DecisionState.REFUSED
    again = sanction_propose(
        actor=sc.inspector, responsibility=responsibility, chosen_kinds=[K.CRITICISM_EDUCATION]
    )
    assert again.state == DecisionState.PROPOSED


def test_it_keeps_the_maker_checker_rule_in_the_database_too(sc: SanctionsCast) -> None:
    violation = confirmed_finding(sc, "one-time-notice-breach", sc.handler, at(2026, 3, 2, 10))
    decision = sanction_propose(
        actor=sc.inspector, responsibility=direct(sc, violation), chosen_kinds=[K.ORAL_WARNING]
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        SanctionDecision.objects.filter(pk=decision.pk).update(decided_by=sc.inspector)


def test_it_assigns_responsibility_only_on_a_confirmed_violation(sc: SanctionsCast) -> None:
    violation = raise_finding(sc, "breach-overdue", sc.handler, at(2026, 3, 2, 10))
    with pytest.raises(SanctionConflict):
        responsibility_assign(
            actor=sc.inspector,
            violation=violation,
            person=sc.handler,
            kind=ResponsibilityKind.DIRECT,
        )


def test_it_refuses_a_stale_copy(sc: SanctionsCast) -> None:
    violation = raise_finding(sc, "breach-overdue", sc.handler, at(2026, 3, 2, 10))
    violation_review(actor=sc.inspector, violation=violation)
    with pytest.raises(SanctionConflict):
        violation_dismiss(
            actor=sc.inspector2, violation=violation, reason=DismissalReason.FORCE_MAJEURE
        )


def test_it_lets_nobody_outside_the_inspection_office_review(sc: SanctionsCast) -> None:
    violation = raise_finding(sc, "breach-overdue", sc.handler, at(2026, 3, 2, 10))
    for outsider in (sc.head, sc.leader, sc.c.outsider):
        with pytest.raises(PermissionDenied):
            violation_review(actor=outsider, violation=violation)


def test_it_refuses_bad_findings_and_hand_made_aggregate_violations(sc: SanctionsCast) -> None:
    with pytest.raises(ValidationError):
        violation_raise_finding(
            actor=sc.inspector, type=vtype("breach-overdue"), finding=" ", staff=sc.handler
        )
    with pytest.raises(ValidationError):  # nobody and no department
        violation_raise_finding(actor=sc.inspector, type=vtype("breach-overdue"), finding="x")
    with pytest.raises(ValidationError):
        violation_raise_finding(
            actor=sc.inspector, type=vtype("repeated-complaints"), finding="x", staff=sc.handler
        )
    with pytest.raises(ValidationError):
        violation_raise_finding(
            actor=sc.inspector,
            type=vtype("breach-overdue"),
            finding="x",
            staff=sc.handler,
            severity="catastrophic",
        )
    assert not Violation.objects.exists()
    # A finding about a department, with nobody named yet.
    about_department = violation_raise_finding(
        actor=sc.inspector,
        type=vtype("poor-execution"),
        finding="整改不力",
        department=sc.c.network,
    )
    assert (about_department.staff, about_department.department) == (None, sc.c.network)
