"""One time-machine scenario per rule of the default rulebook (DOMAIN §7, rules 1–14):
violations raised and confirmed at given moments through the services, and what the
rulebook proposes (or which aggregate rule fires) as a result."""

from __future__ import annotations

import pytest

from sanctions.engine import Proposal
from sanctions.models import (
    AggregateFiring,
    SanctionKind,
    SourceKind,
    Violation,
    ViolationState,
)
from sanctions.selectors import award_eligibility_department, award_eligibility_person
from sanctions.services import sanction_proposal
from tests.sanctions.conftest import (
    SanctionsCast,
    at,
    confirm,
    confirmed_finding,
    decide,
    direct,
    raise_complaint,
)

pytestmark = pytest.mark.django_db

K = SanctionKind


def proposal_for(sc: SanctionsCast, violation: Violation, person: object = None) -> Proposal:
    proposal = sanction_proposal(responsibility=direct(sc, violation, person))
    assert proposal is not None
    assert proposal.citation in proposal.explanation
    assert proposal.rule_title in proposal.explanation
    assert "seed 000 §12" in proposal.explanation  # any sanction costs the award (rule 12)
    return proposal


def test_it_applies_rule_1_a_minor_first_breach_of_the_year_gets_an_oral_warning(
    sc: SanctionsCast,
) -> None:
    violation = confirmed_finding(sc, "one-time-notice-breach", sc.handler, at(2026, 3, 2, 10))
    proposal = proposal_for(sc, violation)
    assert (proposal.rule_number, proposal.kinds, proposal.mode) == (
        1,
        (K.ORAL_WARNING, K.ADMONISHMENT_TALK),
        "any",
    )
    assert proposal.counted == ()


def test_it_applies_rule_2_a_serious_breach_gets_a_written_warning(sc: SanctionsCast) -> None:
    violation = confirmed_finding(
        sc, "substitute-missing", sc.handler, at(2026, 3, 2, 10), severity="serious"
    )
    proposal = proposal_for(sc, violation)
    assert (proposal.rule_number, proposal.kinds) == (
        2,
        (K.WRITTEN_WARNING, K.WRITTEN_SELF_CRITICISM),
    )


def test_it_applies_rule_2_the_second_breach_of_the_year_counts_the_first(
    sc: SanctionsCast,
) -> None:
    last_year = confirmed_finding(sc, "refusal-phrase", sc.handler, at(2025, 12, 30, 10))
    first = confirmed_finding(sc, "refusal-phrase", sc.handler, at(2026, 1, 5, 10))
    assert proposal_for(sc, first).rule_number == 1  # last year's does not count
    second = confirmed_finding(sc, "one-time-notice-breach", sc.handler, at(2026, 6, 5, 10))
    proposal = proposal_for(sc, second)
    assert proposal.rule_number == 2
    assert [ref.id for ref in proposal.counted] == [first.pk]
    assert f"#{first.pk}" in proposal.explanation
    assert f"#{last_year.pk}" not in proposal.explanation


def test_it_applies_rule_3_a_founded_complaint_about_attitude(sc: SanctionsCast) -> None:
    violation = confirm(sc, raise_complaint(sc, sc.handler, at(2026, 3, 2, 10)), at(2026, 3, 3, 9))
    proposal = proposal_for(sc, violation)
    assert (proposal.rule_number, proposal.kinds, proposal.mode) == (
        3,
        (K.WRITTEN_WARNING, K.CIRCULATED_CRITICISM, K.PAY_CUT),
        "all",
    )


def test_it_applies_rule_4_a_third_founded_complaint_in_a_calendar_month(sc: SanctionsCast) -> None:
    complaints = [
        confirm(sc, raise_complaint(sc, sc.handler, at(2026, 3, day, 10)), at(2026, 3, day, 15))
        for day in (2, 10)
    ]
    # The next one falls in April: two in March, one in April, no firing.
    confirm(sc, raise_complaint(sc, sc.handler, at(2026, 4, 1, 9)), at(2026, 4, 1, 15))
    assert not AggregateFiring.objects.filter(rule_number=4).exists()
    complaints.append(
        confirm(sc, raise_complaint(sc, sc.handler, at(2026, 3, 30, 10)), at(2026, 4, 2, 9))
    )
    firing = AggregateFiring.objects.get(rule_number=4)
    assert (firing.person, firing.period, firing.via) == (sc.handler, "2026-03", "confirm")
    assert sorted(row["id"] for row in firing.counted) == sorted(v.pk for v in complaints)

    raised = Violation.objects.get(firing=firing)
    assert (raised.source_kind, raised.staff, raised.state, raised.type.code) == (
        SourceKind.AGGREGATE,
        sc.handler,
        ViolationState.RAISED,
        "repeated-complaints",
    )
    proposal = proposal_for(sc, confirm(sc, raised, at(2026, 4, 3, 9)))
    assert (proposal.rule_number, proposal.kinds) == (
        4,
        (K.SUSPENSION_FROM_POST, K.BONUS_STOPPED),
    )
    assert {ref.id for ref in proposal.counted} == {v.pk for v in complaints}


