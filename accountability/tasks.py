"""Celery tasks of the accountability app: the outbox (accountability.outbox). The
schedule is data (django-celery-beat, editable in the administration; the default from
migration accountability 0009)."""

from __future__ import annotations

from typing import Any

from celery import Task, shared_task
from django.utils import timezone

from accountability.outbox import outbox_deliver, outbox_resend


@shared_task(bind=True)
def deliver_outbox(self: Task[Any, Any], message_id: int) -> Any:
    """Take an outbox message and run the task it names (skipped when another delivery of
    the same message took it first)."""
    return outbox_deliver(message_id=message_id, delivery=str(self.request.id))


@shared_task
def resend_outbox() -> int:
    """Send again the outbox messages no worker has taken; returns how many were sent."""
    return outbox_resend(now=timezone.now())
