"""The messages the case steps owe the citizen (the receipt, a suspension, an approved
extension, the result) and an outage's messages to everyone in its area, with their
parameters in the portal's language."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from django.utils import translation

from deadlines.models import (
    Case,
    CaseEvent,
    CitizenMessage,
    Clock,
    ClockKind,
    ExtensionRequest,
    MessageChannel,
    MessageKind,
    Suspension,
)
from deadlines.templatetags.moments import deadline_text

if TYPE_CHECKING:
    from django.contrib.auth.models import User
from deadlines.services.messages.queueing import message_queue

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
