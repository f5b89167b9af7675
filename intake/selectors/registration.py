"""Reads of first-contact registration: a citizen's earlier contacts."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from deadlines.models import Case
from intake.selectors.confidentiality import protected_flag


def citizen_match(phone: str, account: str) -> Q:
    """Rows of the same citizen: the same phone number or the same water account (an
    empty one matches nothing, so an empty Q means "nobody")."""
    match = Q()
    if phone.strip():
        match |= Q(citizen_phone=phone.strip())
    if account.strip():
        match |= Q(citizen_account=account.strip())
    return match


def earlier_contacts_query(*, phone: str = "", account: str = "") -> QuerySet[Case]:
    """The cases registered with the same phone number or water account, latest first:
    read from the indexes on each with the opening time (Case.Meta.indexes), so a lookup
    touches the citizen's cases only, however many cases there are."""
    match = citizen_match(phone, account)
    if not match:
        return Case.objects.none()
    return (
        Case.objects.filter(match)
        .exclude(protected_flag("pk"))
        .select_related("department")
        .order_by("-opened_at", "-id")
    )


def earlier_contacts(*, phone: str = "", account: str = "", limit: int = 10) -> list[Case]:
    """The latest cases registered with the same phone number or water account, so the
    first responder sees the citizen's history (issue 5: registration).

    Complaints about staff are left out: that this phone number complained about staff is
    the very identity deadlines.rules.may_see_complainant protects, and the panel is
    looked up by the phone number (issue 7, line 6)."""
    return list(earlier_contacts_query(phone=phone, account=account)[:limit])