@pytest.mark.parametrize(
    ("severity", "rule", "kinds"),
    [
        (
            "minor",
            5,
            (
                K.ORDER_TO_CORRECT,
                K.WRITTEN_SELF_CRITICISM,
                K.CIRCULATED_CRITICISM,
                K.ADMONISHMENT_TALK,
            ),
        ),
        ("serious", 6, (K.SUSPENSION_FOR_INVESTIGATION, K.REASSIGNMENT)),
        ("grave", 7, (K.DEMOTION, K.REMOVAL, K.RESIGNATION_ORDERED, K.DISMISSAL)),
    ],
)
def test_it_applies_rules_5_6_7_overdue_without_good_reason_by_severity(
    sc: SanctionsCast, severity: str, rule: int, kinds: tuple[str, ...]
) -> None:
    violation = confirmed_finding(sc, "breach-overdue", sc.handler, at(2026, 3, 2, 10), severity)
    proposal = proposal_for(sc, violation)
    assert (proposal.rule_number, proposal.kinds, proposal.mode) == (rule, kinds, "any")


def test_it_applies_rule_7_a_grave_attitude_case_harms_the_group_s_image(sc: SanctionsCast) -> None:
    violation = confirmed_finding(sc, "complaint-attitude", sc.handler, at(2026, 3, 2, 10), "grave")
    assert proposal_for(sc, violation).rule_number == 7


@pytest.mark.parametrize(
    ("severity", "kinds"), [("serious", (K.WRITTEN_WARNING,)), ("grave", (K.REFERRAL,))]
)
def test_it_applies_rule_8_soliciting_favours_and_grave_cases_referred(
    sc: SanctionsCast, severity: str, kinds: tuple[str, ...]
) -> None:
    violation = confirmed_finding(
        sc, "integrity-solicitation", sc.handler, at(2026, 3, 2, 10), severity
    )
    proposal = proposal_for(sc, violation)
    assert (proposal.rule_number, proposal.kinds) == (8, kinds)


def test_it_applies_rule_9_unfamiliar_with_the_work_first_then_second_time(
    sc: SanctionsCast,
) -> None:
    first = confirmed_finding(sc, "unfamiliar-with-work", sc.handler, at(2025, 11, 2, 10))
    assert proposal_for(sc, first).kinds == (K.STUDY_LEAVE,)
    # The second time, even in another year.
    second = confirmed_finding(sc, "unfamiliar-with-work", sc.handler, at(2026, 2, 2, 10))
    proposal = proposal_for(sc, second)
    assert (proposal.rule_number, proposal.kinds) == (9, (K.REASSIGNMENT,))
    assert [ref.id for ref in proposal.counted] == [first.pk]


def test_it_applies_rule_10_a_department_whose_staff_collect_two_warnings_in_a_month(
    sc: SanctionsCast,
) -> None:
    one = confirmed_finding(sc, "one-time-notice-breach", sc.handler, at(2026, 3, 2, 10))
    decide(sc, one, at(2026, 3, 3, 10))  # oral warning
    assert not AggregateFiring.objects.filter(rule_number=10).exists()
    two = confirmed_finding(sc, "one-time-notice-breach", sc.handler2, at(2026, 3, 9, 10))
    second = decide(sc, two, at(2026, 3, 10, 10))

    firing = AggregateFiring.objects.get(rule_number=10)
    assert (firing.department, firing.person, firing.period, firing.via) == (
        sc.c.service,
        None,
        "2026-03",
        "approve",
    )
    assert second.pk in [row["id"] for row in firing.counted]
    raised = Violation.objects.get(firing=firing)
    assert (raised.staff, raised.department, raised.type.code) == (
        sc.head,
        sc.c.service,
        "department-warnings",
    )
    proposal = proposal_for(sc, confirm(sc, raised, at(2026, 3, 11, 10)))
    assert (proposal.rule_number, proposal.kinds) == (10, (K.ORAL_WARNING, K.WRITTEN_WARNING))


def test_it_applies_rule_10_five_warnings_in_a_year(sc: SanctionsCast) -> None:
    people = [sc.handler, sc.handler2, sc.c.desk, sc.handler, sc.handler2]
    for month, person in enumerate(people, start=1):
        violation = confirmed_finding(
            sc, "integrity-solicitation", person, at(2026, month * 2, 2, 10)
        )
        decide(sc, violation, at(2026, month * 2, 3, 10))
    assert list(
        AggregateFiring.objects.filter(rule_number=10).values_list("period", flat=True)
    ) == ["2026"]


