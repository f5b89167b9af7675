"""How a deadline reads (DOMAIN §3): a period that ends at 24:00 shows as that day with
24:00, never as 00:00 of the next day. Every page, printed form, notification, email and
human-readable API field that shows a deadline uses ``deadline_text`` (the ``deadline``
filter in templates); machine fields stay ISO 8601."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django import template
from django.utils import timezone

register = template.Library()


def _at_midnight(local: datetime) -> bool:
    return (local.hour, local.minute, local.second, local.microsecond) == (0, 0, 0, 0)


def deadline_day(moment: datetime) -> date:
    """The last day of a period ending at `moment`: the day before for local midnight."""
    local = timezone.localtime(moment)
    return (local - timedelta(days=1)).date() if _at_midnight(local) else local.date()


def deadline_text(moment: datetime | None) -> str:
    """`2026-10-08 24:00` for local midnight, `2026-10-08 16:30` otherwise."""
    if moment is None:
        return ""
    return local_deadline_text(timezone.localtime(moment))


def local_deadline_text(local: datetime) -> str:
    """deadline_text of a moment already in local time (timezone.localtime's), for a
    caller that converts its moments once for several uses (the REST API)."""
    if _at_midnight(local):
        return f"{local - timedelta(days=1):%Y-%m-%d} 24:00"
    return f"{local:%Y-%m-%d %H:%M}"


@register.filter
def deadline(moment: datetime | None) -> str:
    return deadline_text(moment)
