"""What a file is, judged by its content (its first bytes), never by its name or by what
the browser says; and whether it may be kept as evidence."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class FileKind:
    media_type: str
    label: str | Promise
    extensions: tuple[str, ...]
    magic: bytes


# Photos and scanned papers. A recording is kept by reference (Attachment.reference): the
# call-recording system holds the audio.
KINDS: tuple[FileKind, ...] = (
    FileKind("image/jpeg", _("a JPEG image"), ("jpg", "jpeg"), b"\xff\xd8\xff"),
    FileKind("image/png", _("a PNG image"), ("png",), b"\x89PNG\r\n\x1a\n"),
    FileKind("application/pdf", _("a PDF document"), ("pdf",), b"%PDF-"),
)
HEAD_BYTES = 16


def kind_of(head: bytes) -> FileKind | None:
    """The kind the content is, from its first bytes; None when it is none we keep."""
    return next((kind for kind in KINDS if head.startswith(kind.magic)), None)


def kind_named(name: str) -> FileKind | None:
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    return next((kind for kind in KINDS if extension in kind.extensions), None)


def max_bytes() -> int:
    return int(settings.ATTACHMENT_MAX_MB) * 1024 * 1024


def check_size(size: int) -> None:
    if size <= 0:
        raise ValidationError(_("The file is empty."), code="empty")
    if size > max_bytes():
        raise ValidationError(
            _("The file is %(size)s; an evidence file may be at most %(limit)s."),
            code="too_large",
            params={"size": filesizeformat(size), "limit": filesizeformat(max_bytes())},
        )


def check_kind(*, name: str, head: bytes) -> FileKind:
    """The file's kind, if its content is one we keep and its name does not claim another."""
    kind = kind_of(head)
    if kind is None:
        raise ValidationError(
            _(
                "The content of %(name)s is not a JPEG or PNG image or a PDF document; "
                "only these are kept as evidence."
            ),
            code="unknown_type",
            params={"name": name},
        )
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension and extension not in kind.extensions:
        claimed = kind_named(name)
        raise ValidationError(
            _(
                "%(name)s is named as %(claimed)s but its content is %(actual)s; correct "
                "the name or choose the right file."
            ),
            code="type_mismatch",
            params={
                "name": name,
                "claimed": claimed.label if claimed else _("a .%(ext)s file") % {"ext": extension},
                "actual": kind.label,
            },
        )
    return kind


def sha256_of(chunks: Iterable[bytes]) -> str:
    digest = hashlib.sha256()
    for chunk in chunks:
        digest.update(chunk)
    return digest.hexdigest()
