"""Messages to the citizen (README "Messages to the citizen", issue 23 part 1).

A step that owes the citizen a message calls ``message_queue`` (or, from another app,
``case_message_send``) inside its own transaction: the message is a row of that
transaction, keyed by the step (``suspension:12``), so owing it twice (a task run twice,
a retried request) writes nothing more, and the outbox (accountability.outbox) sends the
task after the commit. ``message_deliver`` (deadlines.tasks.send_citizen_message) claims
an attempt with an append-only event before it calls the backend, so two workers never
send the same attempt; an error is retried with backoff, up to MESSAGES_MAX_ATTEMPTS.
Delivery receipts (``message_receipts_record``) settle a message once.

An SMS owed during quiet hours (MESSAGES_QUIET_HOURS, 22:00–08:00 by default) waits for
their end, except outage messages; an address that opted out gets nothing.
"""

from __future__ import annotations

import functools
import logging
import string
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accountability import audit
from accountability.outbox import outbox_enqueue
from accountability.rules import may
from deadlines.messaging import (
    Outgoing,
    PermanentError,
    Receipt,
    TransientError,
    backend_get,
)
from deadlines.messaging.sealing import seal, unseal
from deadlines.models import (
    Case,
    CaseEvent,
    CitizenMessage,
    Clock,
    ClockKind,
    ExtensionRequest,
    MessageChannel,
    MessageEvent,
    MessageKind,
    MessageOptOut,
    MessageStatus,
    MessageTemplate,
    Suspension,
)
from deadlines.templatetags.moments import deadline_text
from deadlines.worktime import LOCAL_TZ

if TYPE_CHECKING:
    from django.contrib.auth.models import User

logger = logging.getLogger(__name__)

SEND_TASK = "deadlines.tasks.send_citizen_message"
# Outage messages are not held by quiet hours (the issue: "except outages").
URGENT_KINDS = frozenset({MessageKind.OUTAGE_START, MessageKind.OUTAGE_RESTORED})
# A claimed attempt with no outcome after this long was lost with its worker: the next
# run makes a new attempt.
STALE_ATTEMPT = timedelta(minutes=10)
# Backoff between attempts: 1, 2, 4… minutes, at most an hour.
FIRST_BACKOFF_S = 60
MAX_BACKOFF_S = 3600
# The sweep (messages_send_due) looks this far back for messages still owed.
SWEEP_LOOKBACK = timedelta(days=3)
SWEEP_BATCH = 200


# -- quiet hours ------------------------------------------------------------------------------


def _clock_time(text: str) -> time:
    hours, minutes = text.strip().split(":")
    return time(int(hours), int(minutes))


def quiet_hours() -> tuple[time, time] | None:
    """(start, end) of the quiet hours in Beijing time, or None when switched off."""
    value = getattr(settings, "MESSAGES_QUIET_HOURS", "22:00-08:00")
    if not value or value.lower() == "off":
        return None
    start, end = value.split("-")
    return _clock_time(start), _clock_time(end)


def quiet_until(moment: datetime, window: tuple[time, time] | None) -> datetime | None:
    """The end of the quiet hours `moment` falls in, or None when it falls in none."""
    if window is None:
        return None
    start, end = window
    local = timezone.localtime(moment, LOCAL_TZ)
    now = local.time()
    if start <= end:
        inside = start <= now < end
        end_day = local.date()
    else:  # across midnight, as 22:00-08:00
        inside = now >= start or now < end
        end_day = local.date() + timedelta(days=1) if now >= start else local.date()
    if not inside:
        return None
    return datetime.combine(end_day, end, tzinfo=LOCAL_TZ)


# -- queueing -----------------------------------------------------------------------------------


def opted_out(address: str) -> bool:
    return MessageOptOut.objects.filter(address=address.strip()).exists()


def _addresses(phone: str, email: str) -> list[tuple[str, str]]:
    found = []
    if phone.strip():
        found.append((MessageChannel.SMS.value, phone.strip()))
    if email.strip():
        found.append((MessageChannel.EMAIL.value, email.strip()))
    return found


