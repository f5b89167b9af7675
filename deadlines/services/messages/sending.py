"""Sending: ``message_deliver`` claims an attempt with an append-only event before it
calls the backend, retried with backoff; the sweep of messages still owed
(``messages_send_due``); delivery receipts (``message_receipts_record``)."""

from __future__ import annotations

import logging
import string
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from deadlines.messaging import Outgoing, PermanentError, Receipt, TransientError, backend_get
from deadlines.messaging.sealing import unseal
from deadlines.models import CitizenMessage, MessageEvent, MessageStatus

if TYPE_CHECKING:
    pass

logger = logging.getLogger(__name__)

# A claimed attempt with no outcome after this long was lost with its worker: the next
# run makes a new attempt.
STALE_ATTEMPT = timedelta(minutes=10)
# Backoff between attempts: 1, 2, 4… minutes, at most an hour.
FIRST_BACKOFF_S = 60
MAX_BACKOFF_S = 3600
# The sweep (messages_send_due) looks this far back for messages still owed.
SWEEP_LOOKBACK = timedelta(days=3)
SWEEP_BATCH = 200


# -- sending ----------------------------------------------------------------------------------


class _Params(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return ""


def message_render(message: CitizenMessage) -> tuple[str, dict[str, Any]]:
    """The text and all parameters (the sealed ones included) of a message."""
    params = _Params({**message.params, **unseal(message.sealed)})
    body = string.Formatter().vformat(message.template.body, (), params)
    return body, dict(params)


def _backoff(attempt: int) -> int:
    return int(min(FIRST_BACKOFF_S * 2 ** max(attempt - 1, 0), MAX_BACKOFF_S))


@dataclass(frozen=True)
class Outcome:
    status: str  # done, held, busy, sent, retry, failed
    retry_in: int | None = None


def _event(message: CitizenMessage, status: str, at: datetime, **fields: Any) -> bool:
    """Append an event; False when a constraint says it exists already."""
    try:
        with transaction.atomic():
            MessageEvent.objects.create(message=message, status=status, at=at, **fields)
    except IntegrityError:
        return False
    return True


def message_deliver(*, message_id: int, now: datetime) -> Outcome:
    """Send one message now if it is owed: not yet sent or settled, out of its quiet
    hours, and not being sent by another worker. Safe to run twice or at once."""
    message = CitizenMessage.objects.select_related("template").get(pk=message_id)
    events = list(message.events.order_by("id"))
    if any(
        e.status in (MessageStatus.SENT, MessageStatus.DELIVERED, MessageStatus.FAILED)
        for e in events
    ):
        return Outcome("done")
    if now < message.not_before:
        return Outcome("held")
    attempts = [e for e in events if e.status == MessageStatus.ATTEMPT]
    last = events[-1] if events else None
    if last is not None and last.status == MessageStatus.ATTEMPT and now - last.at < STALE_ATTEMPT:
        return Outcome("busy")
    attempt = len(attempts) + 1
    max_attempts = settings.MESSAGES_MAX_ATTEMPTS
    if attempt > max_attempts:
        _event(message, MessageStatus.FAILED, now, detail="no attempts left")
        return Outcome("failed")
    if not _event(message, MessageStatus.ATTEMPT, now, attempt=attempt):
        return Outcome("busy")
    body, params = message_render(message)
    template = message.template
    outgoing = Outgoing(
        message_id=message.pk,
        channel=message.channel,
        to=message.to,
        body=body,
        subject=f"{template.name} {params.get('number', '')}".strip(),
        template_code=template.code,
        alibaba_code=template.alibaba_code,
        tencent_id=template.tencent_id,
        param_names=list(template.param_names),
        params=params,
    )
    try:
        accepted = backend_get().send(outgoing)
    except PermanentError as error:
        _event(message, MessageStatus.FAILED, timezone.now(), attempt=attempt, detail=str(error))
        return Outcome("failed")
    except Exception as error:  # TransientError, and whatever a provider's SDK raises
        if not isinstance(error, TransientError):
            logger.warning("Message %s: attempt %s failed", message.pk, attempt, exc_info=True)
        at = timezone.now()
        _event(message, MessageStatus.ERROR, at, attempt=attempt, detail=str(error)[:500])
        if attempt >= max_attempts:
            _event(message, MessageStatus.FAILED, at, attempt=attempt, detail=str(error)[:500])
            return Outcome("failed")
        return Outcome("retry", retry_in=_backoff(attempt))
    at = timezone.now()
    _event(message, MessageStatus.SENT, at, attempt=attempt, provider_ref=accepted.provider_ref)
    if accepted.delivered:
        _event(message, MessageStatus.DELIVERED, at, attempt=attempt)
    return Outcome("sent")


def messages_send_due(*, now: datetime, batch: int = SWEEP_BATCH) -> int:
    """Beat's sweep: send the messages still owed (held by quiet hours that have ended,
    a retry the broker lost, a task never taken); returns how many were sent."""
    finished = MessageEvent.objects.filter(
        message=OuterRef("pk"),
        status__in=[MessageStatus.SENT, MessageStatus.DELIVERED, MessageStatus.FAILED],
    )
    owed = (
        CitizenMessage.objects.filter(
            not_before__lte=now - timedelta(seconds=30),
            not_before__gte=now - SWEEP_LOOKBACK,
        )
        .exclude(Exists(finished))
        .order_by("not_before", "id")
        .values_list("pk", flat=True)[:batch]
    )
    sent = 0
    for message_id in list(owed):
        events = list(MessageEvent.objects.filter(message_id=message_id).order_by("-id")[:1])
        waiting = events and events[0].status == MessageStatus.ERROR
        if waiting and now - events[0].at < timedelta(seconds=_backoff(events[0].attempt)):
            continue
        sent += message_deliver(message_id=message_id, now=now).status == "sent"
    return sent


# -- delivery receipts ------------------------------------------------------------------------


def message_receipts_record(*, receipts: Iterable[Receipt], now: datetime) -> int:
    """Settle the messages the receipts name (by the provider's reference) as delivered
    or failed, once each; receipts for unknown or settled messages change nothing.
    The caller has checked the provider's signature. Returns how many were recorded."""
    recorded = 0
    for receipt in receipts:
        sent = (
            MessageEvent.objects.filter(
                status=MessageStatus.SENT, provider_ref=receipt.provider_ref
            )
            .select_related("message")
            .first()
        )
        if sent is None:
            continue
        status = MessageStatus.DELIVERED if receipt.delivered else MessageStatus.FAILED
        if _event(
            sent.message,
            status,
            receipt.at or now,
            attempt=sent.attempt,
            provider_ref=receipt.provider_ref,
            detail=receipt.detail[:500],
        ):
            recorded += 1
    return recorded
