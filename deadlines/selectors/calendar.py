"""The working calendar as the engine sees it, and each department's business hours."""

from __future__ import annotations

import threading
from typing import Any

from django.db.models import Count, Max

from deadlines.models import CalendarDay, CalendarYear
from deadlines.worktime import BusinessHours, WorkCalendar

_cache_lock = threading.Lock()
_cached: tuple[tuple[Any, ...], WorkCalendar] | None = None


def _fingerprint() -> tuple[Any, ...]:
    """Changes whenever a calendar row is added, changed or removed."""
    days = CalendarDay.objects.aggregate(n=Count("id"), last=Max("changed_at"))
    years = CalendarYear.objects.filter(published=True).aggregate(
        n=Count("id"), last=Max("changed_at")
    )
    return (days["n"], days["last"], years["n"], years["last"])


def calendar_snapshot() -> WorkCalendar:
    """The current calendar: built once per change and shared (it is immutable)."""
    global _cached
    fingerprint = _fingerprint()
    cached = _cached
    if cached is not None and cached[0] == fingerprint:
        return cached[1]
    with _cache_lock:
        calendar = WorkCalendar(
            overrides=dict(CalendarDay.objects.values_list("date", "is_working_day")),
            published_years=CalendarYear.objects.filter(published=True).values_list(
                "year", flat=True
            ),
        )
        _cached = (fingerprint, calendar)
    return calendar


def hours_for(department: Any) -> BusinessHours:
    """Business hours of a department (08:00–16:30 by default; 24 h for duty units)."""
    return BusinessHours(
        opens=department.opens_at,
        closes=department.closes_at,
        round_the_clock=department.round_the_clock,
    )
