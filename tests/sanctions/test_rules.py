"""One time-machine scenario per rule of the default rulebook (DOMAIN §7, rules 1–16), each
at its edge, firing and not firing:
violations raised and confirmed at given moments through the services, and what the
rulebook proposes (or which aggregate rule fires) as a result."""

from __future__ import annotations

from datetime import datetime

import pytest
import time_machine

from sanctions.engine import Proposal
from sanctions.models import (
    AggregateFiring,
    Rule,
    SanctionKind,
    SourceKind,
    Violation,
    ViolationState,
)
from sanctions.selectors import award_eligibility_department, award_eligibility_person
from sanctions.services import (
    rulebook_current,
    sanction_proposal,
    violation_confirm,
    violation_review,
)
from tests.sanctions.conftest import (
    SanctionsCast,
    at,
    confirm,
    confirmed_finding,
    decide,
    direct,
    raise_complaint,
    raise_finding,
)

pytestmark = pytest.mark.django_db

K = SanctionKind


def proposal_for(sc: SanctionsCast, violation: Violation, person: object = None) -> Proposal:
    proposal = sanction_proposal(responsibility=direct(sc, violation, person))
    assert proposal is not None
    assert proposal.citation in proposal.explanation
    assert proposal.citation.startswith("《")  # the regulation by its title
    assert proposal.rule_title in proposal.explanation
    return proposal


def rule_12_citation() -> str:
    """《title》article of rule 12 (award eligibility) in the rulebook in force."""
    return Rule.objects.get(version=rulebook_current(), number=12).citation


def complaint_about(sc: SanctionsCast, code: str, staff: object, when: datetime) -> Violation:
    """A founded complaint of type `code`, confirmed at once."""
    return confirm(sc, raise_complaint(sc, staff, when, code), when)


# -- rules 1 and 2: the service duties -----------------------------------------------------


@pytest.mark.parametrize(
    "code",
    [
        "first-contact-failure",
        "one-time-notice-breach",
        "substitute-missing",
        "appointment-callback-missed",
    ],
)
def test_it_applies_rule_1_to_a_minor_breach_of_the_service_duties(
    sc: SanctionsCast, code: str
) -> None:
    violation = confirmed_finding(sc, code, sc.handler, at(2026, 3, 2, 10))
    proposal = proposal_for(sc, violation)
    assert (proposal.rule_number, proposal.kinds, proposal.mode) == (
        1,
        (K.ORAL_WARNING, K.CRITICISM_EDUCATION),
        "any",
    )
    assert proposal.counted == ()
    assert rule_12_citation() not in proposal.explanation  # rule 12 is not about it


def test_it_applies_rule_2_once_the_breach_drew_a_founded_complaint(sc: SanctionsCast) -> None:
    violation = complaint_about(sc, "first-contact-failure", sc.handler, at(2026, 3, 2, 10))
    proposal = proposal_for(sc, violation)
    assert (proposal.rule_number, proposal.kinds, proposal.mode) == (
        2,
        (K.WRITTEN_WARNING,),
        "all",
    )


def test_it_keeps_rule_1_for_a_serious_breach_nobody_complained_about(sc: SanctionsCast) -> None:
    violation = confirmed_finding(
        sc, "substitute-missing", sc.handler, at(2026, 3, 2, 10), severity="serious"
    )
    assert proposal_for(sc, violation).rule_number == 1


# -- rules 3 and 4: complaints -------------------------------------------------------------


