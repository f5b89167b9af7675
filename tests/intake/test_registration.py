"""First-contact registration (首问登记): the five dispositions, urgent matters to dispatch,
refusal phrases flagged, earlier contacts, and the receipt."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from accountability.models import Absence
from deadlines import lookup
from deadlines.models import Case, CaseState, ClockKind
from intake.models import RefusalFlag
from tests.deadlines.conftest import Cast, open_case
from tests.factories import PASSWORD, DepartmentFactory

pytestmark = pytest.mark.django_db

URL = reverse("intake:registration")
MONDAY = datetime(2026, 6, 1, 9, tzinfo=ZoneInfo("Asia/Shanghai"))


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
    assert "2026-06-04 00:00" in page  # the complaint's result, 2 calendar days
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
