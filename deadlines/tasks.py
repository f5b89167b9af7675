"""Celery tasks of the deadlines app: the periodic scans and the notification emails.

Each task only calls a service with the current moment. The services are safe to run
twice or at the same time (database constraints and set-based updates), and work in
bounded batches, each its own transaction: with late acknowledgement (settings) a
worker killed mid-scan leaves the message to be run again, and the next run finishes
whatever the last one did not. The schedule is data (django-celery-beat, editable in
the administration; defaults from migration deadlines 0006).
"""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from deadlines.services.notifications import notifications_email_pending
from deadlines.services.scans import (
    clocks_breach_due,
    clocks_warn_due,
    extensions_flag_untold,
    reminders_issue_due,
)


@shared_task
def scan_warnings() -> int:
    """Yellow cards: mark the clocks whose warning point has come; returns how many."""
    return clocks_warn_due(now=timezone.now()).marked


@shared_task
def scan_breaches() -> int:
    """Red cards: record a breach for each clock past its firm deadline; returns how many."""
    return clocks_breach_due(now=timezone.now()).created


@shared_task
def scan_reminders() -> int:
    """Reminder notices the day after a miss, circulation five working days later;
    returns how many notices were issued."""
    return reminders_issue_due(now=timezone.now()).created


@shared_task
def scan_extension_notices() -> int:
    """Flag approved extensions the citizen was not told about; returns how many."""
    return extensions_flag_untold(now=timezone.now()).created


@shared_task
def send_notification_emails() -> int:
    """Email new notifications when email is configured; returns how many were sent."""
    return notifications_email_pending(now=timezone.now())
