"""The inspection office records a founded complaint and an inspection finding through
its own pages, with evidence (issue 19 line 4): only the office may; errors are
explained in Chinese; one complaint founded on two types is two violations on the same
case; the complaint makes the case's refusal-phrase flags violations at once; the
accused never sees the complainant or the evidence. And the review question of an
overdue violation: did it cause a complaint or adverse effect?"""

# The deadlines tests' cast is imported as a fixture, so test parameters "redefine" it.
# ruff: noqa: F811

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from accountability.models import AuditEntry
from deadlines.models import MatterKind
from intake.models import RefusalFlag
from intake.services.registration import Contact, Disposition, registration_submit
from sanctions import services
from sanctions.models import (
    SourceKind,
    Violation,
    ViolationEvent,
    ViolationState,
    ViolationType,
)
from tests.deadlines.conftest import Cast, cast, open_case  # noqa: F401 (cast is a fixture)
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 6, 10, 10, tzinfo=SHANGHAI)
COMPLAINT = reverse("sanctions:complaint_new")
FINDING = reverse("sanctions:finding_new")


def signed_in(user: Any) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def vtype(code: str) -> ViolationType:
    return ViolationType.objects.get(code=code)


def complaint_data(case: Any, staff: Any, *codes: str, **fields: Any) -> dict[str, Any]:
    return {
        "case": case.number,
        "staff": staff.pk,
        "types": [vtype(code).pk for code in codes],
        "occurred_at": "2026-06-08T09:30",
        "severity": "",
        "evidence": "调听 6 月 8 日通话录音,接待人员语气生硬,且未按时答复。",
        "summary": "",
        **fields,
    }


# -- permission ---------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["desk", "handler", "head", "leader", "outsider"])
def test_it_opens_the_pages_only_to_the_inspection_office(cast: Cast, who: str) -> None:
    client = signed_in(getattr(cast, who))
    case = open_case(cast)
    for url, data in (
        (COMPLAINT, complaint_data(case, cast.handler, "complaint-attitude")),
        (FINDING, {"type": vtype("poor-execution").pk, "staff": cast.handler.pk}),
    ):
        assert client.get(url).status_code == 403
        assert client.post(url, data).status_code == 403
    assert not Violation.objects.exists()
    office = signed_in(cast.inspector)
    assert office.get(COMPLAINT).status_code == 200
    assert office.get(FINDING).status_code == 200
    queue = office.get(reverse("sanctions:queue")).content.decode()
    assert COMPLAINT in queue
    assert FINDING in queue


# -- a founded complaint ------------------------------------------------------------------


def test_it_records_one_complaint_founded_on_two_types_as_two_violations(cast: Cast) -> None:
    case = open_case(cast, citizen_address="幸福路8号")
    with time_machine.travel(NOW, tick=False):
        response = signed_in(cast.inspector).post(
            COMPLAINT,
            complaint_data(case, cast.handler, "complaint-attitude", "complaint-efficiency"),
        )
    violations = list(Violation.objects.order_by("type__code"))
    assert [v.type.code for v in violations] == ["complaint-attitude", "complaint-efficiency"]
    assert response.status_code == 302
    assert response["Location"] == reverse("sanctions:violation", args=[violations[0].pk])
    for violation in violations:
        # The same case and source: the rulebook counts the complaint once.
        assert (violation.case, violation.source_kind, violation.staff) == (
            case,
            SourceKind.COMPLAINT,
            cast.handler,
        )
        assert violation.state == ViolationState.RAISED
        assert violation.adverse_effect is True  # a founded complaint caused a complaint
        assert violation.finding.startswith("调听")
        assert violation.occurred_at == datetime(2026, 6, 8, 9, 30, tzinfo=SHANGHAI)
        assert violation.raised_by == cast.inspector
        assert AuditEntry.objects.filter(
            action="violation.raise", object_id=str(violation.pk), actor=cast.inspector
        ).exists()
    # The staff member is named on the complaint: the complainant is protected from them.
    case.refresh_from_db()
    assert cast.handler.pk in case.accused_ids
    page = signed_in(cast.inspector).get(response["Location"]).content.decode()
    assert "调听 6 月 8 日通话录音" in page
    assert "幸福路8号" in page


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"evidence": " "}, "evidence", "请写明调查核实的情况。"),
        ({"types": []}, "types", "请至少选择一种违规情形。"),
        ({"case": "2026-999999"}, "case", "没有编号为 2026-999999 的办件。"),
        ({"case": ""}, "case", "请填写投诉所针对的办件编号。"),
        ({"staff": ""}, "staff", "请选择被投诉的工作人员。"),
        ({"occurred_at": ""}, "occurred_at", "请填写发生时间。"),
    ],
)
def test_it_explains_what_a_complaint_lacks_in_chinese(
    cast: Cast, change: dict[str, Any], field: str, message: str
) -> None:
    case = open_case(cast)
    data = {**complaint_data(case, cast.handler, "complaint-attitude"), **change}
    response = signed_in(cast.inspector).post(COMPLAINT, data)
    assert response.status_code == 400
    assert response.context["form"].errors[field] == [message]
    assert message in response.content.decode()
    assert not Violation.objects.exists()


