"""Messages to the citizen (issue 23 part 1): each step sends its message once, quiet
hours and opt-outs hold, receipts need the provider's signature, and a delivered message
is the "citizen told" evidence a suspension and an extension require."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import override

from deadlines.messaging import Accepted, Backend, Outgoing, PermanentError, TransientError
from deadlines.messaging.receipts import signed_headers
from deadlines.models import (
    Breach,
    BreachKind,
    CitizenMessage,
    Clock,
    ClockKind,
    FeedbackEntry,
    MatterKind,
    MessageEvent,
    MessageKind,
    MessageOptOut,
    MessageStatus,
    Suspension,
)
from deadlines.services.cases import (
    case_accept,
    case_close,
    case_decide_extension,
    case_log_feedback,
    case_request_extension,
    case_resolve,
    case_start_work,
    case_suspend,
)
from deadlines.services.messages import (
    case_message_send,
    message_deliver,
    message_for_suspension,
    message_receipts_record,
    message_render,
    message_status,
    messages_send_due,
    quiet_until,
)
from deadlines.services.scans import extensions_flag_untold, suspensions_flag_untold
from deadlines.tasks import send_citizen_message
from tests.deadlines.conftest import Cast, open_case

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
# Monday 1 June 2026, 09:00: an ordinary working week.
MONDAY = datetime(2026, 6, 1, 9, tzinfo=SHANGHAI)


def at(month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def folder(settings: Any, tmp_path: Path) -> Path:
    settings.MESSAGES_BACKEND = "file"
    settings.MESSAGES_DIR = str(tmp_path / "messages")
    settings.MESSAGES_QUIET_HOURS = "22:00-08:00"
    settings.MESSAGES_MAX_ATTEMPTS = 3
    settings.MESSAGES_RECEIPT_SECRETS = {"file": "s3cret", "alibaba": "a", "tencent": "t"}
    return tmp_path / "messages"


@pytest.fixture
def travel() -> Iterator[Any]:
    traveller: list[Any] = []

    def go(moment: datetime) -> None:
        if traveller:
            traveller.pop().stop()
        machine = time_machine.travel(moment, tick=False)
        machine.start()
        traveller.append(machine)

    yield go
    if traveller:
        traveller.pop().stop()


def deliver_all(now: datetime | None = None, *, twice: bool = False) -> None:
    for message in CitizenMessage.objects.order_by("id"):
        for _ in range(2 if twice else 1):
            message_deliver(message_id=message.pk, now=now or timezone.now())


def statuses(message: CitizenMessage) -> list[str]:
    return list(message.events.order_by("id").values_list("status", flat=True))


def in_work(cast: Cast, travel: Any, **fields: Any) -> Any:
    travel(MONDAY)
    case = open_case(cast, **fields)
    case = case_accept(actor=cast.handler, case=case)
    return case_start_work(actor=cast.handler, case=case)


def suspend(cast: Cast, case: Any) -> Suspension:
    return case_suspend(
        actor=cast.handler,
        case=case,
        kind="testing",
        expected_end=at(6, 10),
        place="水质检测中心",
        citizen_notice="检测期间不计入办理时限。",
    )


# -- each step sends its message, once ------------------------------------------------------


def test_it_sends_the_receipt_once_with_its_secret_sealed(
    cast: Cast, travel: Any, folder: Path
) -> None:
    travel(MONDAY)
    case = open_case(cast, citizen_email="zhang@example.com")
    secret = case.lookup_secret
    sms, email = CitizenMessage.objects.filter(case=case).order_by("channel").reverse()
    assert (sms.kind, sms.channel, sms.to) == (MessageKind.RECEIPT, "sms", "13800000000")
    assert (email.channel, email.to) == ("email", "zhang@example.com")
    # The secret is not readable from the database, only from the sealed parameters.
    assert secret not in json.dumps(sms.params)
    assert secret not in sms.sealed
    body, _params = message_render(sms)
    assert case.number in body
    assert secret in body
    assert f"status/{case.number}/{secret}/" in body
    assert "2026-06-03 24:00" in body  # the promised completion
    deliver_all(twice=True)
    send_citizen_message.apply(args=(sms.pk,))  # the task run a third time
    files = sorted(folder.iterdir())
    assert len(files) == 2
    assert secret in files[0].read_text(encoding="utf-8")
    assert statuses(sms) == ["attempt", "sent", "delivered"]
    assert message_status(sms) == MessageStatus.DELIVERED


def test_it_sends_each_step_its_message_exactly_once(cast: Cast, travel: Any, folder: Path) -> None:
    case = in_work(cast, travel)
    suspension = suspend(cast, case)
    # The step owing its message again (a retried request, a task run twice) adds none.
    message_for_suspension(actor=cast.handler, suspension=suspension)
    kinds = list(CitizenMessage.objects.order_by("id").values_list("kind", flat=True))
    assert kinds == [MessageKind.RECEIPT, MessageKind.SUSPENSION]
    sms = CitizenMessage.objects.get(kind=MessageKind.SUSPENSION)
    body, _ = message_render(sms)
    assert "水质检测中心" in body
    assert "不计入办理时限" in body
    assert "检测" in body
    deliver_all(twice=True)
    assert MessageEvent.objects.filter(status=MessageStatus.SENT).count() == 2
    assert len(list(folder.iterdir())) == 2


def test_it_sends_the_extension_and_the_result(cast: Cast, travel: Any) -> None:
    travel(MONDAY)
    case = open_case(cast, matter_kind=MatterKind.PETITION)
    case = case_accept(actor=cast.head, case=case, handler=cast.handler)
    closure = Clock.objects.get(case=case, kind=ClockKind.CLOSURE)
    travel(MONDAY + timedelta(days=1))
    extension = case_request_extension(
        actor=cast.handler, case=case, clock=closure, amount=10, reason="需专家评审"
    )
    case.refresh_from_db()
    case_decide_extension(
        actor=cast.head,
        case=case,
        extension=extension,
        approve=True,
        notice_channel=FeedbackEntry.Channel.SMS,
    )
    message = CitizenMessage.objects.get(kind=MessageKind.EXTENSION)
    closure.refresh_from_db()
    assert message.extension_id == extension.pk
    assert message.clock_id == closure.pk
    body, _ = message_render(message)
    assert "需专家评审" in body
    assert "延期" in body
    extension.refresh_from_db()
    assert extension.citizen_told_at == timezone.now()
    assert extension.citizen_notice is None

    case.refresh_from_db()
    case = case_start_work(actor=cast.handler, case=case)
    case = case_resolve(actor=cast.handler, case=case, resolution="已更换减压阀,水压恢复。")
    case_close(actor=cast.head, case=case)
    result = CitizenMessage.objects.get(kind=MessageKind.RESULT)
    assert "已更换减压阀" in message_render(result)[0]
    assert CitizenMessage.objects.filter(case=case).count() == 3


def test_an_extension_told_by_message_needs_somewhere_to_send_it(cast: Cast, travel: Any) -> None:
    travel(MONDAY)
    case = open_case(cast, matter_kind=MatterKind.PETITION, citizen_phone="")
    case = case_accept(actor=cast.head, case=case, handler=cast.handler)
    closure = Clock.objects.get(case=case, kind=ClockKind.CLOSURE)
    extension = case_request_extension(
        actor=cast.handler, case=case, clock=closure, amount=10, reason="需专家评审"
    )
    case.refresh_from_db()
    with override("en"), pytest.raises(ValidationError, match="no phone number"):
        case_decide_extension(
            actor=cast.head,
            case=case,
            extension=extension,
            approve=True,
            notice_channel=FeedbackEntry.Channel.SMS,
        )


def test_another_app_sends_a_templated_message_to_the_citizen(cast: Cast, travel: Any) -> None:
    travel(MONDAY)
    case = open_case(cast)
    for _ in range(2):
        case_message_send(
            actor=None,
            case=case,
            kind=MessageKind.CALLBACK,
            key=f"callback:{case.pk}:1",
            params={"link": "https://example.org/r/abc"},
        )
    message = CitizenMessage.objects.get(kind=MessageKind.CALLBACK)
    assert "https://example.org/r/abc" in message_render(message)[0]
    with pytest.raises(PermissionDenied):
        case_message_send(
            actor=cast.outsider, case=case, kind=MessageKind.CALLBACK, key="x", params={}
        )


# -- quiet hours and opt-out ----------------------------------------------------------------


def test_quiet_hours_hold_an_sms_until_eight_but_not_an_outage_message() -> None:
    window = (time(22), time(8))
    assert quiet_until(at(6, 1, 23, 30), window) == at(6, 2, 8)
    assert quiet_until(at(6, 2, 7, 59), window) == at(6, 2, 8)
    assert quiet_until(at(6, 2, 8), window) is None
    assert quiet_until(at(6, 2, 21, 59), window) is None


def test_a_receipt_at_night_waits_for_the_morning(cast: Cast, travel: Any, folder: Path) -> None:
    travel(at(6, 1, 23, 10))
    open_case(cast, citizen_email="zhang@example.com")
    sms = CitizenMessage.objects.get(channel="sms")
    email = CitizenMessage.objects.get(channel="email")
    assert sms.not_before == at(6, 2, 8)
    assert email.not_before == at(6, 1, 23, 10)  # email wakes nobody
    assert message_deliver(message_id=sms.pk, now=timezone.now()).status == "held"
    assert statuses(sms) == []
    assert messages_send_due(now=at(6, 1, 23, 20)) == 1  # the email only
    assert messages_send_due(now=at(6, 2, 8, 1)) == 1
    assert statuses(sms) == ["attempt", "sent", "delivered"]
    assert messages_send_due(now=at(6, 2, 8, 10)) == 0


def test_an_outage_message_goes_at_night(cast: Cast, travel: Any) -> None:
    from deadlines.services.messages import message_queue

    travel(at(6, 1, 23, 10))
    (message,) = message_queue(
        actor=None,
        kind=MessageKind.OUTAGE_START,
        key="outage:1:acct:1",
        phone="13900000000",
        params={"area": "幸福小区", "reason": "管道抢修", "start": "23:30", "end": "次日6:00"},
    )
    assert message.not_before == at(6, 1, 23, 10)


def test_an_opted_out_citizen_gets_nothing(cast: Cast, travel: Any) -> None:
    MessageOptOut.objects.create(address="13800000000")
    travel(MONDAY)
    open_case(cast)
    assert not CitizenMessage.objects.exists()


# -- retries ----------------------------------------------------------------------------------


class Flaky(Backend):
    calls: list[Outgoing] = []
    error: type[Exception] = TransientError

    def send_sms(self, outgoing: Outgoing) -> Accepted:
        Flaky.calls.append(outgoing)
        raise Flaky.error("provider busy")


@pytest.fixture
def flaky(settings: Any) -> type[Flaky]:
    settings.MESSAGES_BACKEND = f"{__name__}.Flaky"
    Flaky.calls, Flaky.error = [], TransientError
    return Flaky


def test_a_failed_attempt_is_retried_with_backoff_then_given_up(
    cast: Cast, travel: Any, flaky: type[Flaky]
) -> None:
    travel(MONDAY)
    open_case(cast)
    message = CitizenMessage.objects.get()
    outcome = message_deliver(message_id=message.pk, now=timezone.now())
    assert (outcome.status, outcome.retry_in) == ("retry", 60)
    # The sweep waits for the backoff before trying again.
    assert messages_send_due(now=MONDAY + timedelta(seconds=59)) == 0
    assert len(flaky.calls) == 1
    assert message_deliver(message_id=message.pk, now=timezone.now()).retry_in == 120
    assert message_deliver(message_id=message.pk, now=timezone.now()).status == "failed"
    assert statuses(message) == ["attempt", "error"] * 3 + ["failed"]
    assert message_deliver(message_id=message.pk, now=timezone.now()).status == "done"
    assert len(flaky.calls) == 3


def test_the_task_retries_through_celery(cast: Cast, travel: Any, flaky: type[Flaky]) -> None:
    travel(MONDAY)
    open_case(cast)
    message = CitizenMessage.objects.get()
    send_citizen_message.apply(args=(message.pk,))  # eager: retries run at once
    assert len(flaky.calls) == 3
    assert message_status(message) == MessageStatus.FAILED


def test_a_refused_message_fails_at_once(cast: Cast, travel: Any, flaky: type[Flaky]) -> None:
    flaky.error = PermanentError
    travel(MONDAY)
    open_case(cast)
    message = CitizenMessage.objects.get()
    assert message_deliver(message_id=message.pk, now=timezone.now()).status == "failed"
    assert statuses(message) == ["attempt", "failed"]


def test_a_claimed_attempt_is_not_sent_again_by_a_second_worker(
    cast: Cast, travel: Any, folder: Path
) -> None:
    travel(MONDAY)
    open_case(cast)
    message = CitizenMessage.objects.get()
    MessageEvent.objects.create(message=message, status=MessageStatus.ATTEMPT, attempt=1)
    assert message_deliver(message_id=message.pk, now=timezone.now()).status == "busy"
    assert not folder.exists()
    # Its worker lost: after a while a new attempt sends it.
    later = timezone.now() + timedelta(minutes=11)
    assert message_deliver(message_id=message.pk, now=later).status == "sent"


# -- delivery receipts ----------------------------------------------------------------------


class Pending(Backend):
    def send_sms(self, outgoing: Outgoing) -> Accepted:
        return Accepted(provider_ref=f"ref-{outgoing.message_id}")


@pytest.fixture
def pending(settings: Any) -> None:
    settings.MESSAGES_BACKEND = f"{__name__}.Pending"


def post_receipts(client: Client, body: bytes, headers: dict[str, str]) -> Any:
    return client.post(
        reverse("deadlines:message_receipts", args=["file"]),
        data=body,
        content_type="application/json",
        headers=headers,
    )


def test_receipts_with_bad_signatures_are_refused(
    cast: Cast, travel: Any, pending: None, client: Client
) -> None:
    travel(MONDAY)
    open_case(cast)
    message = CitizenMessage.objects.get()
    deliver_all()
    body = json.dumps([{"ref": f"ref-{message.pk}", "delivered": True}]).encode()
    good = signed_headers("file", body)
    forged = {**good, "X-Receipt-Signature": "0" * 64}
    stale = signed_headers("file", body, now=timezone.now().timestamp() - 3600)
    for headers in ({}, forged, stale):
        assert post_receipts(client, body, headers).status_code == 403
    # Signed over another body.
    assert post_receipts(client, body.replace(b"true", b"false"), good).status_code == 403
    assert message_status(message) == MessageStatus.SENT
    answer = post_receipts(client, body, good)
    assert answer.status_code == 200
    assert answer.json()["recorded"] == 1
    assert message_status(message) == MessageStatus.DELIVERED
    # Pushed again: settled once.
    assert post_receipts(client, body, signed_headers("file", body)).json()["recorded"] == 0


def test_receipts_are_refused_when_no_secret_is_set(
    cast: Cast, settings: Any, client: Client
) -> None:
    settings.MESSAGES_RECEIPT_SECRETS = {"file": ""}
    body = b"[]"
    assert post_receipts(client, body, signed_headers("file", body)).status_code == 403


# -- the evidence rule ------------------------------------------------------------------------

# Suspended Monday 1 June at 09:00: the citizen must be told by 24:00 on Tuesday 2 June.
TELL_BY = at(6, 3)


def test_a_suspension_told_by_sms_in_time_raises_no_breach(
    cast: Cast, travel: Any, pending: None
) -> None:
    case = in_work(cast, travel)
    suspension = suspend(cast, case)
    deliver_all()
    sms = CitizenMessage.objects.get(suspension=suspension)
    from deadlines.messaging import Receipt

    message_receipts_record(
        receipts=[Receipt(provider_ref=f"ref-{sms.pk}", delivered=True)], now=timezone.now()
    )
    assert suspensions_flag_untold(now=TELL_BY + timedelta(days=2)).created == 0
    assert not Breach.objects.exists()


def test_a_suspension_whose_message_failed_is_a_breach(
    cast: Cast, travel: Any, pending: None
) -> None:
    case = in_work(cast, travel)
    suspension = suspend(cast, case)
    deliver_all()
    sms = CitizenMessage.objects.get(suspension=suspension)
    from deadlines.messaging import Receipt

    message_receipts_record(
        receipts=[Receipt(provider_ref=f"ref-{sms.pk}", delivered=False, detail="空号")],
        now=timezone.now(),
    )
    assert suspensions_flag_untold(now=TELL_BY - timedelta(minutes=1)).created == 0  # not yet
    assert suspensions_flag_untold(now=TELL_BY + timedelta(minutes=1)).created == 1
    assert suspensions_flag_untold(now=TELL_BY + timedelta(hours=1)).created == 0  # once
    breach = Breach.objects.get()
    assert (breach.kind, breach.suspension, breach.moment) == (
        BreachKind.SUSPENSION_NOT_TOLD,
        suspension,
        TELL_BY,
    )
    assert breach.responsible == cast.handler
    assert breach.clock.kind == ClockKind.RESULT


def test_a_message_awaiting_its_receipt_holds_the_verdict_for_a_day(
    cast: Cast, travel: Any, pending: None
) -> None:
    case = in_work(cast, travel)
    suspend(cast, case)
    deliver_all()  # sent, no receipt yet
    assert suspensions_flag_untold(now=TELL_BY + timedelta(hours=23)).created == 0
    assert suspensions_flag_untold(now=TELL_BY + timedelta(hours=25)).created == 1


def test_a_phone_call_logged_by_staff_is_evidence_too(cast: Cast, travel: Any) -> None:
    case = in_work(cast, travel, citizen_phone="")
    suspension = suspend(cast, case)
    assert not CitizenMessage.objects.filter(suspension=suspension).exists()
    case.refresh_from_db()
    case_log_feedback(
        actor=cast.handler,
        case=case,
        audience=FeedbackEntry.Audience.CITIZEN,
        channel=FeedbackEntry.Channel.PHONE,
        content="已电话告知检测时间、地点及不计入办理时限。",
    )
    assert suspensions_flag_untold(now=TELL_BY + timedelta(days=2)).created == 0


def test_an_untold_suspension_without_a_phone_is_a_breach(cast: Cast, travel: Any) -> None:
    case = in_work(cast, travel, citizen_phone="")
    suspend(cast, case)
    assert suspensions_flag_untold(now=TELL_BY + timedelta(minutes=1)).created == 1


def test_an_extension_told_by_a_delivered_message_raises_no_breach(
    cast: Cast, travel: Any, pending: None
) -> None:
    from deadlines.messaging import Receipt

    outcomes = {}
    for delivered in (True, False):
        travel(MONDAY)
        case = open_case(cast, matter_kind=MatterKind.PETITION)
        case = case_accept(actor=cast.head, case=case, handler=cast.handler)
        closure = Clock.objects.get(case=case, kind=ClockKind.CLOSURE)
        extension = case_request_extension(
            actor=cast.handler, case=case, clock=closure, amount=10, reason="需专家评审"
        )
        case.refresh_from_db()
        case_decide_extension(
            actor=cast.head,
            case=case,
            extension=extension,
            approve=True,
            notice_channel=FeedbackEntry.Channel.SMS,
        )
        message = CitizenMessage.objects.get(extension=extension)
        message_deliver(message_id=message.pk, now=timezone.now())
        message_receipts_record(
            receipts=[Receipt(provider_ref=f"ref-{message.pk}", delivered=delivered)],
            now=timezone.now(),
        )
        outcomes[delivered] = extension
    assert extensions_flag_untold(now=TELL_BY + timedelta(minutes=1)).created == 1
    assert Breach.objects.get().extension == outcomes[False]


def test_run_by_the_outbox_a_failed_attempt_queues_its_retry(
    cast: Cast, travel: Any, flaky: type[Flaky], monkeypatch: pytest.MonkeyPatch
) -> None:
    queued: list[dict[str, Any]] = []
    monkeypatch.setattr(
        send_citizen_message, "apply_async", lambda **options: queued.append(options)
    )
    travel(MONDAY)
    open_case(cast)
    message = CitizenMessage.objects.get()
    # The outbox's delivery calls the task directly (accountability.outbox.outbox_deliver).
    assert send_citizen_message(message_id=message.pk) == "retry"
    assert queued == [{"args": (message.pk,), "countdown": 60}]
