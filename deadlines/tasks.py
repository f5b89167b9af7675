"""Celery tasks of the deadlines app: the periodic scans, the notification emails and the
messages to citizens (deadlines.services.messages).

Each task only calls a service with the current moment. The services are safe to run
twice or at the same time (database constraints and set-based updates), and work in
bounded batches, each its own transaction: with late acknowledgement (settings) a
worker killed mid-scan leaves the message to be run again, and the next run finishes
whatever the last one did not. The schedule is data (django-celery-beat, editable in
the administration; defaults from migration deadlines 0006).
"""

from __future__ import annotations

import logging
from typing import Any

from celery import shared_task
from django.utils import timezone

from deadlines.services.messages import message_deliver, messages_send_due
from deadlines.services.notifications import notifications_email_pending
from deadlines.services.scans import (
    clocks_breach_due,
    clocks_warn_due,
    extensions_flag_untold,
    reminders_issue_due,
    suspensions_flag_untold,
)

logger = logging.getLogger(__name__)


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


@shared_task
def scan_suspension_notices() -> int:
    """Flag suspensions the citizen was not told about; returns how many."""
    return suspensions_flag_untold(now=timezone.now()).created


@shared_task(bind=True, max_retries=None)
def send_citizen_message(self: Any, message_id: int) -> str:
    """Send one message to a citizen (sent by the outbox after the step that owes it
    commits). A failed attempt is retried with backoff (1, 2, 4… minutes) up to
    MESSAGES_MAX_ATTEMPTS; a message held by quiet hours is sent by the sweep."""
    outcome = message_deliver(message_id=message_id, now=timezone.now())
    if outcome.retry_in is None:
        return outcome.status
    if self.request.called_directly:
        # Run by the outbox's delivery (accountability.outbox), not as a task of its own:
        # the retry is a new task. Should the broker refuse it, the sweep retries.
        try:
            send_citizen_message.apply_async(args=(message_id,), countdown=outcome.retry_in)
        except Exception:
            logger.warning("Could not queue the retry of message %s", message_id, exc_info=True)
        return outcome.status
    raise self.retry(countdown=outcome.retry_in)


@shared_task
def send_due_citizen_messages() -> int:
    """Send the messages still owed (quiet hours over, a lost retry); returns how many."""
    return messages_send_due(now=timezone.now())
