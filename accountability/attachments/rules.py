"""The attachment permissions, asked of the owning app's registration
(accountability.attachments.registry): loaded by accountability.rules."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import rules

from accountability.attachments.registry import attachable_by_content_type, attachable_for

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User


def attachment_target(attachment: Any) -> Any:
    """The record the attachment is on, loaded once per attachment object as the owning
    app's checks need it."""
    target = getattr(attachment, "_target", None)
    if target is None:
        entry = attachable_by_content_type(attachment.content_type_id)
        if entry is None:
            return None
        target = entry.load(attachment.object_id)
        attachment._target = target
    return target


@rules.predicate
def may_view_attachment(user: User | AnonymousUser, attachment: Any) -> bool:
    """The user may see the record, and, for a file that identifies the complainant, the
    complainant's identity on it."""
    if attachment is None or not user.is_authenticated:
        return False
    target = attachment_target(attachment)
    entry = attachable_for(target) if target is not None else None
    if entry is None or not entry.may_view(user, target):
        return False
    return not attachment.protected or entry.sees_complainant(user, target)


@rules.predicate
def may_attach_to(user: User | AnonymousUser, obj: Any) -> bool:
    """The user may add files to the record (or supersede its files)."""
    if obj is None or not user.is_authenticated:
        return False
    entry = attachable_for(obj)
    return entry is not None and entry.may_view(user, obj) and entry.may_add(user, obj)


rules.add_perm("accountability.open_attachment", may_view_attachment)
rules.add_perm("accountability.attach_evidence", may_attach_to)
