"""Reads for the refusal-phrase flags a head looks at (DOMAIN §5)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Exists, F, OuterRef, Q, QuerySet

from intake.models import RefusalFlag, RefusalFlagNotification
from intake.selectors.confidentiality import protected_flag

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def refusal_flags_for(*, user: User, open_only: bool = True) -> QuerySet[RefusalFlag]:
    """The flags the user answers for, newest first: those of the department they head,
    and a head's own flags for the leader who was told of them (intake.rules
    answers_for_flag); never the user's own phrases. Each row carries ``case_protected``
    (the case names someone complained about: its text is not shown) and ``unread``."""
    told = RefusalFlagNotification.objects.filter(flag=OuterRef("pk"), recipient_id=user.pk)
    rows = RefusalFlag.objects.filter(
        Q(department__head_id=user.pk) | (Q(staff_id=F("department__head_id")) & Exists(told))
    ).exclude(staff_id=user.pk)
    if open_only:
        rows = rows.filter(closed_at__isnull=True)
    return (
        rows.select_related("case", "staff", "department", "closed_by")
        .annotate(
            case_protected=protected_flag(),
            unread=Exists(told.filter(read_at__isnull=True)),
        )
        .order_by("-at", "-id")
    )


def refusal_flag_get(*, pk: int) -> RefusalFlag:
    """One flag with what its permission reads; raises DoesNotExist."""
    return RefusalFlag.objects.select_related("department", "case").get(pk=pk)