def test_it_applies_rule_11_a_second_warning_in_a_calendar_year(sc: SanctionsCast) -> None:
    first = confirmed_finding(sc, "one-time-notice-breach", sc.handler, at(2025, 12, 1, 10))
    decide(sc, first, at(2025, 12, 2, 10))
    second = confirmed_finding(sc, "refusal-phrase", sc.handler, at(2026, 1, 5, 10))
    decide(sc, second, at(2026, 1, 6, 10))
    assert not AggregateFiring.objects.filter(rule_number=11).exists()  # not the same year
    third = confirmed_finding(sc, "refusal-phrase", sc.handler, at(2026, 9, 5, 10))
    decide(sc, third, at(2026, 9, 6, 10))

    firing = AggregateFiring.objects.get(rule_number=11)
    assert (firing.person, firing.period) == (sc.handler, "2026")
    assert not Violation.objects.filter(firing=firing).exists()  # a consequence only
    eligibility = award_eligibility_person(person=sc.handler, year=2026)
    assert not eligibility.eligible
    assert any("seed 004" in reason and "2026" in reason for reason in eligibility.reasons)


def test_it_applies_rule_12_any_sanction_costs_person_and_department_the_year(
    sc: SanctionsCast,
) -> None:
    assert award_eligibility_person(person=sc.handler, year=2026).eligible
    violation = confirmed_finding(sc, "breach-overdue", sc.handler, at(2026, 5, 2, 10))
    decision = decide(sc, violation, at(2026, 5, 3, 10))

    person = award_eligibility_person(person=sc.handler, year=2026)
    department = award_eligibility_department(department=sc.c.service, year=2026)
    assert not person.eligible
    assert not department.eligible
    for reasons in (person.reasons, department.reasons):
        assert len(reasons) == 1
        assert "seed 000 §12" in reasons[0]
        assert f"#{decision.pk}" in reasons[0]
    assert award_eligibility_person(person=sc.handler, year=2027).eligible
    assert award_eligibility_person(person=sc.handler2, year=2026).eligible
    assert award_eligibility_department(department=sc.c.network, year=2026).eligible


def test_it_applies_rule_13_a_head_whose_staff_commit_three_serious_errors_in_three_months(
    sc: SanctionsCast,
) -> None:
    errors = [
        confirmed_finding(sc, "breach-overdue", person, when, "serious")
        for person, when in (
            (sc.handler, at(2026, 1, 20, 10)),
            (sc.handler2, at(2026, 2, 10, 10)),
        )
    ]
    # A minor one does not count, nor one four months on.
    confirmed_finding(sc, "breach-overdue", sc.handler, at(2026, 3, 5, 10), "minor")
    assert not AggregateFiring.objects.filter(rule_number=13).exists()
    errors.append(confirmed_finding(sc, "obstruction", sc.c.desk, at(2026, 3, 25, 10), "serious"))

    firing = AggregateFiring.objects.get(rule_number=13)
    assert (firing.person, firing.period) == (sc.head, "2026-03")
    assert sorted(row["id"] for row in firing.counted) == sorted(v.pk for v in errors)
    raised = Violation.objects.get(firing=firing)
    assert (raised.staff, raised.type.code) == (sc.head, "staff-serious-errors")
    proposal = proposal_for(sc, confirm(sc, raised, at(2026, 3, 26, 10)))
    assert proposal.rule_number == 13
    # The same errors are not counted again for the next months.
    confirmed_finding(sc, "breach-overdue", sc.handler, at(2026, 4, 5, 10), "serious")
    assert AggregateFiring.objects.filter(rule_number=13).count() == 1


def test_it_applies_rule_13_needs_the_errors_within_three_months(sc: SanctionsCast) -> None:
    for person, when in (
        (sc.handler, at(2026, 1, 20, 10)),
        (sc.handler2, at(2026, 2, 10, 10)),
        (sc.c.desk, at(2026, 4, 1, 10)),
    ):
        confirmed_finding(sc, "breach-overdue", person, when, "serious")
    assert not AggregateFiring.objects.filter(rule_number=13).exists()


def test_it_applies_rule_14_disclosing_a_complainant_needs_leadership_approval(
    sc: SanctionsCast,
) -> None:
    violation = confirmed_finding(sc, "complainant-disclosed", sc.handler, at(2026, 3, 2, 10))
    proposal = proposal_for(sc, violation)
    assert (proposal.rule_number, proposal.kinds) == (14, (K.WRITTEN_WARNING, K.REASSIGNMENT))
    decision = decide(sc, violation, at(2026, 3, 3, 10))
    assert decision.decided_by == sc.leader  # reassignment is organisational
