"""Every write of an attachment: permission, checks, the stored file, the audit row."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accountability import audit
from accountability.attachments import content
from accountability.attachments.models import Attachment
from accountability.attachments.registry import attachable_for
from accountability.attachments.rules import attachment_target
from accountability.rules import may

if TYPE_CHECKING:
    from django.contrib.auth.models import User

ATTACH = "accountability.attach_evidence"


def _require_attach(actor: User, obj: Any) -> None:
    if attachable_for(obj) is None:
        raise ValidationError(_("Files cannot be attached to this record."))
    if not may(actor, ATTACH, obj):
        raise PermissionDenied(_("You may not add files to this record."))


def _audited(actor: User, attachment: Attachment, action: str) -> None:
    audit.record(
        actor=actor,
        action=action,
        obj=attachment,
        after={
            "record_type": attachment.content_type_id,
            "record_id": attachment.object_id,
            "stored_as": attachment.file.name,
            "media_type": attachment.media_type,
            "size": attachment.size,
            "sha256": attachment.sha256,
            "protected": attachment.protected,
            "supersedes": attachment.supersedes_id,
        },
        # The file's original name and the reference may name the complainant: the audit
        # log, read by administrators, keeps neither.
        reason="",
    )


def _build(
    *,
    actor: User,
    obj: Any,
    file: UploadedFile | None,
    reference: str,
    note: str,
    protected: bool,
    supersedes: Attachment | None,
) -> Attachment:
    reference = reference.strip()
    if (file is None) == (not reference):
        raise ValidationError(_("Choose a file, or give a recording's reference; not both."))
    attachment = Attachment(
        content_type=ContentType.objects.get_for_model(obj),
        object_id=obj.pk,
        note=note.strip(),
        protected=protected,
        supersedes=supersedes,
        added_by=actor,
        added_at=timezone.now(),
    )
    if file is None:
        attachment.reference = reference
        return attachment
    name = (file.name or "").rsplit("/", 1)[-1].rsplit("\\", 1)[-1][:255]
    content.check_size(file.size or 0)
    file.seek(0)
    head = file.read(content.HEAD_BYTES)
    kind = content.check_kind(name=name, head=head)
    file.seek(0)
    attachment.original_name = name
    attachment.media_type = kind.media_type
    attachment.size = file.size or 0
    attachment.sha256 = content.sha256_of(file.chunks())
    file.seek(0)
    # Stored under a name of its own (models.evidence_path), never overwriting another.
    attachment.file.save(f"upload.{kind.extensions[0]}", file, save=False)
    return attachment


@transaction.atomic
def attachment_add(
    *,
    actor: User,
    obj: Any,
    file: UploadedFile | None = None,
    reference: str = "",
    note: str = "",
    protected: bool | None = None,
) -> Attachment:
    """Attach a file (or a recording's reference) to `obj`. `protected`: whether it
    identifies the complainant; None takes the record's default (registry)."""
    _require_attach(actor, obj)
    entry = attachable_for(obj)
    assert entry is not None
    attachment = _build(
        actor=actor,
        obj=obj,
        file=file,
        reference=reference,
        note=note,
        protected=entry.protected_by_default(obj) if protected is None else protected,
        supersedes=None,
    )
    attachment.save()
    _audited(actor, attachment, "attachment.add")
    return attachment


@transaction.atomic
def attachment_supersede(
    *,
    actor: User,
    attachment: Attachment,
    file: UploadedFile | None = None,
    reference: str = "",
    note: str,
) -> Attachment:
    """A new version of `attachment` (a better scan, a corrected photo). The old one stays,
    marked as superseded; the new one is as protected as the old (it cannot make a
    complainant's file visible)."""
    old = attachment
    target = attachment_target(old)
    _require_attach(actor, target)
    if not may(actor, "accountability.open_attachment", attachment):
        raise PermissionDenied(_("You may not open this file."))
    if Attachment.objects.filter(supersedes=old).exists():
        raise ValidationError(
            _("This file has already been superseded; supersede its new version.")
        )
    if not note.strip():
        raise ValidationError(_("Say why the file is superseded."))
    new = _build(
        actor=actor,
        obj=target,
        file=file,
        reference=reference,
        note=note,
        protected=old.protected,
        supersedes=old,
    )
    try:
        with transaction.atomic():
            new.save()
    except IntegrityError:
        # Another person superseded it at the same moment (one successor per file).
        raise ValidationError(
            _("This file has already been superseded; supersede its new version.")
        ) from None
    _audited(actor, new, "attachment.supersede")
    return new


def attachment_log_open(*, actor: User, attachment: Attachment) -> None:
    """Who opened which evidence file, in the audit log."""
    with transaction.atomic():
        audit.record(actor=actor, action="attachment.open", obj=attachment)


def attachment_verify(*, attachment: Attachment) -> bool:
    """Whether the stored file still has the SHA-256 recorded when it was added."""
    if not attachment.file:
        return True
    with attachment.file.open("rb") as stored:
        return content.sha256_of(stored.chunks()) == attachment.sha256
