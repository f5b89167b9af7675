"""How a deadline reads (DOMAIN §3): a period that ends at 24:00 shows as that day with
24:00, never as 00:00 of the next day."""

from __future__ import annotations

from datetime import datetime, timedelta

from django import template
from django.utils import timezone

register = template.Library()


def deadline_text(moment: datetime | None) -> str:
    """`2026-10-08 24:00` for local midnight, `2026-10-08 16:30` otherwise."""
    if moment is None:
        return ""
    local = timezone.localtime(moment)
    if (local.hour, local.minute, local.second, local.microsecond) == (0, 0, 0, 0):
        return f"{local - timedelta(days=1):%Y-%m-%d} 24:00"
    return f"{local:%Y-%m-%d %H:%M}"


@register.filter
def deadline(moment: datetime | None) -> str:
    return deadline_text(moment)
