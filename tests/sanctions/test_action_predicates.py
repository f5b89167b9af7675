"""The conditions a violation's and a decision's steps are offered on (sanctions.rules,
asked by accountability.actions): what the matter itself must be for the step."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from sanctions.models import DecisionState, SanctionDecision, Violation, ViolationState
from sanctions.models.kinds import SanctionKind as K
from sanctions.rules import (
    is_decision_standing,
    is_referred_out,
    is_violation_confirmed,
    owes_self_criticism,
)

ANYONE = AnonymousUser()


def _decision(*kinds: str, state: str = DecisionState.PROPOSED) -> SanctionDecision:
    return SanctionDecision(chosen_kinds=list(kinds), state=state)


def test_disciplinary_kinds_are_referred_out() -> None:
    assert is_referred_out.test(ANYONE, _decision(K.DEMERIT)) is True
    # The highest authority decides a mix: a disciplinary kind among others is referred.
    assert is_referred_out.test(ANYONE, _decision(K.WRITTEN_WARNING, K.REFERRAL)) is True
    assert is_referred_out.test(ANYONE, _decision(K.WRITTEN_WARNING)) is False
    assert is_referred_out.test(ANYONE, _decision(K.DEMOTION)) is False


def test_a_self_criticism_is_owed_only_where_a_kind_asks_for_one() -> None:
    assert owes_self_criticism.test(ANYONE, _decision(K.WRITTEN_SELF_CRITICISM)) is True
    assert owes_self_criticism.test(ANYONE, _decision(K.ORAL_WARNING)) is False


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        (DecisionState.PROPOSED, False),
        (DecisionState.REFUSED, False),
        (DecisionState.REFERRED, False),
        (DecisionState.APPROVED, True),
        (DecisionState.SERVED, True),
        (DecisionState.SELF_CRITICISM_RECEIVED, True),
        (DecisionState.COMPLETED, True),
    ],
)
def test_only_a_standing_decision_is_appealed_or_reviewed(state: str, expected: bool) -> None:
    decision = _decision(K.ORAL_WARNING, state=state)
    assert is_decision_standing.test(ANYONE, decision) is expected


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        (ViolationState.RAISED, False),
        (ViolationState.UNDER_REVIEW, False),
        (ViolationState.CONFIRMED, True),
        (ViolationState.DISMISSED, False),
    ],
)
def test_responsibility_is_assigned_only_on_a_confirmed_violation(
    state: str, expected: bool
) -> None:
    assert is_violation_confirmed.test(ANYONE, Violation(state=state)) is expected


def test_no_condition_holds_of_no_matter() -> None:
    for predicate in (
        is_referred_out,
        owes_self_criticism,
        is_decision_standing,
        is_violation_confirmed,
    ):
        assert predicate.test(ANYONE, None) is False, predicate
