"""The inspection office's demo records."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from sanctions.models import DecisionState, SanctionDecision, Violation, ViolationState

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
            ViolationState.UNDER_REVIEW,
            ViolationState.DISMISSED,
        ]
    )
    served = SanctionDecision.objects.get(state=DecisionState.SERVED)
    assert served.notice_number is not None
    assert served.unit_head is not None
    assert served.unit_head.username == "service_head"
    assert served.self_criticism_due_at is not None
    assert SanctionDecision.objects.filter(state=DecisionState.PROPOSED).count() == 1
    call_command("demo_sanctions", stdout=StringIO())
    assert Violation.objects.count() == 4
