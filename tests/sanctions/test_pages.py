"""The inspection office's pages (issue 7, line 7): the queue, a violation with its evidence
and the case timeline, the decision steps through to the printable warning notice, and the
sanction register with its export. Wrong roles get 403; lists keep a flat query count."""

# The deadlines tests' cast is imported as a fixture, so test parameters "redefine" it.
# ruff: noqa: F811

from __future__ import annotations

import csv
import io
from typing import Any

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from accountability.models import AuditEntry, LeadingGroup
from accountability.roles import Role
from deadlines.models import Case
from deadlines.services.cases import case_name_accused, case_transfer
from sanctions import services
from sanctions.authority import deciders_for
from sanctions.models import (
    DecisionState,
    Responsibility,
    SanctionDecision,
    Violation,
    ViolationState,
    ViolationType,
)
from tests.deadlines.conftest import (  # noqa: F401 (cast is a fixture)
    Cast,
    _staff,
    cast,
    open_case,
)
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def signed_in(user: Any) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def name(user: Any) -> str:
    return str(user.get_full_name() or user.username)


@pytest.fixture
def inspector2(cast: Cast) -> Any:
    return _staff("inspector2", cast.inspector.staff.department, Role.INSPECTION_OFFICE)


@pytest.fixture(autouse=True)
def deciding_bodies(cast: Cast) -> None:
    """Who decides (sanctions.authority): the leader supervises the service and network
    departments and is the principal leader of the efficiency leading group."""
    for department in (cast.service, cast.network):
        department.supervising_leader = cast.leader
        department.save()
    LeadingGroup.objects.create(principal_leader=cast.leader).members.set([cast.leader])


def raise_complaint(cast: Cast, staff: Any, **fields: Any) -> Violation:
    case = open_case(cast, **fields)
    return services.violation_raise_complaint(
        actor=cast.inspector,
        case=case,
        staff=staff,
        type=ViolationType.objects.get(code="complaint-attitude"),
    )


@pytest.fixture
def violation(cast: Cast) -> Violation:
    """A founded-complaint violation about the service department's handler; the case is
    a complaint about them, so its complainant is protected."""
    staff = cast.handler
    case = open_case(cast, citizen_address="幸福路8号")
    case_name_accused(actor=cast.desk, case=case, accused=[staff], reason="态度恶劣")
    return services.violation_raise_complaint(
        actor=cast.inspector,
        case=case,
        staff=staff,
        type=ViolationType.objects.get(code="complaint-attitude"),
        summary="窗口接待时态度生硬",
    )


def confirmed_with_responsibility(cast: Cast, violation: Violation) -> Responsibility:
    violation = services.violation_review(actor=cast.inspector, violation=violation)
    violation = services.violation_confirm(actor=cast.inspector, violation=violation)
    assert violation.staff is not None
    return services.responsibility_assign(
        actor=cast.inspector, violation=violation, person=violation.staff, kind="direct"
    )


def decided(cast: Cast, violation: Violation) -> SanctionDecision:
    answer = confirmed_with_responsibility(cast, violation)
    proposal = services.sanction_proposal(responsibility=answer)
    assert proposal is not None
    decision = services.sanction_propose(
        actor=cast.inspector, responsibility=answer, chosen_kinds=list(proposal.kinds)
    )
    return services.sanction_approve(actor=deciders_for(decision)[0], decision=decision)


# -- permissions ------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["desk", "handler", "head", "outsider", "network_handler"])
def test_it_refuses_every_page_to_staff_outside_the_office_and_leadership(
    cast: Cast, violation: Violation, who: str
) -> None:
    decision = decided(cast, violation)
    client = signed_in(getattr(cast, who))
    urls = [
        reverse("sanctions:queue"),
        reverse("sanctions:violation", args=[violation.pk]),
        reverse("sanctions:decision", args=[decision.pk]),
        reverse("sanctions:register"),
        reverse("sanctions:register_export", args=["csv"]),
    ]
    for url in urls:
        assert client.get(url).status_code == 403, url
    response = client.post(
        reverse("sanctions:decision_act", args=[decision.pk, "serve"]),
        {"version": decision.version, "signed_by": cast.leader.pk},
    )
    assert response.status_code == 403
    assert SanctionDecision.objects.get(pk=decision.pk).state == DecisionState.APPROVED


