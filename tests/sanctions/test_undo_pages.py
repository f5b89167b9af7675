"""The pages of issue 19's counting and undoing: the proposal offers its kinds with none
ticked, a confirmed violation can be dismissed on review from its page, the warning
notice and the decision show the grounds and the self-criticism's 24:00 deadline, and
the year's award eligibility page explains itself, in a fixed number of queries."""

from __future__ import annotations

import re
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from accountability.models import LeadingGroup
from sanctions.models import (
    FiringWithdrawal,
    ReviewOutcome,
    SanctionKind,
    Violation,
    ViolationState,
)
from sanctions.services import review_record, sanction_serve
from tests.factories import PASSWORD
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


def signed_in(user: Any) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def test_it_offers_the_proposed_kinds_with_none_ticked(sc: SanctionsCast) -> None:
    violation = confirmed_finding(sc, "first-contact-failure", sc.handler, at(2026, 3, 2, 10))
    responsibility = direct(sc, violation)
    page = signed_in(sc.inspector).get(
        reverse("sanctions:propose", args=[violation.pk, responsibility.pk])
    )
    assert page.status_code == 200
    html = page.content.decode()
    boxes = re.findall(r'<input type="checkbox" name="chosen_kinds"[^>]*>', html)
    assert boxes
    assert not [box for box in boxes if "checked" in box]
    # The proposal's own kinds come first, as the choices it offers.
    assert [re.search(r'value="([a-z_]+)"', box).group(1) for box in boxes[:2]] == [  # type: ignore[union-attr]
        K.ORAL_WARNING,
        K.CRITICISM_EDUCATION,
    ]


def test_it_dismisses_a_confirmed_violation_on_review_from_its_page(sc: SanctionsCast) -> None:
    complaints = [
        confirm(sc, raise_complaint(sc, sc.handler, at(2026, 3, day, 10)), at(2026, 3, day, 11))
        for day in (2, 9, 16)
    ]
    target = Violation.objects.get(pk=complaints[0].pk)
    client = signed_in(sc.inspector2)
    with time_machine.travel(at(2026, 4, 1, 10), tick=False):
        page = client.get(reverse("sanctions:violation", args=[target.pk]))
        assert 'id="id_set_aside_note"' in page.content.decode()
        answer = client.post(
            reverse("sanctions:violation_act", args=[target.pk, "set_aside"]),
            {"version": target.version, "reason": "not_founded", "note": ""},
        )
        assert answer.status_code == 400  # what the review found is required
        answer = client.post(
            reverse("sanctions:violation_act", args=[target.pk, "set_aside"]),
            {"version": target.version, "reason": "not_founded", "note": "复核认定不属实"},
        )
    assert answer.status_code == 302
    assert Violation.objects.get(pk=target.pk).state == ViolationState.DISMISSED
    withdrawal = FiringWithdrawal.objects.get()
    raised = Violation.objects.get(firing=withdrawal.firing)
    page = client.get(reverse("sanctions:violation", args=[raised.pk]))
    assert 'id="firing-withdrawn"' in page.content.decode()


def test_it_prints_the_grounds_and_the_self_criticism_deadline_at_24_00(
    sc: SanctionsCast,
) -> None:
    violation = confirm(
        sc,
        raise_complaint(sc, sc.handler, at(2026, 9, 28, 10), "first-contact-failure"),
        at(2026, 9, 28, 11),
    )
    decision = decide(sc, violation, at(2026, 9, 29, 10), kinds=[K.WRITTEN_WARNING])
    served = serve(sc, decision, at(2026, 9, 30, 10))
    assert served.self_criticism_due_at == at(2026, 10, 9)
    html = (
        signed_in(sc.inspector)
        .get(reverse("sanctions:warning_notice", args=[decision.pk]))
        .content.decode()
    )
    assert "2026-10-08 24:00" in html
    assert 'id="grounds"' in html
    assert "《" in html  # the rule's regulation by its title


def serve(sc: SanctionsCast, decision: Any, when: Any) -> Any:
    group = LeadingGroup.objects.get()
    with time_machine.travel(when, tick=False):
        return sanction_serve(
            actor=sc.inspector,
            decision=decision,
            signed_by=group.principal_leader,
            served_at=when,
        )


@pytest.mark.parametrize("people", [1, 4])
def test_it_shows_the_year_s_award_eligibility_in_a_fixed_number_of_queries(
    sc: SanctionsCast, people: int, django_assert_num_queries: Any
) -> None:
    staff = [sc.handler, sc.handler2, sc.c.desk, sc.c.outsider][:people]
    decisions = []
    for index, person in enumerate(staff):
        violation = confirmed_finding(
            sc, "first-contact-failure", person, at(2026, 3, 2 + index, 10)
        )
        decisions.append(decide(sc, violation, at(2026, 3, 10 + index, 10), kinds=[K.ORAL_WARNING]))
    second = confirmed_finding(sc, "substitute-missing", sc.handler, at(2026, 4, 2, 10))
    quashed = decide(sc, second, at(2026, 4, 3, 10), kinds=[K.ORAL_WARNING])
    with time_machine.travel(at(2026, 5, 1, 10), tick=False):
        review_record(
            actor=sc.inspector2, decision=quashed, outcome=ReviewOutcome.QUASHED, note="申诉成立"
        )
    client = signed_in(sc.inspector)
    client.get(reverse("sanctions:eligibility"), {"year": 2026})  # sessions warmed up
    with django_assert_num_queries(9):
        page = client.get(reverse("sanctions:eligibility"), {"year": 2026})
    assert page.status_code == 200
    html = page.content.decode()
    assert f"#{quashed.pk}" in html  # looked at, not counted, with why
    assert "申诉成立" in html
    assert signed_in(sc.handler).get(reverse("sanctions:eligibility")).status_code == 403
