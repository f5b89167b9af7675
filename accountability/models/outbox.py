"""Celery tasks owed by committed transactions (accountability.outbox)."""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class OutboxMessage(models.Model):
    """A Celery task owed by a committed transaction (accountability.outbox): written in
    the same transaction as the work it is for, sent once that commits, and sent again by
    beat until a worker takes it, so that a broker down at commit time strands nothing."""

    task = models.CharField(_("task"), max_length=200)
    kwargs = models.JSONField(_("arguments"), default=dict)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    sent_at = models.DateTimeField(_("last sent at"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("send attempts"), default=0)
    taken_at = models.DateTimeField(_("taken at"), null=True, blank=True)
    # The Celery id of the delivery that took it: a later copy of the message (sent again
    # while the first still waited in the queue) is told apart and skipped, while the same
    # delivery redelivered after its worker was lost (acks_late) runs again.
    taken_by = models.CharField(_("taken by"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox messages")
        indexes: ClassVar = [
            models.Index(
                fields=["created_at"],
                condition=Q(taken_at__isnull=True),
                name="outbox_waiting",
            )
        ]

    def __str__(self) -> str:
        return f"{self.task} #{self.pk}"