def test_it_applies_rule_3_a_founded_complaint_about_attitude(sc: SanctionsCast) -> None:
    violation = confirm(sc, raise_complaint(sc, sc.handler, at(2026, 3, 2, 10)), at(2026, 3, 3, 9))
    proposal = proposal_for(sc, violation)
    assert (proposal.rule_number, proposal.kinds, proposal.mode) == (
        3,
        (K.PAY_CUT, K.CIRCULATED_CRITICISM),
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
        confirm(sc, raise_complaint(sc, sc.handler, at(2026, 3, 31, 23, 59)), at(2026, 4, 2, 9))
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


# -- rules 5, 6, 7: time limits missed, by severity and effect ----------------------------


FIVE = (
    K.ORDER_TO_CORRECT,
    K.WRITTEN_SELF_CRITICISM,
    K.PUBLIC_APOLOGY,
    K.CIRCULATED_CRITICISM,
    K.ADMONISHMENT_TALK,
)


@pytest.mark.parametrize(
    ("severity", "adverse", "rule", "kinds"),
    [
        ("minor", True, 5, FIVE),
        ("serious", True, 6, (K.SUSPENSION_FOR_INVESTIGATION, K.REASSIGNMENT)),
        ("grave", True, 7, (K.RESIGNATION_ORDERED, K.DEMOTION, K.REMOVAL, K.DISMISSAL)),
        # No complaint, no adverse effect: rule 5 at most, whatever the severity.
        ("serious", False, 5, FIVE),
        ("grave", False, 5, FIVE),
    ],
)
def test_it_applies_rules_5_6_7_to_a_missed_limit_by_severity_and_effect(
    sc: SanctionsCast, severity: str, adverse: bool, rule: int, kinds: tuple[str, ...]
) -> None:
    violation = raise_finding(sc, "breach-overdue", sc.handler, at(2026, 3, 2, 10), severity)
    with time_machine.travel(at(2026, 3, 2, 11), tick=False):
        violation = violation_review(actor=sc.inspector, violation=violation)
        violation = violation_confirm(
            actor=sc.inspector,
            violation=violation,
            adverse_effect=adverse,
            adverse_effect_note="市民投诉并经媒体报道" if adverse else "",
        )
    proposal = proposal_for(sc, violation)
    assert (proposal.rule_number, proposal.kinds, proposal.mode) == (rule, kinds, "any")
    assert rule_12_citation() in proposal.explanation  # rule 12 names rules 5–7


def test_it_applies_rule_7_a_grave_attitude_case_harms_the_group_s_image(sc: SanctionsCast) -> None:
    violation = confirmed_finding(sc, "complaint-attitude", sc.handler, at(2026, 3, 2, 10), "grave")
    assert proposal_for(sc, violation).rule_number == 7


# -- rules 8 and 9 -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("severity", "kinds"),
    [
        ("minor", (K.ORAL_WARNING, K.WRITTEN_WARNING)),
        (
            "serious",
            (
                K.DISCIPLINARY_WARNING,
                K.SERIOUS_WARNING,
                K.DEMERIT,
                K.MAJOR_DEMERIT,
                K.SUSPENSION_FROM_POST,
                K.DISMISSAL,
                K.REFERRAL,
            ),
        ),
    ],
)
def test_it_applies_rule_8_soliciting_favours_by_gravity(
    sc: SanctionsCast, severity: str, kinds: tuple[str, ...]
) -> None:
    violation = confirmed_finding(
        sc, "integrity-solicitation", sc.handler, at(2026, 3, 2, 10), severity
    )
    proposal = proposal_for(sc, violation)
    assert (proposal.rule_number, proposal.kinds, proposal.mode) == (8, kinds, "any")


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


# -- rules 10 and 11: warnings -------------------------------------------------------------


def test_it_applies_rule_10_a_department_whose_staff_collect_two_warnings_in_a_month(
    sc: SanctionsCast,
) -> None:
    one = confirmed_finding(sc, "one-time-notice-breach", sc.handler, at(2026, 3, 2, 10))
    decide(sc, one, at(2026, 3, 3, 10), kinds=[K.ORAL_WARNING])
    assert not AggregateFiring.objects.filter(rule_number=10).exists()
    two = confirmed_finding(sc, "one-time-notice-breach", sc.handler2, at(2026, 3, 9, 10))
    second = decide(sc, two, at(2026, 3, 31, 23, 59), kinds=[K.ORAL_WARNING])

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
    proposal = proposal_for(sc, confirm(sc, raised, at(2026, 4, 1, 10)))
    assert (proposal.rule_number, proposal.kinds) == (10, (K.ORAL_WARNING, K.WRITTEN_WARNING))


