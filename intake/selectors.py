"""Reads of the front desk: the service catalogue, and a citizen's earlier contacts."""

from __future__ import annotations

from django.db.models import Prefetch, Q, QuerySet

from deadlines.models import Case
from intake.models import ServiceItem, ServiceItemMaterial
from intake.selectors_confidentiality import protected_flag


def _with_materials(queryset: QuerySet[ServiceItem]) -> QuerySet[ServiceItem]:
    return queryset.select_related("department").prefetch_related(
        Prefetch("materials", queryset=ServiceItemMaterial.objects.order_by("position", "pk"))
    )


def service_item_current(code: str) -> ServiceItem:
    """The version of `code` in force, with its department and materials; raises
    ServiceItem.DoesNotExist if there is none."""
    return _with_materials(ServiceItem.objects.filter(retired_at__isnull=True)).get(code=code)


def service_item_list() -> QuerySet[ServiceItem]:
    """The current version of every item, by code, with departments and materials: two
    queries however many items there are."""
    return _with_materials(ServiceItem.objects.filter(retired_at__isnull=True)).order_by("code")


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