def message_queue(
    *,
    actor: User | None,
    kind: str,
    key: str,
    phone: str = "",
    email: str = "",
    params: Mapping[str, Any],
    secret_params: Mapping[str, Any] | None = None,
    template_code: str | None = None,
    case: Case | None = None,
    clock: Clock | None = None,
    suspension: Suspension | None = None,
    extension: ExtensionRequest | None = None,
    at: datetime | None = None,
) -> list[CitizenMessage]:
    """Owe one message to the citizen, by SMS to `phone` and by email to `email` (each
    when given and not opted out), using the template `template_code` (by default the
    kind's). `key` names the step that owes it: owing it again returns the messages
    already owed and sends nothing more. The caller's service has checked permission;
    this runs inside its transaction and sends after the commit. Returns the messages
    owed (new or earlier); empty when there was nowhere to send it."""
    at = at or timezone.now()
    template = MessageTemplate.objects.filter(code=template_code or kind, active=True).first()
    if template is None:
        logger.warning("No active message template %r; nothing sent", template_code or kind)
        return []
    window = None if kind in URGENT_KINDS else quiet_hours()
    messages = []
    for channel, to in _addresses(phone, email):
        if opted_out(to):
            continue
        full_key = f"{key}:{channel}"
        existing = CitizenMessage.objects.filter(key=full_key).first()
        if existing is not None:
            messages.append(existing)
            continue
        held = quiet_until(at, window) if channel == MessageChannel.SMS else None
        message = CitizenMessage(
            key=full_key,
            kind=kind,
            channel=channel,
            to=to,
            template=template,
            params=dict(params),
            sealed=seal(dict(secret_params or {})),
            case=case,
            clock=clock,
            suspension=suspension,
            extension=extension,
            created_at=at,
            not_before=held or at,
            created_by=actor if actor is not None and actor.is_authenticated else None,
        )
        try:
            with transaction.atomic():
                message.save()
        except IntegrityError:
            # Owed at the same moment by a parallel run of the same step.
            messages.append(CitizenMessage.objects.get(key=full_key))
            continue
        audit.record(
            actor=actor,
            action="message.queue",
            obj=message,
            after={"kind": kind, "channel": channel, "key": full_key},
        )
        outbox_enqueue(task=SEND_TASK, kwargs={"message_id": message.pk})
        messages.append(message)
    return messages


def case_message_send(
    *,
    actor: User | None,
    case: Case,
    kind: str,
    key: str,
    params: Mapping[str, Any],
    secret_params: Mapping[str, Any] | None = None,
    template_code: str | None = None,
    clock: Clock | None = None,
) -> list[CitizenMessage]:
    """Send a templated message to the citizen of `case` (SMS to the case's phone, email
    to its address), once per `key`, for other apps' steps (the callback request of
    intake: kind=MessageKind.CALLBACK, key=f"callback:{…}", params with ``link``).
    ``number`` is added to the parameters. `actor` None is the system (a task); a person
    must be allowed to log contacts on the case."""
    if actor is not None and not may(actor, "deadlines.log_feedback", case):
        raise PermissionDenied(_("You are not allowed to do this."))
    with transaction.atomic():
        return message_queue(
            actor=actor,
            kind=kind,
            key=key,
            phone=case.citizen_phone,
            email=case.citizen_email,
            params={"number": case.number, **params},
            secret_params=secret_params,
            template_code=template_code,
            case=case,
            clock=clock,
        )


# -- the messages the case steps owe ----------------------------------------------------------


P = ParamSpec("P")
R = TypeVar("R")


def _in_citizens_language(function: Callable[P, R]) -> Callable[P, R]:
    """Parameters (dates, the procedure's name) in the portal's language, whatever the
    language of the page that took the step."""

    @functools.wraps(function)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with translation.override(settings.LANGUAGE_CODE):
            return function(*args, **kwargs)

    return wrapper


def _status_link(case: Case, secret: str) -> str:
    """The public status page of the case, opened by the link alone."""
    path = reverse("intake:public_status_link", kwargs={"number": case.number, "secret": secret})
    return f"{getattr(settings, 'PORTAL_URL', '')}{path}"


def _promised(case: Case) -> str:
    clock = (
        Clock.objects.filter(case=case, kind__in=[ClockKind.RESULT, ClockKind.CLOSURE])
        .exclude(due_at__isnull=True)
        .order_by("due_at")
        .first()
    )
    return deadline_text(clock.due_at) if clock and clock.due_at else ""


@_in_citizens_language
def message_for_receipt(*, actor: User, case: Case) -> list[CitizenMessage]:
    """The receipt (number, lookup secret, link, promised completion), from case_open,
    which alone knows the secret; the secret and the link are sealed."""
    secret = case.lookup_secret
    return message_queue(
        actor=actor,
        kind=MessageKind.RECEIPT,
        key=f"receipt:{case.pk}",
        phone=case.citizen_phone,
        email=case.citizen_email,
        params={"number": case.number, "due": _promised(case)},
        secret_params={"secret": secret, "link": _status_link(case, secret)} if secret else {},
        case=case,
        at=case.opened_at,
    )


@_in_citizens_language
def message_for_suspension(*, actor: User, suspension: Suspension) -> list[CitizenMessage]:
    """The suspension: the special procedure, its place, when it should end, and that the
    time does not count (the template says so)."""
    case = suspension.case
    return message_queue(
        actor=actor,
        kind=MessageKind.SUSPENSION,
        key=f"suspension:{suspension.pk}",
        phone=case.citizen_phone,
        email=case.citizen_email,
        params={
            "number": case.number,
            "procedure": str(suspension.get_kind_display()),
            "place": suspension.place,
            "until": deadline_text(suspension.expected_end),
        },
        case=case,
        suspension=suspension,
        at=suspension.started_at,
    )