def test_it_does_not_apply_rule_10_to_warnings_in_two_months(sc: SanctionsCast) -> None:
    for staff, (month, day) in ((sc.handler, (3, 31)), (sc.handler2, (4, 1))):
        violation = confirmed_finding(sc, "first-contact-failure", staff, at(2026, month, 2, 10))
        decide(sc, violation, at(2026, month, day, 10), kinds=[K.ORAL_WARNING])
    assert not AggregateFiring.objects.filter(rule_number=10).exists()


def test_it_applies_rule_10_five_warnings_in_a_year(sc: SanctionsCast) -> None:
    people = [sc.handler, sc.handler2, sc.c.desk, sc.handler, sc.handler2]
    for month, person in enumerate(people, start=1):
        violation = confirmed_finding(
            sc, "integrity-solicitation", person, at(2026, month * 2, 2, 10), "minor"
        )
        decide(sc, violation, at(2026, month * 2, 3, 10), kinds=[K.ORAL_WARNING])
        periods = list(
            AggregateFiring.objects.filter(rule_number=10).values_list("period", flat=True)
        )
        assert periods == (["2026"] if month == 5 else [])


def test_it_applies_rule_11_a_second_warning_in_a_calendar_year(sc: SanctionsCast) -> None:
    first = confirmed_finding(sc, "one-time-notice-breach", sc.handler, at(2025, 12, 1, 10))
    decide(sc, first, at(2025, 12, 31, 23, 59), kinds=[K.ORAL_WARNING])
    second = confirmed_finding(sc, "first-contact-failure", sc.handler, at(2026, 1, 5, 10))
    decide(sc, second, at(2026, 1, 6, 10), kinds=[K.ORAL_WARNING])
    assert not AggregateFiring.objects.filter(rule_number=11).exists()  # not the same year
    assert award_eligibility_person(person=sc.handler, year=2026).eligible
    third = confirmed_finding(sc, "first-contact-failure", sc.handler, at(2026, 9, 5, 10))
    decide(sc, third, at(2026, 9, 6, 10), kinds=[K.ORAL_WARNING])

    firing = AggregateFiring.objects.get(rule_number=11)
    assert (firing.person, firing.period) == (sc.handler, "2026")
    assert not Violation.objects.filter(firing=firing).exists()  # a consequence only
    eligibility = award_eligibility_person(person=sc.handler, year=2026)
    assert not eligibility.eligible
    assert any("《" in reason and "2026" in reason for reason in eligibility.lost_by)


# -- rule 12: the measures of its regulation, and the decision's subject ------------------


def test_it_applies_rule_12_an_accountability_measure_costs_the_person_the_year(
    sc: SanctionsCast,
) -> None:
    assert award_eligibility_person(person=sc.handler, year=2026).eligible
    violation = confirmed_finding(sc, "breach-overdue", sc.handler, at(2026, 5, 2, 10))
    decision = decide(sc, violation, at(2026, 5, 3, 10), kinds=[K.ORDER_TO_CORRECT])

    person = award_eligibility_person(person=sc.handler, year=2026)
    department = award_eligibility_department(department=sc.c.service, year=2026)
    assert not person.eligible
    assert len(person.lost_by) == 1
    assert f"#{decision.pk}" in person.lost_by[0]
    assert "《" in person.lost_by[0]
    # The decision is about a person: the department keeps its eligibility, and says why.
    assert department.eligible
    assert f"#{decision.pk}" in department.not_counted[0]
    assert award_eligibility_person(person=sc.handler, year=2027).eligible
    assert award_eligibility_person(person=sc.handler2, year=2026).eligible


def test_it_does_not_apply_rule_12_to_a_measure_of_another_regulation(sc: SanctionsCast) -> None:
    violation = confirm(sc, raise_complaint(sc, sc.handler, at(2026, 3, 2, 10)), at(2026, 3, 3, 9))
    decide(sc, violation, at(2026, 3, 4, 10), kinds=[K.PAY_CUT, K.CIRCULATED_CRITICISM])
    assert award_eligibility_person(person=sc.handler, year=2026).eligible


# -- rule 13: leadership-team members ------------------------------------------------------


