"""Refusal phrases (推诿用语, DOMAIN §5): a phrase standing as an expression of its own in
what a first responder answered or handed over is flagged for the head of their
department, who is told of it and looks at it. A flag is not a violation: it becomes one
only when a complaint about the same contact is founded (sanctions.services.ingest)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import rules
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accountability import audit
from accountability.models import Department, StaffProfile
from deadlines.bell import source_mark_all_read, source_mark_read
from deadlines.models import Case
from intake.models import RefusalFlag, RefusalFlagNotification, refusal_phrases_in

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def refusal_flag_recipient(department: Department, staff: User) -> User | None:
    """Who looks at a flag: the department's head; for the head's own phrase, the leader
    the head answers to (seed 000 §10). None when nobody is named."""
    head = department.head
    if head is not None and head.pk != staff.pk:
        return head
    leader = department.leader()
    return leader if leader is not None and leader.pk != staff.pk else None


def refusal_flags_record(*, case: Case, staff: User, texts: Iterable[str]) -> list[RefusalFlag]:
    """Flag each refusal phrase of the texts (one flag per phrase and text) and tell the
    head. Called by the registration service inside its transaction, for its actor."""
    flags: list[RefusalFlag] = []
    found = [(text, phrase) for text in texts for phrase in refusal_phrases_in(text)]
    if not found:
        return flags
    profile = StaffProfile.objects.select_related("department").filter(user=staff).first()
    department = profile.department if profile is not None else case.department
    recipient = refusal_flag_recipient(department, staff)
    for text, phrase in found:
        flag = RefusalFlag.objects.create(
            case=case, staff=staff, department=department, phrase=phrase, text=text
        )
        if recipient is not None:
            RefusalFlagNotification.objects.get_or_create(recipient=recipient, flag=flag)
        flags.append(flag)
    return flags


@transaction.atomic
def refusal_flag_close(*, actor: User, flag: RefusalFlag, note: str) -> RefusalFlag:
    """The head has looked at the flag: what they found or did (talked to the staff
    member, listened to the call...). Closing does not stop a founded complaint about the
    contact from making it a violation; the notification is read."""
    flag = (
        RefusalFlag.objects.select_for_update(of=("self",))
        .select_related("department")
        .get(pk=flag.pk)
    )
    if not rules.has_perm("intake.close_refusal_flag", actor, flag):
        raise PermissionDenied(
            _("Only the head of the staff member's department looks at this flag.")
        )
    if flag.closed_at is not None:
        raise ValidationError(_("This flag was looked at already."))
    if not note.strip():
        raise ValidationError({"note": _("Say what you found or did about it.")})
    before = audit.snapshot(flag, fields=["closed_at", "closed_by", "head_note"])
    flag.closed_at = timezone.now()
    flag.closed_by = actor
    flag.head_note = note.strip()
    flag.save(update_fields=["closed_at", "closed_by", "head_note"])
    RefusalFlagNotification.objects.filter(flag=flag, recipient=actor, read_at__isnull=True).update(
        read_at=flag.closed_at
    )
    audit.record(
        actor=actor,
        action="refusal_flag.close",
        obj=flag,
        before=before,
        after=audit.snapshot(flag, fields=["closed_at", "closed_by", "head_note"]),
        reason=flag.head_note,
    )
    return flag


@transaction.atomic
def refusal_flag_notification_read(*, actor: User, pk: int) -> RefusalFlagNotification | None:
    """Mark one of the actor's flag notifications read (once); None when not theirs."""
    return source_mark_read(RefusalFlagNotification, actor=actor, pk=pk)


@transaction.atomic
def refusal_flag_notifications_mark_all_read(*, actor: User) -> int:
    """Mark every unread flag notification of the actor read; how many."""
    return source_mark_all_read(RefusalFlagNotification, actor=actor)
