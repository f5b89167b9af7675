"""Appeals and reviews of decisions, the same complaint raised twice, and the reads the
pages use (flat query counts)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils.translation import gettext

from sanctions.models import AppealKind, ReviewOutcome, SanctionKind
from sanctions.selectors import (
    award_eligibility_person,
    decision_get,
    decision_register,
    violation_get,
    violation_queue,
)
from sanctions.services import appeal_record, review_record, violation_raise_complaint
from tests.deadlines.conftest import open_case
from tests.sanctions.conftest import (
    SanctionsCast,
    at,
    confirmed_finding,
    decide,
    raise_finding,
    vtype,
)

pytestmark = pytest.mark.django_db


def test_it_stops_counting_a_quashed_decision(sc: SanctionsCast) -> None:
    violation = confirmed_finding(sc, "breach-overdue", sc.handler, at(2026, 5, 2, 10))
    decision = decide(sc, violation, at(2026, 5, 3, 10))
    assert not award_eligibility_person(person=sc.handler, year=2026).eligible
    appeal = appeal_record(
        actor=sc.inspector2, decision=decision, kind=AppealKind.APPEAL, grounds="超时系系统故障"
    )
    with pytest.raises(ValidationError):
        review_record(actor=sc.inspector2, decision=decision, outcome="quashed", note=" ")
    review_record(
        actor=sc.inspector2,
        decision=decision,
        outcome=ReviewOutcome.QUASHED,
        note="经复查,系系统故障所致",
        appeal=appeal,
    )
    assert award_eligibility_person(person=sc.handler, year=2026).eligible
    assert [event.action for event in decision_get(pk=decision.pk).events.all()][-2:] == [
        "appeal",
        "review",
    ]


def test_it_counts_a_reduced_decision_with_its_new_kinds(sc: SanctionsCast) -> None:
    first = confirmed_finding(sc, "integrity-solicitation", sc.handler, at(2026, 3, 2, 10), "minor")
    decision = decide(sc, first, at(2026, 3, 3, 10), kinds=[SanctionKind.WRITTEN_WARNING])
    with pytest.raises(ValidationError):  # reduced needs the kinds that stand now
        review_record(actor=sc.inspector2, decision=decision, outcome="varied", note="改")
    review_record(
        actor=sc.inspector2,
        decision=decision,
        outcome=ReviewOutcome.VARIED,
        note="情节较轻,改为通报批评",
        varied_kinds=[SanctionKind.CIRCULATED_CRITICISM],
    )
    # The reduced decision is no longer a warning: a second warning does not fire rule 11.
    second = confirmed_finding(
        sc, "integrity-solicitation", sc.handler, at(2026, 6, 2, 10), "minor"
    )
    decide(sc, second, at(2026, 6, 3, 10), kinds=[SanctionKind.WRITTEN_WARNING])
    eligibility = award_eligibility_person(person=sc.handler, year=2026)
    assert eligibility.eligible
    assert any(
        f"#{decision.pk}" in text
        and gettext("reduced on review to a sanction that is not a warning") in text
        for text in eligibility.not_counted
    )


def test_it_raises_the_same_complaint_about_the_same_person_once(sc: SanctionsCast) -> None:
    case = open_case(sc.c)
    violation_raise_complaint(
        actor=sc.inspector, case=case, staff=sc.handler, type=vtype("complaint-attitude")
    )
    with pytest.raises(ValidationError):
        violation_raise_complaint(
            actor=sc.inspector, case=case, staff=sc.handler, type=vtype("complaint-attitude")
        )
    # Another person named in the same complaint is another violation.
    violation_raise_complaint(
        actor=sc.inspector, case=case, staff=sc.handler2, type=vtype("complaint-attitude")
    )


def test_it_reads_the_queue_and_the_register_in_flat_query_counts(
    sc: SanctionsCast, django_assert_num_queries: Any
) -> None:
    for month in (3, 5, 7):  # one warning a month: no aggregate rule fires
        raise_finding(sc, "breach-overdue", sc.handler, at(2026, month, 2, 10))
        violation = confirmed_finding(
            sc, "one-time-notice-breach", sc.handler2, at(2026, month, 2, 11)
        )
        decide(sc, violation, at(2026, month, 2, 12))
    with django_assert_num_queries(1):
        rows = [(v.type.name, v.staff, v.department.name, v.case) for v in violation_queue()]
    assert len(rows) == 3
    with django_assert_num_queries(1):
        register = [
            (d.person, d.department.name, d.rule.citation, d.violation.type.name, d.decided_by)
            for d in decision_register(year=2026)
        ]
    assert len(register) == 3
    assert list(decision_register(year=2025)) == []
    with django_assert_num_queries(4):
        shown = violation_get(pk=violation.pk)
        _ = [(e.actor, e.action) for e in shown.events.all()]
        _ = [(r.person, r.kind) for r in shown.responsibilities.all()]
        _ = [(d.person, d.rule.number) for d in shown.decisions.all()]
