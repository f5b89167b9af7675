"""The outbox: Celery tasks owed by committed work are sent until a worker takes them
(README "Scans, reminder notices and notifications", issue 21 item 6).

A service that enqueues work calls `outbox_enqueue` inside its transaction: the message
is a row of that transaction, so it exists exactly when the work does. Once the
transaction commits the message is sent; when the broker does not answer, the service
still succeeds and the row waits. Beat runs `outbox_resend` every minute: a message
never sent is sent again, and one sent but not taken within RESEND_AFTER (the broker lost
it) too.

Every message travels as `accountability.tasks.deliver_outbox`, which takes the row
(compare-and-set on `taken_at`) before running the task it names. A copy of a message
sent again while the first still waited runs nothing; the delivery that took it, if its
worker is lost and the broker redelivers it (tasks are acknowledged late), runs again, so
the named task must still tolerate running twice.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accountability.celery import app as celery_app
from accountability.models import OutboxMessage

logger = logging.getLogger(__name__)

DELIVER_TASK = "accountability.tasks.deliver_outbox"
# A message not yet sent waits this long before beat sends it, so that beat does not race
# the send that follows the commit.
SEND_GRACE = timedelta(seconds=30)
# A message sent but not taken after this long is sent again: the broker lost it (Redis
# restarted without persistence), or every worker was busy that long (the copy is then
# skipped when it arrives).
RESEND_AFTER = timedelta(minutes=10)
# Taken messages are kept this long, for an administrator tracing a task, then deleted.
KEEP_TAKEN = timedelta(days=7)
RESEND_BATCH = 500


def outbox_enqueue(*, task: str, kwargs: dict[str, Any]) -> OutboxMessage:
    """Owe `task(**kwargs)` from the current transaction: the message is sent once it
    commits, and again until a worker takes it. Must run inside `transaction.atomic`."""
    message = OutboxMessage.objects.create(task=task, kwargs=kwargs)
    transaction.on_commit(lambda: outbox_send(message))
    return message


def outbox_send(message: OutboxMessage, *, now: datetime | None = None) -> bool:
    """Publish the message once; False when the broker refused it (the row waits for
    beat)."""
    from accountability.tasks import deliver_outbox

    now = now or timezone.now()
    try:
        # No publish retries: a web request must not hang on a dead broker, and beat
        # sends the message again anyway.
        deliver_outbox.apply_async(args=(message.pk,), retry=False)
    except Exception:
        # Each transport raises its own errors (kombu's OperationalError, redis-py's
        # ConnectionError, an OSError): whatever failed, the row stays for beat.
        logger.warning("Could not send %s; beat sends it again", message, exc_info=True)
        OutboxMessage.objects.filter(pk=message.pk).update(attempts=message.attempts + 1)
        return False
    OutboxMessage.objects.filter(pk=message.pk).update(sent_at=now, attempts=message.attempts + 1)
    return True


def outbox_resend(*, now: datetime) -> int:
    """Send again the messages no worker has taken (never sent, or sent RESEND_AFTER ago
    and still waiting), oldest first; forget those taken KEEP_TAKEN ago. Returns how many
    were sent."""
    OutboxMessage.objects.filter(taken_at__lt=now - KEEP_TAKEN).delete()
    waiting = (
        OutboxMessage.objects.filter(taken_at__isnull=True, created_at__lte=now - SEND_GRACE)
        .filter(Q(sent_at__isnull=True) | Q(sent_at__lte=now - RESEND_AFTER))
        .order_by("created_at", "pk")[:RESEND_BATCH]
    )
    return sum(outbox_send(message, now=now) for message in waiting)


def outbox_take(*, message_id: int, delivery: str, now: datetime) -> OutboxMessage | None:
    """Take the message for this delivery (its Celery id): the message, or None when
    another delivery took it first (this one is a copy) or it is gone."""
    taken = OutboxMessage.objects.filter(pk=message_id, taken_at__isnull=True).update(
        taken_at=now, taken_by=delivery
    )
    if taken:
        return OutboxMessage.objects.get(pk=message_id)
    # Redelivered after its worker was lost: the same delivery, so it runs again.
    return OutboxMessage.objects.filter(pk=message_id, taken_by=delivery).first()


def outbox_deliver(*, message_id: int, delivery: str) -> Any:
    """Run the task a message names, unless another delivery of it took it first."""
    message = outbox_take(message_id=message_id, delivery=delivery, now=timezone.now())
    if message is None:
        logger.info("Outbox message %s was taken by another delivery; skipped", message_id)
        return None
    if message.task not in celery_app.tasks:
        # A web process (eager tasks in tests) may not have imported every app's tasks.
        celery_app.loader.import_default_modules()
    return celery_app.tasks[message.task](**message.kwargs)
