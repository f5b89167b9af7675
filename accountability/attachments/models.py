"""The attachment row: append-only history (accountability.history)."""

from __future__ import annotations

import uuid
from typing import Any, ClassVar

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.files.storage import Storage, storages
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accountability.models import AppendOnlyModel


def evidence_storage() -> Storage:
    """The "evidence" storage of settings.STORAGES (local files or an S3 bucket), asked
    each time so that a test or a deployment can point it elsewhere."""
    return storages["evidence"]


def evidence_path(instance: Attachment, filename: str) -> str:
    """A name that says nothing of the file (its original name may name the citizen):
    the month it came in and a random id, with the extension of its detected type."""
    extension = filename.rsplit(".", 1)[-1] if "." in filename else "bin"
    at = timezone.localtime(instance.added_at)
    return f"{at:%Y/%m}/{uuid.uuid4().hex}.{extension}"


class AttachmentQuerySet(models.QuerySet["Attachment"]):
    def update(self, **kwargs: Any) -> int:
        raise PermissionError("Attachments are never changed; supersede one instead.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise PermissionError("Attachments are never deleted; supersede one instead.")


class Attachment(AppendOnlyModel):
    """A file kept as evidence on a record, or the reference of a recording kept elsewhere
    (the call-recording system holds the audio; the portal keeps where to find it)."""

    content_type = models.ForeignKey(
        ContentType, verbose_name=_("record type"), on_delete=models.PROTECT, related_name="+"
    )
    object_id = models.PositiveBigIntegerField(_("record id"))
    target = GenericForeignKey("content_type", "object_id")

    file = models.FileField(
        _("file"), storage=evidence_storage, upload_to=evidence_path, max_length=255, blank=True
    )
    original_name = models.CharField(_("file name"), max_length=255, blank=True)
    media_type = models.CharField(_("file type"), max_length=100, blank=True)
    size = models.PositiveBigIntegerField(_("size in bytes"), default=0)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    reference = models.CharField(
        _("recording reference"),
        max_length=300,
        blank=True,
        help_text=_("Where a recording is kept: the system, the line and the time of the call."),
    )
    note = models.TextField(_("note"), blank=True)
    protected = models.BooleanField(
        _("identifies the complainant"),
        default=True,
        help_text=_(
            "Shown only to whom may see the complainant's identity; the staff complained "
            "about never see it."
        ),
    )
    supersedes = models.OneToOneField(
        "self",
        verbose_name=_("supersedes"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="superseded_by",
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("added by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    added_at = models.DateTimeField(_("added at"), default=timezone.now)

    objects = AttachmentQuerySet.as_manager()
    # The record, once loaded for the permission checks (rules.attachment_target).
    _target: Any = None

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering: ClassVar = ["added_at", "id"]
        indexes: ClassVar = [
            models.Index(fields=["content_type", "object_id", "added_at"], name="attachment_target")
        ]
        constraints: ClassVar = [
            # A stored file with its hash and size, or a recording's reference: one or
            # the other, never neither.
            models.CheckConstraint(
                condition=(
                    (~Q(file="") & ~Q(sha256="") & Q(size__gt=0) & Q(reference=""))
                    | (Q(file="") & Q(sha256="") & Q(size=0) & ~Q(reference=""))
                ),
                name="attachment_file_or_reference",
            ),
        ]

    def __str__(self) -> str:
        return self.original_name or self.reference[:60]

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise PermissionError("Attachments are never deleted; supersede one instead.")

    @property
    def is_file(self) -> bool:
        return bool(self.file)

    @property
    def is_image(self) -> bool:
        return self.media_type.startswith("image/")
