"""The worked examples of issue 19, against the revised DOMAIN §7: what the rulebook
proposes, what it counts, and what a review or an appeal undoes. Each runs through the
services at fixed moments (time_machine), as the inspection office works."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
import time_machine
from django.utils.translation import gettext

from accountability.models import LeadingGroup
from deadlines.models import Case
from intake.models import ItemKind, NoticeBreach, ServiceItem, ServiceItemMaterial
from intake.services.catalogue import service_item_create
from intake.services.notice import material_request, notice_issue
from sanctions.models import (
    AggregateFiring,
    DismissalReason,
    FiringWithdrawal,
    ReviewOutcome,
    SanctionKind,
    SourceKind,
    Violation,
    ViolationState,
)
from sanctions.selectors import award_eligibility_department, award_eligibility_person
from sanctions.services import (
    review_record,
    sanction_proposal,
    sanction_serve,
    self_criticism_record,
    violation_raise_complaint,
    violation_set_aside,
    violations_raise_from_sources,
)
from sanctions.services.decisions import self_criticism_due
from tests.deadlines.conftest import open_case
from tests.sanctions.conftest import (
    SanctionsCast,
    at,
    confirm,
    confirmed_finding,
    decide,
    direct,
    vtype,
)

pytestmark = pytest.mark.django_db

K = SanctionKind


def complaint(
    sc: SanctionsCast, case: Case, staff: Any, when: datetime, code: str = "complaint-attitude"
) -> Violation:
    """A founded complaint about `staff` on `case`, confirmed the same day."""
    with time_machine.travel(when, tick=False):
        violation = violation_raise_complaint(
            actor=sc.inspector, case=case, staff=staff, type=vtype(code), occurred_at=when
        )
    return confirm(sc, violation, when)


def new_case(sc: SanctionsCast, when: datetime) -> Case:
    with time_machine.travel(when, tick=False):
        return open_case(sc.c)


# -- the written self-criticism's 7 days (DOMAIN §3, Civil Code) ----------------------------


def test_it_ends_the_self_criticism_week_on_the_next_working_day_after_national_day(
    sc: SanctionsCast,
) -> None:
    # Served Wed 30 September: the 7 days run 1–7 October; 7 October is a holiday, so
    # the period ends at 24:00 on Thursday 8 October (00:00 on the 9th).
    assert self_criticism_due(at(2026, 9, 30, 10)) == at(2026, 10, 9)
    # An ordinary week: served Monday 1 June, due 24:00 Monday 8 June.
    assert self_criticism_due(at(2026, 6, 1, 10)) == at(2026, 6, 9)
    # Served on a Saturday: the 7th day is a Saturday, rolled to Monday 24:00.
    assert self_criticism_due(at(2026, 6, 6, 10)) == at(2026, 6, 16)


def test_it_takes_a_self_criticism_handed_in_on_8_october_as_on_time(sc: SanctionsCast) -> None:
    violation = complaint(
        sc,
        new_case(sc, at(2026, 9, 28, 9)),
        sc.handler,
        at(2026, 9, 28, 10),
        "first-contact-failure",
    )
    decision = decide(sc, violation, at(2026, 9, 29, 10), kinds=[K.WRITTEN_WARNING])
    principal = LeadingGroup.objects.get().principal_leader
    with time_machine.travel(at(2026, 9, 30, 10), tick=False):
        decision = sanction_serve(
            actor=sc.inspector,
            decision=decision,
            signed_by=principal,
            served_at=at(2026, 9, 30, 10),
        )
    with time_machine.travel(at(2026, 10, 8, 9), tick=False):
        decision = self_criticism_record(
            actor=sc.inspector,
            decision=decision,
            countersigned_by=decision.unit_head,
            received_at=at(2026, 10, 8, 9),
        )
    assert decision.self_criticism_due_at == at(2026, 10, 9)
    assert not decision.self_criticism_late


# -- rule 4 counts complaints, not violations ----------------------------------------------


def test_it_counts_a_complaint_with_two_violation_types_once(sc: SanctionsCast) -> None:
    first = new_case(sc, at(2026, 3, 2, 9))
    attitude = complaint(sc, first, sc.handler, at(2026, 3, 2, 10))
    slow = complaint(sc, first, sc.handler, at(2026, 3, 2, 10), "complaint-efficiency")
    second = complaint(sc, new_case(sc, at(2026, 3, 9, 9)), sc.handler, at(2026, 3, 9, 10))
    # Three violations, two complaints: no suspension from post.
    assert not AggregateFiring.objects.filter(rule_number=4).exists()

    third = complaint(sc, new_case(sc, at(2026, 3, 20, 9)), sc.handler, at(2026, 3, 20, 10))
    firing = AggregateFiring.objects.get(rule_number=4)
    assert sorted(row["id"] for row in firing.counted) == sorted([attitude.pk, second.pk, third.pk])
    once = gettext("the same complaint as violation #%(id)s: a complaint counts once")
    assert [(row["id"], row["reason"]) for row in firing.not_counted] == [
        (slow.pk, once % {"id": attitude.pk})
    ]
    raised = confirm(sc, Violation.objects.get(firing=firing), at(2026, 3, 21, 9))
    proposal = sanction_proposal(responsibility=direct(sc, raised))
    assert proposal is not None
    assert proposal.rule_number == 4
    assert f"#{slow.pk}" in proposal.explanation  # named as not counted, with why


# -- one breach per notice -----------------------------------------------------------------


def test_it_raises_one_notice_breach_for_two_materials_the_notice_left_out(
    sc: SanctionsCast,
) -> None:
    case = new_case(sc, at(2026, 6, 3, 9))
    with time_machine.travel(at(2026, 6, 3, 9), tick=False):
        service_item_create(
            actor=None,
            item=ServiceItem(
                code="new-connection",
                name="新装用水",
                kind=ItemKind.JOINT,
                department=sc.c.service,
                legal_basis="《城市供水条例》",
                conditions="管网覆盖范围内。",
                quantity_limit="一户一表。",
                procedure="受理、勘查、通水。",
                fee_standard="免费",
                refusal_reasons="材料虚假。",
                statutory_limit_amount=20,
                statutory_limit_unit="working_days",
                promised_limit_amount=15,
                promised_limit_unit="working_days",
            ),
            materials=[ServiceItemMaterial(name="申请表", form_requirements="原件1份")],
        )
        notice_issue(
            actor=sc.c.desk,
            case=case,
            item_code="new-connection",
            statuses={"申请表": "missing"},
        )
    for day, material in ((4, "户口本"), (5, "房产证")):
        with time_machine.travel(at(2026, 6, day, 9), tick=False):
            material_request(actor=sc.handler, case=case, material=material)
    violations_raise_from_sources(now=at(2026, 6, 5, 12))
    violations_raise_from_sources(now=at(2026, 6, 5, 13))
    violations = list(Violation.objects.filter(source_kind=SourceKind.NOTICE_BREACH))
    assert len(violations) == 1
    assert NoticeBreach.objects.filter(notice__case=case).count() == 2  # both on record
    violation = confirm(sc, violations[0], at(2026, 6, 8, 9))
    proposal = sanction_proposal(responsibility=direct(sc, violation))
    assert proposal is not None
    assert proposal.rule_number == 1
    assert K.CRITICISM_EDUCATION in proposal.kinds


# -- award eligibility: one warning is not two ---------------------------------------------


def test_it_keeps_award_eligibility_after_a_single_oral_warning(sc: SanctionsCast) -> None:
    violation = confirmed_finding(sc, "first-contact-failure", sc.handler, at(2026, 4, 1, 10))
    warning = decide(sc, violation, at(2026, 4, 2, 10), kinds=[K.ORAL_WARNING])
    person = award_eligibility_person(person=sc.handler, year=2026)
    department = award_eligibility_department(department=sc.c.service, year=2026)
    assert (person.eligible, person.lost_by) == (True, ())
    assert (department.eligible, department.lost_by) == (True, ())
    # Each names the warning it looked at and says why it did not cost the year.
    ref = f"#{warning.pk}"
    assert [ref in text for text in person.not_counted] == [True, True]  # rules 11, 12
    why = gettext("it is about a person, not the department (no decision names the department)")
    assert [(ref in text, why in text) for text in department.not_counted] == [(True, True)]


def test_it_undoes_a_second_warning_quashed_on_appeal(sc: SanctionsCast) -> None:
    first = confirmed_finding(sc, "first-contact-failure", sc.handler, at(2026, 4, 1, 10))
    second = confirmed_finding(sc, "substitute-missing", sc.handler, at(2026, 5, 4, 10))
    decisions = [
        decide(sc, first, at(2026, 4, 2, 10), kinds=[K.ORAL_WARNING]),
        decide(sc, second, at(2026, 5, 5, 10), kinds=[K.ORAL_WARNING]),
    ]
    firing = AggregateFiring.objects.get(rule_number=11, person=sc.handler, period="2026")
    assert not award_eligibility_person(person=sc.handler, year=2026).eligible

    for decision, day in zip(decisions, (10, 11), strict=True):
        with time_machine.travel(at(2026, 6, day, 10), tick=False):
            review_record(
                actor=sc.inspector2,
                decision=decision,
                outcome=ReviewOutcome.QUASHED,
                note="申诉成立:当日系系统故障",
            )
    withdrawal = FiringWithdrawal.objects.get(firing=firing)
    assert f"#{decisions[0].pk}" in withdrawal.reason
    assert {row["id"] for row in withdrawal.no_longer_counted} == {decisions[0].pk}
    eligibility = award_eligibility_person(person=sc.handler, year=2026)
    assert eligibility.eligible
    assert len(eligibility.not_counted) == 2  # both quashed warnings, with why

    # A later breach is a first one: one more warning does not fire rule 11 again, and
    # the competence rule (first / second time) counts no quashed record.
    third = confirmed_finding(sc, "appointment-callback-missed", sc.handler, at(2026, 7, 1, 10))
    decide(sc, third, at(2026, 7, 2, 10), kinds=[K.ORAL_WARNING])
    assert AggregateFiring.objects.filter(rule_number=11, withdrawal__isnull=True).count() == 0
    assert award_eligibility_person(person=sc.handler, year=2026).eligible


def test_it_treats_a_breach_after_a_quashed_one_as_the_first(sc: SanctionsCast) -> None:
    earlier = confirmed_finding(sc, "unfamiliar-with-work", sc.handler, at(2026, 2, 2, 10))
    decision = decide(sc, earlier, at(2026, 2, 3, 10))
    with time_machine.travel(at(2026, 3, 1, 10), tick=False):
        review_record(
            actor=sc.inspector2,
            decision=decision,
            outcome=ReviewOutcome.QUASHED,
            note="复核认定不属实",
        )
    later = confirmed_finding(sc, "unfamiliar-with-work", sc.handler, at(2026, 5, 2, 10))
    proposal = sanction_proposal(responsibility=direct(sc, later))
    assert proposal is not None
    assert (proposal.rule_number, proposal.kinds) == (9, (K.STUDY_LEAVE,))  # first time
    assert f"#{earlier.pk}" in proposal.explanation  # shown as not counted


def test_it_withdraws_what_a_violation_dismissed_on_review_had_made_fire(
    sc: SanctionsCast,
) -> None:
    complaints = [
        complaint(sc, new_case(sc, at(2026, 3, day, 9)), sc.handler, at(2026, 3, day, 10))
        for day in (2, 9, 16)
    ]
    firing = AggregateFiring.objects.get(rule_number=4)
    raised = Violation.objects.get(firing=firing)
    with time_machine.travel(at(2026, 4, 1, 10), tick=False):
        violation_set_aside(
            actor=sc.inspector2,
            violation=complaints[1],
            reason=DismissalReason.NOT_FOUNDED,
            note="复核发现投诉人认错了工号",
        )
    assert Violation.objects.get(pk=complaints[1].pk).state == ViolationState.DISMISSED
    assert FiringWithdrawal.objects.filter(firing=firing).exists()
    raised.refresh_from_db()
    assert (raised.state, raised.dismissal_reason) == (
        ViolationState.DISMISSED,
        DismissalReason.BASIS_WITHDRAWN,
    )
    # Another complaint in March reaches three standing ones again: the rule fires anew.
    complaint(sc, new_case(sc, at(2026, 3, 30, 9)), sc.handler, at(2026, 3, 30, 10))
    assert AggregateFiring.objects.filter(rule_number=4, withdrawal__isnull=True).count() == 1


# -- rule 10 counts the head's staff only --------------------------------------------------


def test_it_leaves_the_heads_own_warning_out_of_rule_10(sc: SanctionsCast) -> None:
    for staff, day in ((sc.handler, 2), (sc.handler2, 9)):
        violation = confirmed_finding(sc, "first-contact-failure", staff, at(2026, 3, day, 10))
        decide(sc, violation, at(2026, 3, day + 1, 10), kinds=[K.ORAL_WARNING])
    march = AggregateFiring.objects.get(rule_number=10, period="2026-03")
    assert march.department == sc.c.service

    head = confirmed_finding(sc, "first-contact-failure", sc.head, at(2026, 4, 1, 9))
    decide(sc, head, at(2026, 4, 1, 15), kinds=[K.ORAL_WARNING])
    staff = confirmed_finding(sc, "substitute-missing", sc.handler, at(2026, 4, 10, 10))
    decide(sc, staff, at(2026, 4, 11, 10), kinds=[K.ORAL_WARNING])
    assert not AggregateFiring.objects.filter(rule_number=10, period="2026-04").exists()
    assert not AggregateFiring.objects.filter(rule_number=10, period="2026").exists()


# -- repeat is not escalation --------------------------------------------------------------


def test_it_proposes_rule_1_again_for_a_second_minor_first_contact_breach(
    sc: SanctionsCast,
) -> None:
    first = confirmed_finding(sc, "first-contact-failure", sc.handler, at(2026, 3, 2, 10))
    decide(sc, first, at(2026, 3, 3, 10), kinds=[K.CRITICISM_EDUCATION])
    second = confirmed_finding(sc, "first-contact-failure", sc.handler, at(2026, 6, 2, 10))
    proposal = sanction_proposal(responsibility=direct(sc, second))
    assert proposal is not None
    assert (proposal.rule_number, proposal.kinds, proposal.mode) == (
        1,
        (K.ORAL_WARNING, K.CRITICISM_EDUCATION),
        "any",
    )
    assert K.WRITTEN_WARNING not in proposal.kinds
    assert f"#{first.pk}" in proposal.explanation  # shown, not escalating


def test_it_withdraws_last_years_firing_when_an_appeal_is_decided_this_year(
    sc: SanctionsCast,
) -> None:
    warnings = []
    for month, code in ((4, "first-contact-failure"), (11, "substitute-missing")):
        violation = confirmed_finding(sc, code, sc.handler, at(2026, month, 1, 10))
        warnings.append(decide(sc, violation, at(2026, month, 2, 10), kinds=[K.ORAL_WARNING]))
    firing = AggregateFiring.objects.get(rule_number=11, period="2026")
    # The appeal takes until the next year, and more than a year after the first warning.
    with time_machine.travel(at(2027, 5, 20, 10), tick=False):
        review_record(
            actor=sc.inspector2,
            decision=warnings[1],
            outcome=ReviewOutcome.QUASHED,
            note="申诉成立",
        )
    assert FiringWithdrawal.objects.filter(firing=firing).exists()
    assert award_eligibility_person(person=sc.handler, year=2026).eligible
