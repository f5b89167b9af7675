"""Celery tasks of the outages app. The scan only calls the service with the current
moment; the service is safe to run twice or at the same time. The schedule is data
(django-celery-beat; default from migration outages 0002)."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from outages.services import obligations_breach_due


@shared_task
def scan_obligations() -> int:
    """Record a breach for each outage report or notice not made in time; returns how
    many were recorded."""
    return obligations_breach_due(now=timezone.now()).created