def test_it_sends_anonymous_visitors_to_sign_in(violation: Violation) -> None:
    response = Client().get(reverse("sanctions:queue"))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_it_shows_the_queue_to_leadership_without_the_office_steps(
    cast: Cast, violation: Violation
) -> None:
    client = signed_in(cast.leader)
    assert client.get(reverse("sanctions:queue")).status_code == 200
    page = client.get(reverse("sanctions:violation", args=[violation.pk])).content.decode()
    assert str(gettext("Take up for review")) not in page
    response = client.post(
        reverse("sanctions:violation_act", args=[violation.pk, "review"]),
        {"version": violation.version},
    )
    assert response.status_code == 403
    assert str(gettext("You are not allowed to do this.")) in response.content.decode()
    assert Violation.objects.get(pk=violation.pk).state == ViolationState.RAISED


def test_it_keeps_the_person_concerned_off_their_own_violation(cast: Cast, inspector2: Any) -> None:
    about_inspector = raise_complaint(cast, inspector2)
    client = signed_in(inspector2)
    page = client.get(reverse("sanctions:violation", args=[about_inspector.pk])).content.decode()
    assert str(gettext("Take up for review")) not in page
    response = client.post(
        reverse("sanctions:violation_act", args=[about_inspector.pk, "review"]),
        {"version": about_inspector.version},
    )
    assert response.status_code == 403
    assert (
        str(gettext("You are named in this matter, so you cannot act on it (recusal)."))
        in response.content.decode()
    )


# -- the queue --------------------------------------------------------------------------------


def _violations(cast: Cast, count: int) -> None:
    for index in range(count):
        raise_complaint(cast, cast.network_handler, subject=f"投诉{index}")


@pytest.mark.parametrize("count", [1, 6])
def test_it_lists_the_queue_in_a_fixed_number_of_queries(
    cast: Cast, count: int, django_assert_num_queries: Any
) -> None:
    _violations(cast, count)
    client = signed_in(cast.inspector)
    client.get(reverse("sanctions:queue"))  # warm the session
    # session, user, roles, count, page of rows (with type, staff, department, case),
    # departments for the filter, unread notifications
    with django_assert_num_queries(7):
        response = client.get(reverse("sanctions:queue"))
    assert response.status_code == 200
    assert response.content.decode().count("投诉") >= 1
    assert len(response.context["page"].object_list) == count


def test_it_filters_the_queue(cast: Cast, violation: Violation) -> None:
    other = raise_complaint(cast, cast.network_handler)
    client = signed_in(cast.inspector)
    listed = client.get(reverse("sanctions:queue"), {"department": cast.network.code})
    assert [v.pk for v in listed.context["page"].object_list] == [other.pk]
    services.violation_dismiss(
        actor=cast.inspector, violation=other, reason="not_founded", note="查无此事"
    )
    open_only = client.get(reverse("sanctions:queue"))
    assert [v.pk for v in open_only.context["page"].object_list] == [violation.pk]
    dismissed = client.get(reverse("sanctions:queue"), {"state": "dismissed"})
    assert [v.pk for v in dismissed.context["page"].object_list] == [other.pk]


# -- a violation, its evidence and the case -------------------------------------------------


def test_it_shows_the_evidence_the_case_timeline_and_the_complainant_to_the_office(
    cast: Cast, violation: Violation
) -> None:
    page = signed_in(cast.inspector).get(reverse("sanctions:violation", args=[violation.pk]))
    text = page.content.decode()
    assert violation.case is not None
    assert violation.case.number in text
    assert "窗口接待时态度生硬" in text
    assert str(gettext("Staff complained about named")) in text  # from the case timeline
    assert "张三" in text
    assert "幸福路8号" in text
    assert AuditEntry.objects.filter(
        action="case.complainant_view", object_id=str(violation.case_id), actor=cast.inspector
    ).exists()


def test_it_hides_the_complainant_from_leadership_on_the_violation_page(
    cast: Cast, violation: Violation
) -> None:
    # Free text on the case that names the complainant is withheld too (issue 21, item 2):
    # a handover note, which the page showed whatever the viewer before.
    assert violation.case_id is not None
    case_transfer(
        actor=cast.desk,
        case=Case.objects.get(pk=violation.case_id),
        to_department=cast.network,
        handover_note="张三反映窗口接待态度问题，请管网所协查。",
    )
    text = signed_in(cast.leader).get(reverse("sanctions:violation", args=[violation.pk]))
    page = text.content.decode()
    assert "张三" not in page
    assert "幸福路8号" not in page
    assert 'id="identity-protected"' in page
    assert "不予显示" in page
    assert not AuditEntry.objects.filter(action="case.complainant_view").exists()


