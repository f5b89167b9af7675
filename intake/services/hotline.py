"""Contacts filed by the 12345 hotline through Open311 (POST /open311/v2/requests.json).

A hotline transfer is a first contact like any other (首问负责制): it is registered as a
case with channel "hotline", and its first responder is whoever is on duty at dispatch
(生产调度部), which takes matters at any hour: the dispatch department's head, or whoever
covers for the head at that moment (同岗替代). Dispatch then disposes of it as the front
desk would. The case stays "registered" until then.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accountability import audit
from accountability.models import ApiClient, ApiScope
from accountability.selectors import dispatch_department, who_covers
from deadlines.models import Case, Channel, MatterKind, Urgency
from deadlines.services import cases as case_services
from intake.models import ServiceItem

if TYPE_CHECKING:
    from django.contrib.auth.models import User

SUBJECT_LENGTH = 60


@dataclass(frozen=True)
class HotlineRequest:
    """What an Open311 POST carries, in the portal's terms."""

    service_code: str  # a catalogue item code, or a kind of matter
    description: str
    kind: str = ""  # for a catalogue item: the kind of matter, "application" by default
    urgency: str = Urgency.NORMAL
    first_name: str = ""
    last_name: str = ""
    phone: str = ""
    address: str = ""
    account_id: str = ""


def _kind_and_item(request: HotlineRequest) -> tuple[str, str]:
    if request.service_code in MatterKind.values:
        return request.service_code, ""
    if not ServiceItem.objects.filter(code=request.service_code, retired_at__isnull=True).exists():
        raise ValidationError({"service_code": [_("No service has this code.")]})
    kind = request.kind or MatterKind.APPLICATION
    if kind not in MatterKind.values:
        raise ValidationError({"kind": [_("No kind of matter has this code.")]})
    return kind, request.service_code


def on_duty_at_dispatch() -> User:
    """The first responder for a hotline contact now: dispatch's head or their cover."""
    dispatch = dispatch_department()
    cover = who_covers(user=dispatch.head, at=timezone.now()) if dispatch.head else None
    if cover is None or cover.user is None:
        raise ValidationError(
            _(
                "Nobody is on duty at dispatch to take the contact; an administrator must "
                "name its head."
            )
        )
    return cover.user


@transaction.atomic
def hotline_request_submit(*, client: ApiClient, request: HotlineRequest) -> Case:
    """Register a hotline contact; the returned case carries the receipt's
    ``lookup_secret``. The audit log records which client system filed it."""
    if not client.allows(ApiScope.OPEN311_WRITE):
        raise PermissionDenied(_("You are not allowed to do this."))
    description = request.description.strip()
    if not description:
        raise ValidationError({"description": [_("Describe the matter.")]})
    if request.urgency not in Urgency.values:
        raise ValidationError({"urgency": [_("Choose normal or urgent.")]})
    kind, item_code = _kind_and_item(request)
    responder = on_duty_at_dispatch()
    name = " ".join(part.strip() for part in (request.last_name, request.first_name) if part)
    first_line = description.splitlines()[0]
    case = case_services.case_open(
        actor=responder,
        department=dispatch_department(),
        channel=Channel.HOTLINE,
        matter_kind=kind,
        urgency=request.urgency,
        service_item_code=item_code,
        subject=first_line[:SUBJECT_LENGTH],
        content=description,
        citizen_name=name or _("Hotline caller (name not given)"),
        citizen_phone=request.phone,
        citizen_address=request.address,
        citizen_account=request.account_id,
    )
    audit.record(
        actor=None,
        action="open311.request",
        obj=case,
        after={"client": client.name, "client_id": client.pk, "number": case.number},
    )
    return case