@_in_citizens_language
def message_for_extension(
    *, actor: User, extension: ExtensionRequest, at: datetime
) -> list[CitizenMessage]:
    """An approved extension: the new deadline and the reason."""
    case, clock = extension.case, extension.clock
    return message_queue(
        actor=actor,
        kind=MessageKind.EXTENSION,
        key=f"extension:{extension.pk}",
        phone=case.citizen_phone,
        email=case.citizen_email,
        params={
            "number": case.number,
            "due": deadline_text(clock.due_at) if clock.due_at else "",
            "reason": extension.reason,
        },
        case=case,
        clock=clock,
        extension=extension,
        at=at,
    )


@_in_citizens_language
def message_for_result(*, actor: User, case: Case, at: datetime) -> list[CitizenMessage]:
    """The result, when the head signs it off (case_close); once per closing (a case
    reworked after a poor rating sends its new result)."""
    closings = CaseEvent.objects.filter(case=case, action="close").count()
    result = case.resolution.strip()
    if len(result) > 200:
        result = result[:199] + "…"
    return message_queue(
        actor=actor,
        kind=MessageKind.RESULT,
        key=f"result:{case.pk}:{closings}",
        phone=case.citizen_phone,
        email=case.citizen_email,
        params={"number": case.number, "result": result},
        case=case,
        at=at,
    )


def _contacts_in_area(area_names: Iterable[str]) -> tuple[set[str], set[str]]:
    """The phones and email addresses of the citizens whose address, on any of their
    cases, names one of the zones or streets (the portal keeps no account register: a
    citizen is known by the cases they brought)."""
    condition = Q()
    for name in area_names:
        if name.strip():
            condition |= Q(citizen_address__contains=name.strip())
    if not condition:
        return set(), set()
    phones, emails = set(), set()
    for phone, email in (
        Case.objects.filter(condition).values_list("citizen_phone", "citizen_email").distinct()
    ):
        if phone.strip():
            phones.add(phone.strip())
        if email.strip():
            emails.add(email.strip())
    return phones, emails


@_in_citizens_language
def messages_for_outage(
    *,
    actor: User,
    kind: str,
    outage_key: str,
    area_names: list[str],
    params: Mapping[str, Any],
    at: datetime | None = None,
) -> int:
    """Owe an outage message (start, or restoration) to every citizen in the area, once
    each per outage and kind: an area that widens reaches the new addresses only. Not
    held by quiet hours. Called by the outages app inside its service's transaction;
    returns how many messages were newly owed."""
    phones, emails = _contacts_in_area(area_names)
    owed = 0
    for address in sorted(phones | emails):
        key = f"{outage_key}:{kind}:{address}"
        is_email = address in emails and address not in phones
        channel = MessageChannel.EMAIL if is_email else MessageChannel.SMS
        if CitizenMessage.objects.filter(key=f"{key}:{channel}").exists():
            continue
        owed += len(
            message_queue(
                actor=actor,
                kind=kind,
                key=key,
                phone="" if is_email else address,
                email=address if is_email else "",
                params=params,
                at=at,
            )
        )
    return owed


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


# -- status and evidence ------------------------------------------------------------------------


def message_status(message: CitizenMessage) -> str:
    """The status of a message: that of its latest event, queued before any."""
    last = message.events.order_by("-id").first()
    if last is None:
        return MessageStatus.QUEUED
    if last.status == MessageStatus.ATTEMPT:
        return MessageStatus.ATTEMPT
    return str(last.status)


@dataclass(frozen=True)
class Telling:
    """What the messages serving one step say about telling the citizen."""

    told_at: datetime | None  # accepted by the provider, and delivered
    pending: bool  # a message still in flight (not settled)


def messages_telling(
    *, suspension_ids: Iterable[int] = (), extension_ids: Iterable[int] = ()
) -> dict[tuple[str, int], Telling]:
    """For each suspension and extension: when a message serving it reached the
    citizen (sent then, and delivered), and whether one is still in flight. Keys are
    ("suspension", id) and ("extension", id). Two queries."""
    condition = Q(suspension_id__in=list(suspension_ids)) | Q(extension_id__in=list(extension_ids))
    messages = list(
        CitizenMessage.objects.filter(condition).values("pk", "suspension_id", "extension_id")
    )
    events: dict[int, dict[str, datetime]] = {}
    for message_id, status, at in MessageEvent.objects.filter(
        message_id__in=[m["pk"] for m in messages],
        status__in=[MessageStatus.SENT, MessageStatus.DELIVERED, MessageStatus.FAILED],
    ).values_list("message_id", "status", "at"):
        events.setdefault(message_id, {})[status] = at
    result: dict[tuple[str, int], Telling] = {}
    for message in messages:
        key = (
            ("suspension", message["suspension_id"])
            if message["suspension_id"]
            else ("extension", message["extension_id"])
        )
        seen = events.get(message["pk"], {})
        told = seen.get(MessageStatus.SENT) if MessageStatus.DELIVERED in seen else None
        pending = MessageStatus.DELIVERED not in seen and MessageStatus.FAILED not in seen
        before = result.get(key, Telling(None, False))
        best = min((t for t in (before.told_at, told) if t is not None), default=None)
        result[key] = Telling(told_at=best, pending=before.pending or pending)
    return result
