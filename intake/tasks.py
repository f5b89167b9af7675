"""Celery tasks of the front desk: callers of services, safe to run twice."""

from __future__ import annotations

from celery import shared_task

from intake.services.appointment import appointments_forfeit_due
from intake.services.callback import callback_requests_send_due
from intake.services.pledge import pledges_lapse_due


@shared_task
def lapse_missed_pledges() -> int:
    """End the cases whose deficiency pledge was missed (seed 002 附件4 §12); returns how
    many. Meant to run every few minutes from the beat schedule."""
    return pledges_lapse_due()


@shared_task
def forfeit_missed_appointments() -> int:
    """Forfeit the appointments whose citizen is more than 30 minutes late (seed 002 附件3
    §9); returns how many. Meant to run every few minutes from the beat schedule."""
    return appointments_forfeit_due()


@shared_task
def send_callback_requests() -> int:
    """Issue a one-time rating link for each callback owed after a closing and send the
    callback request; returns how many. Safe to run twice; every few minutes."""
    return callback_requests_send_due()