def test_it_refuses_the_same_complaint_twice_and_keeps_nothing_of_it(cast: Cast) -> None:
    case = open_case(cast)
    client = signed_in(cast.inspector)
    first = client.post(COMPLAINT, complaint_data(case, cast.handler, "complaint-attitude"))
    assert first.status_code == 302
    response = client.post(
        COMPLAINT,
        complaint_data(case, cast.handler, "complaint-efficiency", "complaint-attitude"),
    )
    assert response.status_code == 400
    assert Violation.objects.count() == 1  # the second complaint's efficiency rolled back


def test_it_keeps_the_evidence_and_the_complainant_from_the_accused(cast: Cast) -> None:
    # A complaint about a leader (who may open violation pages): they see neither.
    case = open_case(cast, citizen_address="幸福路8号")
    with time_machine.travel(NOW, tick=False):
        (violation,) = services.founded_complaint_record(
            actor=cast.inspector,
            case=case,
            staff=cast.leader,
            types=[vtype("complaint-attitude")],
            evidence="经核实,领导接访时推诿。",
        )
    page = signed_in(cast.leader).get(reverse("sanctions:violation", args=[violation.pk]))
    text = page.content.decode()
    assert page.status_code == 200
    assert "经核实" not in text
    assert "幸福路8号" not in text
    assert 'id="evidence-protected"' in text


def test_it_refuses_a_complaint_recorded_by_someone_named_in_it(cast: Cast) -> None:
    case = open_case(cast)
    with pytest.raises(PermissionDenied):
        services.founded_complaint_record(
            actor=cast.inspector,
            case=case,
            staff=cast.inspector,
            types=[vtype("complaint-attitude")],
            evidence="自查",
        )


# -- the refusal flag becomes a violation when the complaint is founded ---------------------


def _flagged_contact(cast: Cast) -> Any:
    return registration_submit(
        actor=cast.desk,
        contact=Contact(
            channel="phone",
            matter_kind=MatterKind.CONSULTATION,
            urgency="normal",
            subject="水费咨询",
            content="用户询问本月水费为何偏高。",
            citizen_name="李四",
            citizen_phone="13911112222",
        ),
        disposition=Disposition.ANSWER,
        answer="不清楚，你找别人吧。",
    )


def test_it_raises_the_cases_refusal_flags_when_the_complaint_is_founded(cast: Cast) -> None:
    case = _flagged_contact(cast)
    flags = set(RefusalFlag.objects.filter(case=case).values_list("pk", flat=True))
    assert len(flags) == 2
    assert services.violations_raise_from_sources().created[SourceKind.REFUSAL_FLAG] == 0
    with time_machine.travel(NOW, tick=False):
        services.founded_complaint_record(
            actor=cast.inspector,
            case=case,
            staff=cast.desk,
            types=[vtype("first-contact-failure"), vtype("complaint-attitude")],
            evidence="用户来电投诉首问推诿,录音属实。",
        )
    raised = Violation.objects.filter(source_kind=SourceKind.REFUSAL_FLAG)
    # In the complaint's own transaction, one violation per flag, not per complaint type.
    assert set(raised.values_list("refusal_flag_id", flat=True)) == flags
    for violation in raised:
        assert (violation.case, violation.staff, violation.type.code) == (
            case,
            cast.desk,
            "refusal-phrase",
        )
        assert violation.adverse_effect is True
        assert ViolationEvent.objects.filter(violation=violation, action="raise").count() == 1
    assert services.violations_raise_from_sources().total == 0
    # A consultation is not a complaint about staff: nobody is named on it.
    assert cast.desk.pk not in case.accused_ids


# -- an inspection finding ----------------------------------------------------------------


def test_it_records_an_inspection_finding_and_lands_on_it(cast: Cast) -> None:
    complaint = open_case(cast)
    with time_machine.travel(NOW, tick=False):
        response = signed_in(cast.inspector).post(
            FINDING,
            {
                "type": vtype("one-time-notice-breach").pk,
                "staff": cast.desk.pk,
                "department": "",
                "occurred_at": "2026-06-09T15:00",
                "severity": "",
                "finding": "抽查一次性告知书:未列明户口本。",
                "case": complaint.number,
            },
        )
    violation = Violation.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("sanctions:violation", args=[violation.pk])
    assert (violation.source_kind, violation.staff, violation.department, violation.case) == (
        SourceKind.FINDING,
        cast.desk,
        cast.service,
        complaint,
    )
    assert violation.finding == "抽查一次性告知书:未列明户口本。"
    assert violation.adverse_effect is True  # a finding about a complaint
    assert AuditEntry.objects.filter(action="violation.raise", object_id=str(violation.pk))


