"""Celery tasks of the sanctions app. Each only calls a service with the current moment;
the services are safe to run twice or at the same time (unique constraints decide). The
schedule is data (django-celery-beat; defaults from migration sanctions 0003)."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from sanctions.services import aggregates_run_monthly, violations_raise_from_sources


@shared_task
def raise_violations() -> int:
    """Turn new breaches, notice breaches and refusal flags into violations; how many."""
    return violations_raise_from_sources(now=timezone.now()).total


@shared_task
def fire_monthly_aggregates() -> int:
    """The aggregate rules over the whole record; returns how many fired."""
    return len(aggregates_run_monthly(now=timezone.now()))
