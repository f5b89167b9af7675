"""Owing a message to the citizen: ``message_queue`` (and ``case_message_send`` for other
apps' steps) writes it in the caller's transaction, once per step, and the outbox sends
it after the commit; the quiet hours an SMS waits for and the opted-out addresses."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accountability import audit
from accountability.outbox import outbox_enqueue
from accountability.rules import may
from deadlines.messaging.sealing import seal
from deadlines.models import (
    Case,
    CitizenMessage,
    Clock,
    ExtensionRequest,
    MessageChannel,
    MessageKind,
    MessageOptOut,
    MessageTemplate,
    Suspension,
)
from deadlines.worktime import LOCAL_TZ

if TYPE_CHECKING:
    from django.contrib.auth.models import User

logger = logging.getLogger(__name__)

SEND_TASK = "deadlines.tasks.send_citizen_message"
# Outage messages are not held by quiet hours (the issue: "except outages").
URGENT_KINDS = frozenset({MessageKind.OUTAGE_START, MessageKind.OUTAGE_RESTORED})


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
            created_by=audit.user_or_none(actor),
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