def test_it_records_a_finding_about_a_department_without_a_case(cast: Cast) -> None:
    response = signed_in(cast.inspector).post(
        FINDING,
        {
            "type": vtype("poor-execution").pk,
            "department": cast.network.pk,
            "occurred_at": "2026-06-09T15:00",
            "finding": "抽查管网所维修台账,记录不全。",
        },
    )
    assert response.status_code == 302
    violation = Violation.objects.get()
    assert (violation.staff, violation.department, violation.case) == (None, cast.network, None)
    assert violation.adverse_effect is None  # asked when confirmed, if overdue


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"finding": ""}, "finding", "请填写检查发现的问题。"),
        ({"staff": ""}, "department", "请指明人员或部门。"),
        ({"type": ""}, "type", "请选择违规情形。"),
        ({"case": "2026-999999"}, "case", "没有编号为 2026-999999 的办件。"),
    ],
)
def test_it_explains_what_a_finding_lacks_in_chinese(
    cast: Cast, change: dict[str, Any], field: str, message: str
) -> None:
    data = {
        "type": vtype("poor-execution").pk,
        "staff": cast.handler.pk,
        "occurred_at": "2026-06-09T15:00",
        "finding": "检查发现",
        **change,
    }
    response = signed_in(cast.inspector).post(FINDING, data)
    assert response.status_code == 400
    assert response.context["form"].errors[field] == [message]
    assert message in response.content.decode()
    assert not Violation.objects.exists()


# -- the review question of an overdue violation ------------------------------------------


def _overdue(cast: Cast) -> Violation:
    violation = services.violation_raise_finding(
        actor=cast.inspector,
        type=vtype("breach-overdue"),
        finding="新装用水超出承诺时限两天。",
        staff=cast.handler,
    )
    return services.violation_review(actor=cast.inspector, violation=violation)


def test_it_requires_the_answer_to_confirm_an_overdue_violation(cast: Cast) -> None:
    violation = _overdue(cast)
    with pytest.raises(ValidationError) as refused:
        services.violation_confirm(actor=cast.inspector, violation=violation)
    assert refused.value.message_dict == {"adverse_effect": ["请说明超时是否造成投诉或不良影响。"]}
    confirmed = services.violation_confirm(
        actor=cast.inspector, violation=violation, adverse_effect=False
    )
    assert confirmed.adverse_effect is False
    event = ViolationEvent.objects.get(violation=violation, action="confirm")
    assert event.data["adverse_effect"] is False
    audit = AuditEntry.objects.get(action="violation.confirm", object_id=str(violation.pk))
    assert audit.after is not None
    assert audit.after["adverse_effect"] is False


def test_it_asks_the_question_on_the_page_and_shows_the_answer(cast: Cast) -> None:
    violation = _overdue(cast)
    client = signed_in(cast.inspector)
    url = reverse("sanctions:violation", args=[violation.pk])
    page = client.get(url).content.decode()
    assert "是否造成投诉或不良影响?" in page
    assert "尚未认定" in page
    confirm = reverse("sanctions:violation_act", args=[violation.pk, "confirm"])
    unanswered = client.post(confirm, {"version": violation.version, "severity": "minor"})
    assert unanswered.status_code == 400
    assert "请说明超时是否造成投诉或不良影响。" in unanswered.content.decode()
    answered = client.post(
        confirm,
        {
            "version": violation.version,
            "severity": "minor",
            "adverse_effect": "yes",
            "adverse_effect_note": "用户因此向 12345 投诉。",
        },
    )
    assert answered.status_code == 302
    violation.refresh_from_db()
    assert (violation.state, violation.adverse_effect) == (ViolationState.CONFIRMED, True)
    event = ViolationEvent.objects.get(violation=violation, action="confirm")
    assert event.data["adverse_effect_note"] == "用户因此向 12345 投诉。"
    page = client.get(url).content.decode()
    assert "用户因此向 12345 投诉。" in page


def test_it_does_not_ask_outside_the_overdue_family(cast: Cast) -> None:
    violation = services.violation_review(
        actor=cast.inspector,
        violation=services.violation_raise_finding(
            actor=cast.inspector,
            type=vtype("poor-execution"),
            finding="执行不力",
            staff=cast.handler,
        ),
    )
    page = signed_in(cast.inspector).get(reverse("sanctions:violation", args=[violation.pk]))
    assert "是否造成投诉或不良影响?" not in page.content.decode()
    confirmed = services.violation_confirm(actor=cast.inspector, violation=violation)
    assert confirmed.adverse_effect is None


def test_it_keeps_a_founded_efficiency_complaint_a_complaint(cast: Cast) -> None:
    (violation,) = services.founded_complaint_record(
        actor=cast.inspector,
        case=open_case(cast),
        staff=cast.handler,
        types=[vtype("complaint-efficiency")],  # of the overdue family
        evidence="办理超时,用户投诉属实。",
    )
    violation = services.violation_review(actor=cast.inspector, violation=violation)
    with pytest.raises(ValidationError):
        services.violation_confirm(actor=cast.inspector, violation=violation, adverse_effect=False)
    confirmed = services.violation_confirm(actor=cast.inspector, violation=violation)
    assert confirmed.adverse_effect is True
