"""Reads of the service catalogue: the items in force, with their materials."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from intake.models import ServiceItem, ServiceItemMaterial


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
