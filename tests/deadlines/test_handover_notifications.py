"""Every hand-over tells its new owner (issue 22): the services write the notification in
their own transaction, to the person who actually got the work, never to the actor or a
person named in the complaint, with no citizen's name in its line, linking to the case
page where the work is done; emailed by the pending-email path when EMAIL_HOST is set."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils.translation import override

from accountability.models import Absence
from accountability.roles import Role
from deadlines.models import (
    Case,
    Channel,
    Clock,
    ClockKind,
    MatterKind,
    Notification,
    NotificationKind,
    Urgency,
)
from deadlines.selectors.notifications import notification_link, notification_text
from deadlines.services.cases import (
    case_accept,
    case_accept_transfer,
    case_assign,
    case_escalate,
    case_mark_complex,
    case_name_accused,
    case_request_extension,
    case_resolve,
    case_return_transfer,
    case_send_back,
    case_supervise,
    case_transfer,
)
from deadlines.services.notifications import notifications_email_pending
from intake.services.registration import Contact, Disposition, registration_submit
from tests.deadlines.conftest import Cast, open_case
from tests.factories import StaffFactory, UserFactory

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
# Monday 1 June 2026, 10:00 in Shanghai: a working day.
NOW = datetime(2026, 6, 1, 10, 0, tzinfo=SHANGHAI)
K = NotificationKind


@pytest.fixture(autouse=True)
def frozen() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


def fresh(case: Case) -> Case:
    return Case.objects.get(pk=case.pk)


def told(kind: str | None = None) -> list[tuple[Any, str]]:
    """(recipient, kind) of every notification, oldest first."""
    rows = Notification.objects.order_by("id")
    if kind is not None:
        rows = rows.filter(kind=kind)
    return [(n.recipient, n.kind) for n in rows.select_related("recipient")]


def the_one(kind: str) -> Notification:
    (notification,) = Notification.objects.filter(kind=kind).select_related("case")
    return notification


def in_hand(cast: Cast, **fields: Any) -> Case:
    return case_accept(actor=cast.head, case=open_case(cast, **fields), handler=cast.handler)


def assert_case_line(notification: Notification, case: Case) -> None:
    """The line names the case and its subject, never the citizen; it leads to the case."""
    with override("en"):
        text = notification_text(notification)
    assert case.number in text
    assert case.subject in text
    assert case.citizen_name not in text
    assert case.citizen_phone not in text
    assert notification_link(notification) == reverse("deadlines:case_detail", args=[case.number])
    assert notification.clock_id is None
    assert notification.event is not None
    assert notification.event.case_id == case.pk
    assert notification.moment == NOW


# -- accepting and assigning ------------------------------------------------------------


def test_accepting_with_another_handler_tells_the_handler_not_the_actor(cast: Cast) -> None:
    case = in_hand(cast)
    assert told() == [(cast.handler, K.HANDED_OVER)]
    assert_case_line(the_one(K.HANDED_OVER), case)

    Notification.objects.all().delete()
    case_accept(actor=cast.handler, case=open_case(cast), handler=None)
    assert told() == []  # took it on themselves


def test_passing_on_to_an_absent_colleague_tells_the_substitute_who_got_it(cast: Cast) -> None:
    substitute = StaffFactory(
        user=UserFactory(username="substitute", roles=[Role.HANDLER]), department=cast.service
    ).user
    Absence.objects.create(
        staff=cast.handler,
        starts_at=NOW - timedelta(days=1),
        ends_at=NOW + timedelta(days=2),
        substitute=substitute,
        reason="年假",
    )
    case_accept(actor=cast.desk, case=open_case(cast), handler=cast.handler)
    assert told() == [(substitute, K.HANDED_OVER)]


def test_registering_a_pass_on_tells_the_colleague(cast: Cast) -> None:
    contact = Contact(
        channel=Channel.PHONE,
        matter_kind=MatterKind.COMPLAINT,
        urgency=Urgency.NORMAL,
        subject="水压不足",
        content="三楼以上水压不足。",
        citizen_name="张三",
        citizen_phone="13800000000",
    )
    registration_submit(
        actor=cast.desk, contact=contact, disposition=Disposition.PASS_ON, colleague=cast.handler
    )
    assert told() == [(cast.handler, K.HANDED_OVER)]


def test_reassigning_tells_the_new_handler_and_refusing_tells_nobody(cast: Cast) -> None:
    case = in_hand(cast)
    Notification.objects.all().delete()
    other = StaffFactory(
        user=UserFactory(username="other", roles=[Role.HANDLER]), department=cast.service
    ).user
    case = case_assign(actor=cast.head, case=case, handler=other, reason="人手调整")
    assert told() == [(other, K.HANDED_OVER)]
    assert_case_line(the_one(K.HANDED_OVER), case)

    Notification.objects.all().delete()
    with pytest.raises(PermissionDenied):
        case_assign(actor=cast.handler, case=fresh(case), handler=cast.handler)
    case_name_accused(actor=cast.desk, case=fresh(case), accused=[cast.handler], reason="态度")
    with pytest.raises(ValidationError):
        case_assign(actor=cast.head, case=fresh(case), handler=cast.handler)
    assert told() == []


# -- transfers ----------------------------------------------------------------------------


def test_a_case_registered_for_another_department_tells_its_head(cast: Cast) -> None:
    case = open_case(cast, department=cast.network)  # urgent matters go straight to a unit
    assert told() == [(cast.network_head, K.ARRIVED)]
    assert_case_line(the_one(K.ARRIVED), case)

    Notification.objects.all().delete()
    open_case(cast)  # registered in the desk's own department: nothing handed over
    assert told() == []


def test_a_transfer_tells_the_receiving_head_then_the_handler_they_choose(cast: Cast) -> None:
    case = open_case(cast)
    case_transfer(actor=cast.desk, case=case, to_department=cast.network, handover_note="管网问题")
    assert told() == [(cast.network_head, K.TRANSFER_AWAITING)]
    assert_case_line(the_one(K.TRANSFER_AWAITING), case)

    case_accept_transfer(actor=cast.network_head, case=fresh(case), handler=cast.network_handler)
    assert told(K.HANDED_OVER) == [(cast.network_handler, K.HANDED_OVER)]


def test_a_transfer_refused_for_recusal_tells_nobody(cast: Cast) -> None:
    case = open_case(cast)
    case_name_accused(actor=cast.desk, case=case, accused=[cast.network_head], reason="态度")
    with pytest.raises(ValidationError):
        case_transfer(
            actor=cast.desk, case=fresh(case), to_department=cast.network, handover_note="管网"
        )
    assert told() == []


def test_a_returned_transfer_tells_the_sender(cast: Cast) -> None:
    case = open_case(cast)
    case_transfer(actor=cast.desk, case=case, to_department=cast.network, handover_note="管网")
    case = case_return_transfer(actor=cast.network_head, case=fresh(case), reason="非本所职责")
    assert told(K.TRANSFER_RETURNED) == [(cast.desk, K.TRANSFER_RETURNED)]
    assert_case_line(the_one(K.TRANSFER_RETURNED), case)


# -- decisions awaited ------------------------------------------------------------------


def test_an_extension_request_tells_the_head_the_policy_names(cast: Cast) -> None:
    case = in_hand(cast, matter_kind=MatterKind.PETITION)
    closure = Clock.objects.get(case=case, kind=ClockKind.CLOSURE, stopped_at__isnull=True)
    case_request_extension(
        actor=cast.handler, case=fresh(case), clock=closure, amount=5, reason="需现场勘查。"
    )
    assert told(K.EXTENSION_AWAITING) == [(cast.head, K.EXTENSION_AWAITING)]
    assert_case_line(the_one(K.EXTENSION_AWAITING), case)


def test_an_extension_the_leader_approves_tells_the_supervising_leader(cast: Cast) -> None:
    cast.service.supervising_leader = cast.leader
    cast.service.save()
    case = in_hand(cast)
    case = case_mark_complex(actor=cast.head, case=case, reason="涉及三个单位。")
    result = Clock.objects.get(case=case, kind=ClockKind.RESULT, stopped_at__isnull=True)
    case_request_extension(
        actor=cast.head, case=case, clock=result, amount=3, reason="等待检测报告。"
    )
    assert told(K.EXTENSION_AWAITING) == [(cast.leader, K.EXTENSION_AWAITING)]


def test_escalating_tells_the_leader_and_naming_a_supervisor_tells_them(cast: Cast) -> None:
    case = in_hand(cast)
    case = case_escalate(actor=cast.handler, case=case, leader=cast.leader, reason="影响面大")
    assert told(K.ESCALATED) == [(cast.leader, K.ESCALATED)]
    assert_case_line(the_one(K.ESCALATED), case)

    case = case_supervise(actor=cast.leader, case=case, supervisor=cast.head, reason="督促")
    assert told(K.SUPERVISING) == [(cast.head, K.SUPERVISING)]
    # The head naming themselves is told nothing.
    case_supervise(actor=cast.head, case=case, supervisor=cast.head, reason="亲自督办")
    assert len(told(K.SUPERVISING)) == 1


def test_a_resolved_case_tells_its_head_unless_the_head_is_accused(cast: Cast) -> None:
    case = case_resolve(actor=cast.handler, case=in_hand(cast), resolution="已修复。")
    assert told(K.SIGN_OFF_AWAITING) == [(cast.head, K.SIGN_OFF_AWAITING)]
    assert_case_line(the_one(K.SIGN_OFF_AWAITING), case)

    Notification.objects.all().delete()
    case = in_hand(cast)
    case_name_accused(actor=cast.desk, case=case, accused=[cast.head], reason="推诿")
    case_resolve(actor=cast.handler, case=fresh(case), resolution="已修复。")
    assert told(K.SIGN_OFF_AWAITING) == []


def test_a_case_sent_back_tells_its_handler(cast: Cast) -> None:
    case = case_resolve(actor=cast.handler, case=in_hand(cast), resolution="已修复。")
    case = case_send_back(actor=cast.head, case=case, reason="缺少回访记录。")
    assert told(K.SENT_BACK) == [(cast.handler, K.SENT_BACK)]
    assert_case_line(the_one(K.SENT_BACK), case)


def test_a_resolution_refused_tells_nobody(cast: Cast) -> None:
    case = in_hand(cast)
    Notification.objects.all().delete()
    with pytest.raises(PermissionDenied):
        case_resolve(actor=cast.outsider, case=case, resolution="已修复。")
    with pytest.raises(ValidationError):
        case_resolve(actor=cast.handler, case=fresh(case), resolution=" ")
    assert told() == []


# -- email --------------------------------------------------------------------------------


def test_a_hand_over_is_emailed_when_email_is_configured(cast: Cast, settings: Any) -> None:
    cast.handler.email = "handler@example.cn"
    cast.handler.save()
    case = in_hand(cast)

    settings.EMAIL_HOST = ""
    assert notifications_email_pending(now=NOW) == 0
    settings.EMAIL_HOST = "smtp.example.cn"
    settings.PORTAL_URL = "https://portal.example.cn"
    assert notifications_email_pending(now=NOW + timedelta(seconds=1)) == 1
    (message,) = mail.outbox
    assert message.to == ["handler@example.cn"]
    link = reverse("deadlines:case_detail", args=[case.number])
    assert f"https://portal.example.cn{link}" in message.body
    assert case.citizen_name not in message.body
    assert notifications_email_pending(now=NOW + timedelta(seconds=2)) == 0


# -- the bell ---------------------------------------------------------------------------


def test_the_bell_shows_a_hand_over_in_chinese_and_opens_the_case(cast: Cast, client: Any) -> None:
    case = in_hand(cast)
    client.force_login(cast.handler)
    page = client.get(reverse("deadlines:notifications")).content.decode()
    assert f"办件 {case.number}（{case.subject}）已交给您办理。" in page
    assert "有办件交给您办理" in page
    assert case.citizen_name not in page
    notification = the_one(K.HANDED_OVER)
    opened = client.post(reverse("deadlines:notification_open", args=[notification.pk]))
    assert opened["Location"] == reverse("deadlines:case_detail", args=[case.number])
    notification.refresh_from_db()
    assert notification.read_at == NOW
