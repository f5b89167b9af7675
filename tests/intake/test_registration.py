"""First-contact registration (首问登记): the five dispositions and an application registered
for review (then refused by the desk, 否定备案), urgent matters to dispatch, refusal phrases
flagged, earlier contacts, and the receipt."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from accountability.models import Absence
from deadlines import lookup
from deadlines.models import Case, CaseState, Clock, ClockKind, MatterKind
from intake.models import RefusalFlag, RejectionFiling
from intake.services.registration import Contact, Disposition, registration_submit
from intake.services.rejection import rejection_file
from tests.deadlines.conftest import Cast, open_case
from tests.factories import PASSWORD, DepartmentFactory

pytestmark = pytest.mark.django_db

URL = reverse("intake:registration")
SHANGHAI = ZoneInfo("Asia/Shanghai")
MONDAY = datetime(2026, 6, 1, 9, tzinfo=SHANGHAI)
FRIDAY_AFTERNOON = datetime(2026, 6, 5, 15, 30, tzinfo=SHANGHAI)
REASON = "申请用水地址不在本公司供水管网覆盖范围内。"
BASIS = "《城市供水条例》第二十一条"


def signed_in(user: Any) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def contact(**fields: Any) -> dict[str, Any]:
    return {
        "channel": "phone",
        "matter_kind": "complaint",
        "urgency": "normal",
        "citizen_name": "李四",
        "citizen_phone": "13911112222",
        "subject": "水表走字异常",
        "content": "本月水量比上月多一倍。",
        "disposition": "accept",
        **fields,
    }


def registered(client: Client, **fields: Any) -> Case:
    response = client.post(URL, contact(**fields))
    assert response.status_code == 302, response.content.decode()[:3000]
    return Case.objects.latest("id")


def test_it_accepts_a_contact_with_the_signed_in_user_as_first_responder(cast: Cast) -> None:
    case = registered(signed_in(cast.desk), first_responder=cast.head.pk)
    assert case.first_responder == cast.desk
    assert case.state == CaseState.ACCEPTED
    assert case.handler == cast.desk
    assert case.department == cast.service


def test_it_answers_on_the_spot_and_flags_a_refusal_phrase(cast: Cast) -> None:
    case = registered(
        signed_in(cast.desk), disposition="answer", answer="这个不归我管,你去问别的部门。"
    )
    assert case.state == CaseState.CLOSED
    flag = RefusalFlag.objects.get(case=case)
    assert (flag.phrase, flag.staff) == ("不归我管", cast.desk)


def test_it_records_the_guidance_for_a_matter_outside_our_scope(cast: Cast) -> None:
    client = signed_in(cast.desk)
    missing = client.post(URL, contact(disposition="refer_out", answer="请联系燃气公司"))
    assert missing.status_code == 400
    assert not Case.objects.exists()
    case = registered(
        client, disposition="refer_out", answer="请联系燃气公司", referred_to="燃气公司 96777"
    )
    assert case.state == CaseState.CLOSED
    assert case.referred_to == "燃气公司 96777"
    assert not RefusalFlag.objects.exists()


def test_it_passes_a_contact_to_an_absent_colleagues_substitute(cast: Cast) -> None:
    Absence.objects.create(
        staff=cast.handler,
        starts_at=MONDAY - timedelta(days=1),
        ends_at=MONDAY + timedelta(days=3),
        substitute=cast.head,
        reason="年假",
    )
    with time_machine.travel(MONDAY, tick=False):
        case = registered(signed_in(cast.desk), disposition="pass_on", colleague=cast.handler.pk)
    assert case.state == CaseState.ACCEPTED
    assert case.handler == cast.head
    assert case.events.get(action="accept").data["named_handler"] == cast.handler.pk


def test_it_transfers_with_a_handover_record_and_keeps_a_follow_up_clock(cast: Cast) -> None:
    case = registered(
        signed_in(cast.desk),
        disposition="transfer",
        to_department=cast.network.pk,
        handover_note="户外管道漏水,请管网所处理",
    )
    assert case.state == CaseState.AWAITING_TRANSFER
    assert case.department == cast.network
    assert case.clocks.filter(kind=ClockKind.TRANSFER_ACCEPTANCE, stopped_at=None).exists()
    assert case.clocks.filter(
        kind=ClockKind.FIRST_FEEDBACK, responsible=cast.desk, stopped_at=None
    ).exists()


def test_it_sends_an_urgent_matter_straight_to_dispatch_on_the_hour_and_40_minute_clocks(
    cast: Cast,
) -> None:
    dispatch = DepartmentFactory(code="dispatch", name="生产调度部", is_dispatch=True)
    with time_machine.travel(MONDAY, tick=False):
        case = registered(
            signed_in(cast.desk),
            matter_kind="help_request",
            urgency="urgent",
            subject="整栋楼停水",
            disposition="transfer",  # ignored: urgent matters go to dispatch
        )
    assert case.department == dispatch
    assert case.clocks.get(kind=ClockKind.FIRST_FEEDBACK).due_at == MONDAY + timedelta(hours=1)
    assert case.clocks.get(kind=ClockKind.UNIT_TO_FIRST_RESPONDER).due_at == MONDAY + timedelta(
        minutes=40
    )


def test_it_keeps_every_entry_and_explains_what_is_missing(cast: Cast) -> None:
    response = signed_in(cast.desk).post(
        URL, contact(citizen_name="", citizen_phone="", disposition="transfer")
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "水表走字异常" in page  # kept
    assert "这个字段是必填项" in page
    assert "请填写电话、户号或地址" in page
    assert "所选处理方式需要填写此项" in page
    assert not Case.objects.exists()


def test_it_records_the_citizens_email_for_messages_and_refuses_a_malformed_one(
    cast: Cast,
) -> None:
    client = signed_in(cast.desk)
    refused = client.post(URL, contact(citizen_email="li4@"))
    assert refused.status_code == 400
    assert "有效的电子邮件地址" in refused.content.decode()
    assert not Case.objects.exists()
    case = registered(client, citizen_email="li4@example.cn")
    assert case.citizen_email == "li4@example.cn"


def test_it_shows_earlier_contacts_from_the_same_phone(cast: Cast) -> None:
    earlier = open_case(cast, citizen_phone="13911112222", subject="上月停水投诉")
    open_case(cast, citizen_phone="13900000000", subject="别人的事")
    page = (
        signed_in(cast.desk)
        .get(reverse("intake:history"), {"phone": "13911112222"})
        .content.decode()
    )
    assert earlier.number in page
    assert "别人的事" not in page


def test_the_receipt_carries_number_secret_deadline_and_desk_phone(cast: Cast) -> None:
    client = signed_in(cast.desk)
    with time_machine.travel(MONDAY, tick=False):
        response = client.post(URL, contact(), follow=True)
    case = Case.objects.get()
    page = response.content.decode()
    assert case.number in page
    secret = re.search(r"\b[2-9A-Z]{4}-[2-9A-Z]{4}\b", page).group(0)  # type: ignore[union-attr]
    assert lookup.matches(case.number, secret, case.lookup_digest)
    assert "2026-06-03 24:00" in page  # the complaint's result, 2 calendar days
    assert cast.desk.staff.desk_phone in page
    # Another person reprinting sees no secret, and may issue a new one.
    head = signed_in(cast.head)
    reprint = head.get(reverse("intake:receipt", args=[case.number])).content.decode()
    assert secret not in reprint
    head.post(reverse("intake:receipt_new_secret", args=[case.number]))
    case.refresh_from_db()
    assert not lookup.matches(case.number, secret, case.lookup_digest)


def test_the_earlier_contacts_panel_costs_the_same_for_one_contact_or_ten(
    cast: Cast, django_assert_num_queries: Any
) -> None:
    client = signed_in(cast.desk)
    url = reverse("intake:history")
    open_case(cast, citizen_phone="13911112222")
    client.get(url, {"phone": "13911112222"})  # warm the session
    # Session, user, staff profile, the contacts with their departments, and the
    # roles the navigation context and the notification count the header ask for.
    with django_assert_num_queries(6):
        one = client.get(url, {"phone": "13911112222"}).content.decode()
    for _ in range(9):
        open_case(cast, citizen_phone="13911112222")
    with django_assert_num_queries(6):
        ten = client.get(url, {"phone": "13911112222"}).content.decode()
    assert one.count("<li>") == 1
    assert ten.count("<li>") == 10


# -- an application registered for review, then refused (否定备案) ------------------------


def application(**fields: Any) -> dict[str, Any]:
    return contact(
        channel="visit",
        matter_kind="application",
        subject="新装用水",
        content="申请为新建厂房装表供水。",
        disposition="review",
        **fields,
    )


def test_it_registers_an_application_for_review_and_the_clerk_refuses_it_on_the_page(
    cast: Cast,
) -> None:
    client = signed_in(cast.desk)
    with time_machine.travel(MONDAY, tick=False):
        receipt = client.post(URL, application(), follow=True)
        case = Case.objects.get()
        case_page = client.get(reverse("deadlines:case_detail", args=[case.number]))
    # Registered in the clerk's own department, the clerk its first responder: the desk
    # decides later whether to accept or refuse it.
    assert (case.state, case.first_responder, case.department, case.handler) == (
        CaseState.REGISTERED,
        cast.desk,
        cast.service,
        None,
    )
    refuse = reverse("intake:rejection_new", args=[case.number])
    assert refuse in receipt.content.decode()  # offered straight from the registration
    assert refuse in case_page.content.decode()  # and on the case page

    with time_machine.travel(MONDAY + timedelta(hours=1), tick=False):
        response = client.post(
            refuse, {"version": case.version, "reason": REASON, "legal_basis": BASIS}
        )
    assert response["Location"] == reverse("intake:rejection", args=[case.number])
    case.refresh_from_db()
    assert case.state == CaseState.REJECTED
    filing = RejectionFiling.objects.get(case=case)
    assert (filing.filed_by, filing.filed_at) == (cast.desk, MONDAY + timedelta(hours=1))
    # The written refusal is owed in 3 working days: Tuesday 2 to Thursday 4 June, 24:00.
    clock = Clock.objects.get(case=case, kind=ClockKind.WRITTEN_NOTICE)
    assert (clock.responsible, clock.due_at) == (cast.desk, datetime(2026, 6, 5, tzinfo=SHANGHAI))
    # On the register (台账) the department head sees it with that clock.
    with time_machine.travel(MONDAY + timedelta(hours=2), tick=False):
        register = signed_in(cast.head).get(reverse("intake:rejection_register"))
    assert [row.pk for row in register.context["page"]] == [filing.pk]
    page = register.content.decode()
    assert case.number in page
    assert "2026-06-04 24:00" in page


def test_it_registers_only_an_application_for_review(cast: Cast) -> None:
    response = signed_in(cast.desk).post(URL, contact(disposition="review"))
    assert response.status_code == 400
    assert "只有申请类事项可以登记待审" in response.content.decode()
    assert not Case.objects.exists()


def test_it_lets_the_clerk_refuse_an_application_registered_for_review_and_nobody_else(
    cast: Cast,
) -> None:
    with time_machine.travel(FRIDAY_AFTERNOON, tick=False):
        case = registration_submit(
            actor=cast.desk,
            contact=Contact(
                channel="visit",
                matter_kind=MatterKind.APPLICATION,
                urgency="normal",
                subject="过户更名",
                content="房屋已过户,申请将用水户名变更为新业主。",
                citizen_name="王五",
                citizen_phone="13700000000",
            ),
            disposition=Disposition.REVIEW,
        )
    assert case.state == CaseState.REGISTERED
    # Leadership sees the case but does not refuse at the desk; another department's
    # handler neither sees nor refuses it. Both are told so in Chinese.
    for person in (cast.leader, cast.outsider):
        with pytest.raises(PermissionDenied) as refused:
            rejection_file(actor=person, case=case, reason=REASON, legal_basis=BASIS)
        assert str(refused.value) == "您无权执行此操作。"
        with time_machine.travel(FRIDAY_AFTERNOON, tick=False):
            page = signed_in(person).get(reverse("intake:rejection_new", args=[case.number]))
        assert page.status_code == 403
    with pytest.raises(ValidationError) as missing:
        rejection_file(actor=cast.desk, case=case, reason=REASON, legal_basis="")
    assert "请填写不予受理的法律依据" in " ".join(missing.value.messages)

    with time_machine.travel(FRIDAY_AFTERNOON + timedelta(minutes=20), tick=False):
        filing = rejection_file(actor=cast.desk, case=case, reason=REASON, legal_basis=BASIS)
    assert Case.objects.get(pk=case.pk).state == CaseState.REJECTED
    # Filed on a Friday: Monday 8, Tuesday 9 and Wednesday 10 June count, to 24:00.
    clock = Clock.objects.get(case=filing.case, kind=ClockKind.WRITTEN_NOTICE)
    assert clock.started_at == FRIDAY_AFTERNOON + timedelta(minutes=20)
    assert clock.due_at == datetime(2026, 6, 11, tzinfo=SHANGHAI)