def test_it_dismisses_with_a_reason_and_explains_a_missing_one(
    cast: Cast, violation: Violation
) -> None:
    client = signed_in(cast.inspector)
    url = reverse("sanctions:violation_act", args=[violation.pk, "dismiss"])
    response = client.post(url, {"version": violation.version, "reason": "other", "note": ""})
    assert response.status_code == 400
    assert str(gettext("Write the reason out.")) in response.content.decode()
    assert Violation.objects.get(pk=violation.pk).state == ViolationState.RAISED
    response = client.post(
        url, {"version": violation.version, "reason": "force_majeure", "note": "暴雨停电"}
    )
    assert response.status_code == 302
    dismissed = Violation.objects.get(pk=violation.pk)
    assert dismissed.state == ViolationState.DISMISSED
    assert dismissed.dismissal_reason == "force_majeure"


def test_it_answers_a_stale_page_with_a_conflict(cast: Cast, violation: Violation) -> None:
    client = signed_in(cast.inspector)
    shown = violation.version
    services.violation_review(actor=cast.inspector, violation=violation)
    response = client.post(
        reverse("sanctions:violation_act", args=[violation.pk, "confirm"]),
        {"version": shown, "severity": "minor", "note": ""},
    )
    assert response.status_code == 409
    assert Violation.objects.get(pk=violation.pk).state == ViolationState.UNDER_REVIEW


# -- the happy path through the forms ---------------------------------------------------------


def test_it_takes_a_violation_from_review_to_a_completed_warning(
    cast: Cast, violation: Violation, inspector2: Any
) -> None:
    office = signed_in(cast.inspector)

    def step(url_name: str, pk: int, name_: str, obj: Any, **data: Any) -> None:
        obj.refresh_from_db()
        response = office.post(
            reverse(url_name, args=[pk, name_]), {"version": obj.version, **data}
        )
        assert response.status_code == 302, response.content.decode()[:2000]

    step("sanctions:violation_act", violation.pk, "review", violation)
    step("sanctions:violation_act", violation.pk, "confirm", violation, severity="minor")
    page = office.get(reverse("sanctions:violation", args=[violation.pk])).content.decode()
    assert name(cast.head) in page  # suggested from the organisation chain
    step(
        "sanctions:violation_act",
        violation.pk,
        "responsibility",
        violation,
        person=cast.handler.pk,
        kind="direct",
    )
    answer = Responsibility.objects.get(violation=violation, person=cast.handler)

    # The proposal page shows the engine's explanation, naming its rule.
    propose_url = reverse("sanctions:propose", args=[violation.pk, answer.pk])
    proposal = services.sanction_proposal(responsibility=answer)
    assert proposal is not None
    page = office.get(propose_url).content.decode()
    assert proposal.citation in page
    assert str(proposal.rule_number) in page
    violation.refresh_from_db()
    # A written warning (with the reason where the rulebook proposes otherwise), so the
    # flow ends in a printable notice.
    response = office.post(
        propose_url,
        {
            "version": violation.version,
            "chosen_kinds": ["written_warning"],
            "departure_reason": "情节较重,予以书面告诫",
        },
    )
    assert response.status_code == 302
    decision = SanctionDecision.objects.get(responsibility=answer)
    assert decision.proposed_by == cast.inspector

    # Maker-checker: the proposer is not offered approval, and is refused it.
    page = office.get(reverse("sanctions:decision", args=[decision.pk])).content.decode()
    assert proposal.explanation.splitlines()[0][:20] in page
    assert f'action="{reverse("sanctions:decision_act", args=[decision.pk, "approve"])}"' not in (
        page
    )
    refused = office.post(
        reverse("sanctions:decision_act", args=[decision.pk, "approve"]),
        {"version": decision.version},
    )
    assert refused.status_code == 403
    assert (
        str(gettext("You proposed this sanction, so someone else must decide on it."))
        in refused.content.decode()
    )
    leader = signed_in(cast.leader)
    approved = leader.post(
        reverse("sanctions:decision_act", args=[decision.pk, "approve"]),
        {"version": decision.version},
    )
    assert approved.status_code == 302

    step("sanctions:decision_act", decision.pk, "serve", decision, signed_by=cast.leader.pk)
    decision.refresh_from_db()
    assert decision.state == DecisionState.SERVED
    # A written warning: a numbered notice, signed by the leading group's principal
    # leader, and a written self-criticism within 7 days.
    assert decision.notice_number
    notice = office.get(reverse("sanctions:warning_notice", args=[decision.pk]))
    text = notice.content.decode()
    assert notice.status_code == 200
    assert decision.notice_number in text
    assert name(cast.leader) in text
    assert str(gettext("Warning notice (告诫通知书)")) in text
    assert decision.needs_self_criticism
    early = office.post(
        reverse("sanctions:decision_act", args=[decision.pk, "complete"]),
        {"version": decision.version},
    )
    assert early.status_code == 409  # the self-criticism is still owed
    step(
        "sanctions:decision_act",
        decision.pk,
        "self_criticism",
        decision,
        countersigned_by=cast.head.pk,
    )
    step("sanctions:decision_act", decision.pk, "complete", decision)
    decision.refresh_from_db()
    assert decision.state == DecisionState.COMPLETED

    step("sanctions:decision_act", decision.pk, "appeal", decision, kind="appeal", grounds="不服")
    reviewer = signed_in(inspector2)
    decision.refresh_from_db()
    reviewed = reviewer.post(
        reverse("sanctions:decision_act", args=[decision.pk, "review"]),
        {
            "version": decision.version,
            "outcome": "upheld",
            "note": "维持",
            "appeal": decision.appeals.get().pk,
        },
    )
    assert reviewed.status_code == 302
    assert decision.reviews.get().outcome == "upheld"


