"""A violation's and a sanction decision's state always follows from their history
(issue 21, item 9): the database refuses, when the transaction commits, a state written
without the event that records the step, whoever writes it."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, transaction

from sanctions.models import DecisionEvent, SanctionDecision, Violation, ViolationEvent
from tests.sanctions.conftest import SanctionsCast, at, confirm, decide, raise_finding, sc

__all__ = ["sc"]

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_a_violations_state_written_without_its_event_is_refused_at_commit(
    sc: SanctionsCast,
) -> None:
    violation = raise_finding(sc, "one-time-notice-breach", sc.handler, at(2026, 6, 1, 10))
    # Through the services: each step appends its event, and every commit is accepted.
    violation = confirm(sc, violation, at(2026, 6, 2, 10))
    assert (
        violation.state == ViolationEvent.objects.filter(violation=violation).latest("id").to_state
    )
    # Written directly, without the event: refused when the transaction commits.
    refused = pytest.raises(DatabaseError, match="does not follow from its history")
    with refused, transaction.atomic():
        Violation.objects.filter(pk=violation.pk).update(state="under_review")
    assert Violation.objects.get(pk=violation.pk).state == violation.state
    # A version bump that leaves the state alone is no step and passes.
    with transaction.atomic():
        Violation.objects.filter(pk=violation.pk).update(version=violation.version + 1)


def test_a_decisions_state_written_without_its_event_is_refused_at_commit(
    sc: SanctionsCast,
) -> None:
    violation = confirm(
        sc,
        raise_finding(sc, "one-time-notice-breach", sc.handler, at(2026, 6, 1, 10)),
        at(2026, 6, 2, 10),
    )
    decision = decide(sc, violation, at(2026, 6, 3, 10))
    assert decision.state == DecisionEvent.objects.filter(decision=decision).latest("id").to_state
    refused = pytest.raises(DatabaseError, match="does not follow from its history")
    with refused, transaction.atomic():
        SanctionDecision.objects.filter(pk=decision.pk).update(state="proposed")
    assert SanctionDecision.objects.get(pk=decision.pk).state == decision.state
