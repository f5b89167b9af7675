"""The files of one record as a given person may see them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.contrib.contenttypes.models import ContentType

from accountability.attachments.models import Attachment
from accountability.attachments.registry import attachable_for

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User


@dataclass(frozen=True)
class AttachmentRow:
    attachment: Attachment
    # The newer version, when one superseded this file.
    superseded_by: Attachment | None


@dataclass(frozen=True)
class AttachmentList:
    visible: bool
    may_add: bool
    protected_by_default: bool
    rows: list[AttachmentRow] = field(default_factory=list)


def attachment_list_for(*, obj: Any, user: User | AnonymousUser) -> AttachmentList:
    """The record's files the user may see, oldest first, each with its successor: one
    query for the files (the checks read the record as its page loaded it). Files that
    identify the complainant are left out, unlisted, for whom may not see the
    complainant's identity on the record."""
    entry = attachable_for(obj)
    if entry is None or not user.is_authenticated or not entry.may_view(user, obj):
        return AttachmentList(visible=False, may_add=False, protected_by_default=True)
    sees_protected = entry.sees_complainant(user, obj)
    attachments = list(
        Attachment.objects.filter(
            content_type=ContentType.objects.get_for_model(obj), object_id=obj.pk
        ).select_related("added_by")
    )
    by_id = {attachment.pk: attachment for attachment in attachments}
    successor = {
        attachment.supersedes_id: attachment
        for attachment in attachments
        if attachment.supersedes_id is not None
    }
    rows = [
        AttachmentRow(attachment, successor.get(attachment.pk))
        for attachment in by_id.values()
        if sees_protected or not attachment.protected
    ]
    for row in rows:
        # The permission checks of the download and supersede links read the record.
        row.attachment._target = obj
    return AttachmentList(
        visible=True,
        may_add=entry.may_add(user, obj),
        protected_by_default=entry.protected_by_default(obj),
        rows=rows,
    )


def attachment_get(*, pk: int) -> Attachment:
    return Attachment.objects.select_related("added_by").get(pk=pk)
