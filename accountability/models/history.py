"""History written once: the append-only base, the shapes every history event and every
breach share, and the audit log."""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accountability.models.organisation import Department


class AppendOnlyModel(models.Model):
    """History that is written once and never changed in place (ARCHITECTURE: history is
    append-only): saving an existing row is refused. On PostgreSQL a trigger
    (accountability_audit_append_only) refuses UPDATE and DELETE of the table too."""

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise PermissionError(f"{self._meta.verbose_name} rows are append-only.")
        super().save(*args, **kwargs)


class HistoryEvent(AppendOnlyModel):
    """One step in a record's history: who acted (no one: the system), what they did and
    why, and when; the record's state before and after it are the concrete model's
    fields (each its own states). Shared by a case's, a violation's and a sanction
    decision's events, so that every history reads the same way."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Empty when the system acted."),
    )
    action = models.CharField(_("action"), max_length=40)
    reason = models.TextField(_("reason"), blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)
    at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action}"


class BreachRecord(AppendOnlyModel):
    """A breach (超时): a rule broken, as the app owning the rule records it (a clock past
    due, an outage report or notice missed, a one-time notice that left a material out).
    The sanctions app turns each into a violation from these fields, read through
    accountability.breaches; every breach model is one (tests/accountability/
    test_breaches.py). The concrete model gives ``kind`` its choices."""

    kind = models.CharField(_("kind"), max_length=30)
    moment = models.DateTimeField(
        _("missed at"), help_text=_("The deadline that passed, or when the rule was broken.")
    )
    detected_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    # No reverse accessors: breaches are read through their own app, not the organisation.
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responsible"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Whom the breach counts against; empty when nobody could be named."),
    )
    department = models.ForeignKey(
        Department, verbose_name=_("department"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        abstract = True


class AuditQuerySet(models.QuerySet["AuditEntry"]):
    def update(self, **kwargs: Any) -> int:
        raise PermissionError("The audit log is append-only.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise PermissionError("The audit log is append-only.")


class AuditEntry(AppendOnlyModel):
    """One row per write: who did what to which object, the state before and after, and why.

    Append-only: the ORM refuses updates and deletes, the admin offers neither, and on
    PostgreSQL a trigger refuses them too.
    """

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Empty when the system acted (a scheduled scan, an import)."),
    )
    action = models.CharField(_("action"), max_length=80)
    content_type = models.ForeignKey(
        ContentType, verbose_name=_("object type"), on_delete=models.PROTECT
    )
    object_id = models.CharField(_("object id"), max_length=64)
    object_repr = models.CharField(_("object"), max_length=200)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)
    # The hash chain (accountability.audit): each row's hash covers its content and the
    # hash of the row before it, so a row changed, removed or slipped in afterwards breaks
    # the chain from there on (`manage.py audit_verify`).
    prev_hash = models.CharField(_("previous entry's hash"), max_length=64, blank=True)
    row_hash = models.CharField(_("hash"), max_length=64, blank=True)

    objects = AuditQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")
        ordering: ClassVar = ["-at", "-id"]
        indexes: ClassVar = [models.Index(fields=["content_type", "object_id", "at"])]
        constraints: ClassVar = [
            # One successor per row (and one first row, whose prev_hash is empty): two
            # writers that chained onto the same row cannot both commit, and a row
            # written past accountability.audit (unchained) is refused.
            models.UniqueConstraint(fields=["prev_hash"], name="audit_chain_never_forks"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.object_repr}"

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise PermissionError("The audit log is append-only.")