def test_it_refuses_a_notice_for_a_decision_without_one(cast: Cast, violation: Violation) -> None:
    decision = decided(cast, violation)
    assert not decision.notice_number  # approved, not served yet
    response = signed_in(cast.inspector).get(
        reverse("sanctions:warning_notice", args=[decision.pk])
    )
    assert response.status_code == 404


# -- the register ---------------------------------------------------------------------------


def _decisions(cast: Cast, count: int) -> list[SanctionDecision]:
    made = []
    for index in range(count):
        staff = _staff(f"clerk{index}", cast.network)
        made.append(decided(cast, raise_complaint(cast, staff, subject=f"投诉{index}")))
    return made


@pytest.mark.parametrize("count", [1, 4])
def test_it_lists_the_register_in_a_fixed_number_of_queries(
    cast: Cast, count: int, django_assert_num_queries: Any
) -> None:
    _decisions(cast, count)
    client = signed_in(cast.inspector)
    client.get(reverse("sanctions:register"))
    # session, user, roles, count, page of rows, their reviews, departments, notifications
    with django_assert_num_queries(8):
        response = client.get(reverse("sanctions:register"))
    assert len(response.context["rows"]) == count


def test_it_filters_the_register_by_year_and_department(cast: Cast, violation: Violation) -> None:
    here = decided(cast, violation)
    there = _decisions(cast, 1)[0]
    client = signed_in(cast.inspector)
    year = timezone.localdate().year
    rows = client.get(reverse("sanctions:register"), {"year": year}).context["rows"]
    assert {d.pk for d, _ in rows} == {here.pk, there.pk}
    rows = client.get(
        reverse("sanctions:register"), {"year": str(year), "department": cast.network.code}
    ).context["rows"]
    assert [d.pk for d, _ in rows] == [there.pk]
    rows = client.get(reverse("sanctions:register"), {"year": year - 1}).context["rows"]
    assert rows == []


def test_it_exports_the_register_as_csv_and_excel(cast: Cast, violation: Violation) -> None:
    decision = decided(cast, violation)
    client = signed_in(cast.inspector)
    year = timezone.localdate().year
    response = client.get(reverse("sanctions:register_export", args=["csv"]), {"year": year})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][1] == gettext("Person")
    assert [row[1] for row in rows[1:]] == [name(decision.person)]
    assert rows[1][3] == violation.type.name
    response = client.get(reverse("sanctions:register_export", args=["xlsx"]), {"year": year})
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[1][1] == name(decision.person)
    assert not any("张三" in str(value) for row in values for value in row)  # no identity
    assert client.get(reverse("sanctions:register_export", args=["pdf"])).status_code == 404
