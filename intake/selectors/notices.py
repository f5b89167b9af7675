"""Reads of one-time notices, the materials asked for after them and the breaches they
revealed, with the joins that keep pages at a fixed number of queries."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Prefetch, QuerySet, prefetch_related_objects

from deadlines.models import Case
from intake.models import (
    MaterialRequest,
    NoticeBreach,
    OneTimeNotice,
    ServiceItem,
    ServiceItemMaterial,
)


def notice_get(number: str) -> OneTimeNotice:
    """One notice with its case (and the case's department, for the permission check, and
    the staff a complaint names, for its confidentiality); raises
    OneTimeNotice.DoesNotExist."""
    return (
        OneTimeNotice.objects.select_related("case__department", "issued_by")
        .prefetch_related("case__accused")
        .get(number=number)
    )


def notice_list_for_case(case: Case) -> QuerySet[OneTimeNotice]:
    """The case's notices in the order they were issued, with their issuers and items."""
    return (
        OneTimeNotice.objects.filter(case=case)
        .select_related("issued_by", "service_item")
        .order_by("issued_at", "id")
    )


def notice_latest_for_case(case: Case) -> OneTimeNotice | None:
    """The notice later requests are compared with."""
    return (
        OneTimeNotice.objects.filter(case=case)
        .select_related("issued_by")
        .order_by("-issued_at", "-id")
        .first()
    )


def _requests() -> QuerySet[MaterialRequest]:
    return (
        MaterialRequest.objects.select_related("requested_by", "notice")
        .annotate(is_breach=Exists(NoticeBreach.objects.filter(request=OuterRef("pk"))))
        .order_by("requested_at", "id")
    )


def material_request_list_for_case(case: Case) -> QuerySet[MaterialRequest]:
    """The materials asked for after the case's notices, oldest first, each with
    ``is_breach``."""
    return _requests().filter(case=case)


def notice_breach_list() -> QuerySet[NoticeBreach]:
    """Every one-time-notice breach, newest first, with the request, its case, the notice
    and the staff member it counts against."""
    return NoticeBreach.objects.select_related(
        "request__case", "request__requested_by", "notice", "responsible", "department"
    ).order_by("-moment", "-id")


def notice_prefetches() -> list[Prefetch]:
    """What the case-notices partial reads from a case: ``case.notices.all`` (with issuers
    and items) and ``case.material_requests.all`` (with requesters, notices and
    ``is_breach``). Add these to a case query, or use case_with_notices."""
    return [
        Prefetch(
            "notices",
            queryset=OneTimeNotice.objects.select_related("issued_by", "service_item").order_by(
                "issued_at", "id"
            ),
        ),
        Prefetch("material_requests", queryset=_requests()),
    ]


def case_with_notices(case: Case) -> Case:
    """`case` with its notices and later requests prefetched (two queries, however many
    there are), ready for templates/intake/_case_notices.html."""
    prefetch_related_objects([case], *notice_prefetches())
    return case


def service_item_version(code: str, version: int) -> ServiceItem:
    """One version of an item, current or retired, with its department and materials: a
    checklist is read back against the version the user was shown. Raises
    ServiceItem.DoesNotExist."""
    return (
        ServiceItem.objects.select_related("department")
        .prefetch_related(
            Prefetch("materials", queryset=ServiceItemMaterial.objects.order_by("position", "pk"))
        )
        .get(code=code, version=version)
    )