def test_it_applies_rule_13_to_the_leader_whose_staff_err_seriously_three_times_in_three_months(
    sc: SanctionsCast,
) -> None:
    errors = [
        confirmed_finding(sc, "breach-overdue", person, when, "serious")
        for person, when in (
            (sc.handler, at(2026, 1, 1, 10)),
            (sc.handler2, at(2026, 2, 10, 10)),
        )
    ]
    # A minor one does not count.
    confirmed_finding(sc, "breach-overdue", sc.handler, at(2026, 3, 5, 10), "minor")
    assert not AggregateFiring.objects.filter(rule_number=13).exists()
    errors.append(confirmed_finding(sc, "obstruction", sc.c.desk, at(2026, 3, 31, 10), "serious"))

    firing = AggregateFiring.objects.get(rule_number=13)
    assert (firing.person, firing.period) == (sc.leader, "2026-03")
    assert sorted(row["id"] for row in firing.counted) == sorted(v.pk for v in errors)
    raised = Violation.objects.get(firing=firing)
    assert (raised.staff, raised.type.code) == (sc.leader, "staff-serious-errors")
    proposal = proposal_for(sc, confirm(sc, raised, at(2026, 4, 1, 10)))
    assert proposal.rule_number == 13
    # The same errors are not counted again for the next months.
    confirmed_finding(sc, "breach-overdue", sc.handler, at(2026, 4, 5, 10), "serious")
    assert AggregateFiring.objects.filter(rule_number=13).count() == 1


def test_it_does_not_apply_rule_13_to_errors_over_four_months(sc: SanctionsCast) -> None:
    for person, when in (
        (sc.handler, at(2026, 1, 31, 10)),
        (sc.handler2, at(2026, 2, 10, 10)),
        (sc.c.desk, at(2026, 4, 1, 10)),
    ):
        confirmed_finding(sc, "breach-overdue", person, when, "serious")
    assert not AggregateFiring.objects.filter(rule_number=13).exists()


# -- rules 14, 15, 16 ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("severity", "kinds"),
    [
        ("minor", (K.CRITICISM_EDUCATION, K.CIRCULATED_CRITICISM)),
        ("serious", (K.REASSIGNMENT, K.SUSPENSION_FOR_INVESTIGATION, K.DEMOTION, K.REMOVAL)),
    ],
)
def test_it_applies_rule_14_disclosing_a_complainant_by_gravity(
    sc: SanctionsCast, severity: str, kinds: tuple[str, ...]
) -> None:
    violation = confirmed_finding(
        sc, "complainant-disclosed", sc.handler, at(2026, 3, 2, 10), severity
    )
    proposal = proposal_for(sc, violation)
    assert (proposal.rule_number, proposal.kinds, proposal.mode) == (14, kinds, "any")


def test_it_applies_rule_15_an_economic_penalty_for_a_leak_not_handled(sc: SanctionsCast) -> None:
    violation = confirmed_finding(sc, "leak-not-handled", sc.c.network_handler, at(2026, 3, 2, 10))
    proposal = proposal_for(sc, violation)
    assert (proposal.rule_number, proposal.kinds, proposal.mode) == (
        15,
        (K.PAY_CUT, K.BONUS_STOPPED),
        "any",
    )


def test_it_applies_rule_16_the_unit_and_its_head_lose_the_year(sc: SanctionsCast) -> None:
    violation = confirmed_finding(sc, "careless-service", sc.head, at(2026, 3, 2, 10))
    proposal = proposal_for(sc, violation)
    assert (proposal.rule_number, proposal.kinds, proposal.subject_is_department) == (
        16,
        (K.AWARD_INELIGIBILITY,),
        True,
    )
    assert award_eligibility_department(department=sc.c.service, year=2026).eligible
    decision = decide(sc, violation, at(2026, 3, 3, 10))
    assert decision.subject_is_department
    assert not award_eligibility_department(department=sc.c.service, year=2026).eligible
    assert not award_eligibility_person(person=sc.head, year=2026).eligible
    assert award_eligibility_department(department=sc.c.network, year=2026).eligible
