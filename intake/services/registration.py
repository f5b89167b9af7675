"""First-contact registration (首问登记): register the contact as a case and carry out
the first responder's disposition of it, in one transaction (DOMAIN §5)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accountability.models import Department
from accountability.selectors import dispatch_department
from deadlines.models import Case, MatterKind, Urgency
from deadlines.services import cases as case_services
from intake.services.refusal import refusal_flags_record
from outages.models import OutageEvent
from outages.services import outage_answer, outage_link_contact

if TYPE_CHECKING:
    from django.contrib.auth.models import User


class Disposition(StrEnum):
    """The five things a first responder does with a contact (DOMAIN §5), and, for an
    application, registering it for review: the desk decides later whether to accept or
    refuse it (否定备案, seed 002 附件1)."""

    ANSWER = "answer"  # answered on the spot
    ACCEPT = "accept"  # into the responder's own department, handled by them
    PASS_ON = "pass_on"  # to a colleague of the same department (who may be away)
    TRANSFER = "transfer"  # to the responsible department, with a handover record
    REFER_OUT = "refer_out"  # outside the utility's scope: guidance recorded
    REVIEW = "review"  # an application left registered in the own department (登记待审)


@dataclass(frozen=True)
class Contact:
    """What is registered about every contact."""

    channel: str
    matter_kind: str
    urgency: str
    subject: str
    content: str
    citizen_name: str
    citizen_phone: str = ""
    citizen_email: str = ""  # messages go there too (deadlines.services.messages)
    citizen_address: str = ""
    citizen_account: str = ""
    service_item_code: str = ""
    variant: str = ""  # a deadlines.models.Circumstance that selects a narrower limit


def _flag_refusals(case: Case, actor: User, *texts: str) -> None:
    refusal_flags_record(case=case, staff=actor, texts=texts)


@transaction.atomic
def registration_submit(
    *,
    actor: User,
    contact: Contact,
    disposition: Disposition,
    answer: str = "",
    colleague: Any = None,
    to_department: Department | None = None,
    handover_note: str = "",
    referred_to: str = "",
) -> Case:
    """Register the contact with the actor as first responder and dispose of it.

    Urgent matters (no water, a leak, polluted water) go straight to dispatch whatever
    the disposition, with the 1-hour feedback and 40-minute unit clocks (seed 003
    投诉工作要求 (1), 反馈制度 (1)). An application registered for review stays registered
    in the actor's department with the actor as first responder, so that the desk may
    still accept it or refuse it with a rejection filing. A refusal phrase standing on its
    own in the answer or the handover note is flagged for the head of the actor's
    department. The returned case carries the receipt's ``lookup_secret``.
    """
    profile = getattr(actor, "staff", None)
    if profile is None:
        raise ValidationError(_("Only staff with a department can register cases."))
    own = profile.department
    fields = {name: getattr(contact, name) for name in Contact.__dataclass_fields__}
    if contact.urgency == Urgency.URGENT:
        return case_services.case_open(actor=actor, department=dispatch_department(), **fields)

    if disposition == Disposition.REVIEW and contact.matter_kind != MatterKind.APPLICATION:
        raise ValidationError(
            _(
                "Only an application is registered for review (to be accepted or refused "
                "later); answer, accept, pass on, transfer or refer any other matter."
            )
        )
    case = case_services.case_open(actor=actor, department=own, **fields)
    secret = case.lookup_secret
    if disposition in (Disposition.ANSWER, Disposition.REFER_OUT):
        if disposition == Disposition.REFER_OUT and not referred_to.strip():
            raise ValidationError(_("Say which body the citizen should turn to, and how."))
        case = case_services.case_answer(
            actor=actor, case=case, answer=answer, referred_to=referred_to
        )
        _flag_refusals(case, actor, answer)
    elif disposition == Disposition.ACCEPT:
        case = case_services.case_accept(actor=actor, case=case, handler=actor)
    elif disposition == Disposition.PASS_ON:
        if colleague is None:
            raise ValidationError(_("Choose the colleague who handles it."))
        case = case_services.case_accept(actor=actor, case=case, handler=colleague)
    elif disposition == Disposition.TRANSFER:
        if to_department is None:
            raise ValidationError(_("Choose the department responsible."))
        case_services.case_transfer(
            actor=actor, case=case, to_department=to_department, handover_note=handover_note
        )
        _flag_refusals(case, actor, handover_note)
    case.lookup_secret = secret
    return case


@transaction.atomic
def registration_submit_outage(
    *, actor: User, contact: Contact, outage: OutageEvent, answer: str = ""
) -> tuple[Case, str]:
    """A "no water" contact about a running outage (issue 10): dispatch has the outage
    already, so the contact is registered as a normal matter, answered on the spot with
    the outage's information and expected restoration (or what the staff member said),
    and linked to the outage, which counts the contacts it caused. Returns the case and
    what the citizen was told; nothing is kept when the link is refused."""
    told = answer.strip() or outage_answer(outage)
    case = registration_submit(
        actor=actor,
        contact=replace(contact, urgency=Urgency.NORMAL),
        disposition=Disposition.ANSWER,
        answer=told,
    )
    outage_link_contact(actor=actor, event=outage, case=case)
    return case, told
