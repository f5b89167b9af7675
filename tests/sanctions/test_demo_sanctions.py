"""The inspection office's demo records."""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from sanctions.models import (
    DecisionState,
    SanctionDecision,
    SourceKind,
    Violation,
    ViolationState,
)
from sanctions.selectors import decisions_awaiting

pytestmark = pytest.mark.django_db


def test_it_adds_violations_and_decisions_once() -> None:
    for command in ("load_defaults", "demo_seed", "load_catalogue", "demo_cases"):
        call_command(command, stdout=StringIO())
    call_command("demo_sanctions", stdout=StringIO())
    states = sorted(Violation.objects.values_list("state", flat=True))
    assert states == sorted(
        [
            ViolationState.CONFIRMED,
            ViolationState.CONFIRMED,
            ViolationState.CONFIRMED,
            ViolationState.CONFIRMED,
            ViolationState.UNDER_REVIEW,
            ViolationState.DISMISSED,
            ViolationState.RAISED,
        ]
    )
    # The founded complaint about a refusal on the hotline made its flag a violation.
    complaint = Violation.objects.get(
        source_kind=SourceKind.COMPLAINT, type__code="first-contact-failure"
    )
    assert complaint.finding
    flagged = Violation.objects.get(source_kind=SourceKind.REFUSAL_FLAG)
    assert (flagged.case, flagged.staff) == (complaint.case, complaint.staff)
    served = SanctionDecision.objects.get(state=DecisionState.SERVED)
    assert served.notice_number is not None
    assert served.unit_head is not None
    assert served.unit_head.username == "service_head"
    assert served.self_criticism_due_at is not None
    assert served.signed_by is not None
    assert served.signed_by.username == "leader"  # the leading group's principal leader
    assert SanctionDecision.objects.filter(state=DecisionState.PROPOSED).count() == 3
    # Something waits for each deciding body: the leading group (a warning), the
    # inspection office head (an admonishment talk), the leader supervising billing (an
    # economic measure).
    waiting = {
        username: sorted(
            kind for decision in decisions_awaiting(user=user) for kind in decision.chosen_kinds
        )
        for username, user in (
            (name, get_user_model().objects.get(username=name))
            for name in ("leader", "leader2", "inspection_head", "inspector")
        )
    }
    assert "oral_warning" in waiting["leader"]
    assert "pay_cut" in waiting["leader"]
    assert waiting["leader2"] == ["oral_warning"]
    assert "admonishment_talk" in waiting["inspection_head"]
    assert waiting["inspector"] == []
    call_command("demo_sanctions", stdout=StringIO())
    assert Violation.objects.count() == 7
