"""Versioned registers (time-limit policies, service items): a row is never edited in
place (ARCHITECTURE "History is append-only"); a revision is a new row with the next
version, and the old one is retired and kept as history.

Here are what every such register has alike: the bookkeeping fields of its model, and
the steps its services take to revise a version, read the register's defaults from a
JSON file and load them. A message that names the register's own
noun is passed in whole, never a noun slotted into a shared sentence: the word order
differs between languages.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accountability.audit import user_or_none

if TYPE_CHECKING:
    from django.contrib.auth.models import User

# What a register's file reader makes of one entry.
C = TypeVar("C")

# An entry's error in a register's file: "<File>, %(entry)s, field %(field)s: %(message)s".
EntryMessage = Callable[[str, str], str]


class VersionedModel(models.Model):
    """A row of a versioned register: `code` (the subclass's own field) names the thing,
    and only one of its versions is current."""

    version = models.PositiveIntegerField(gettext_lazy("version"), default=1)
    created_at = models.DateTimeField(gettext_lazy("created at"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=gettext_lazy("created by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    retired_at = models.DateTimeField(gettext_lazy("retired at"), null=True, blank=True)

    # The subclass's own field: its length differs between registers.
    code: str

    class Meta:
        abstract = True


V = TypeVar("V", bound=VersionedModel)


# -- revising ---------------------------------------------------------------------------


def check_revision(changes: Mapping[str, Any], reason: str, revisable: Iterable[str]) -> None:
    """Refuse a revision of fields that may not be revised, or one without a reason."""
    unknown = sorted(set(changes) - set(revisable))
    if unknown:
        raise ValidationError(
            _("These fields cannot be revised: %(fields)s.") % {"fields": ", ".join(unknown)}
        )
    if not reason.strip():
        raise ValidationError(_("Give a reason for the revision."))


def lock_current(model: type[V], pk: Any, *, retired: str) -> V:
    """The version `pk`, locked, so that of two people revising the same version one wins
    and the other is told that it is retired. `retired` is that message, with
    %(version)s and %(code)s."""
    current = model._default_manager.select_for_update().get(pk=pk)
    if current.retired_at is not None:
        raise ValidationError(
            retired % {"version": current.version, "code": current.code},
            code="retired",
        )
    return current


def changed_fields(new: Any, old: Any, fields: Iterable[str]) -> dict[str, Any]:
    """The values of `new` among `fields` that differ from `old`'s, by field name."""
    return {name: getattr(new, name) for name in fields if getattr(new, name) != getattr(old, name)}


def next_version(current: V, revisable: Sequence[str], changes: Mapping[str, Any]) -> V:
    """The unsaved next version of `current`, with `changes` applied and each field
    validated, so that a bad value is reported against its field before anything is
    written."""
    revised = type(current)(
        code=current.code,
        version=current.version + 1,
        **{name: getattr(current, name) for name in revisable},
    )
    for name, value in changes.items():
        setattr(revised, name, value)
    revised.clean_fields(exclude=["created_by"])
    return revised


def refuse_unchanged(
    revised: VersionedModel,
    current: VersionedModel,
    revisable: Iterable[str],
    *,
    more_changed: bool = False,
) -> None:
    """Refuse a revision that changes none of `revisable` (nor, when the register keeps
    more than fields, anything else: `more_changed`)."""
    if not more_changed and not changed_fields(revised, current, revisable):
        raise ValidationError(_("The revision changes nothing."), code="unchanged")


def retire_and_stamp(
    current: VersionedModel, revised: VersionedModel, *, actor: User | None
) -> datetime:
    """Retire `current` and stamp `revised` as made now by `actor`; returns that moment.

    Retire first: only one version of a code may be current (a database constraint).
    Should the new version turn out invalid, the transaction undoes the retirement.
    """
    now = timezone.now()
    current.retired_at = now
    current.save(update_fields=["retired_at"])
    stamp(revised, actor=actor, version=revised.version, at=now)
    return now


def stamp(
    obj: VersionedModel, *, actor: User | None, version: int, at: datetime | None = None
) -> None:
    """Stamp `obj` as the current `version` of its code, made by `actor` at `at` (now)."""
    obj.version = version
    obj.retired_at = None
    obj.created_at = at or timezone.now()
    obj.created_by = user_or_none(actor)


def become(obj: VersionedModel, saved: VersionedModel) -> None:
    """Make `obj` (a form's or an import's copy) the version a service `saved`, so that
    whatever reports on `obj` afterwards reports what was saved."""
    for model_field in saved._meta.concrete_fields:
        setattr(obj, model_field.attname, getattr(saved, model_field.attname))


# -- the register's file ----------------------------------------------------------------


def read_list(path: Path, *, unreadable: str, not_a_list: str) -> list[Any]:
    """The entries of a JSON file holding a list. `unreadable` (with %(path)s and
    %(error)s) and `not_a_list` (with %(path)s) are the messages that refuse it."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValidationError(unreadable % {"path": path, "error": error}) from error
    if not isinstance(data, list):
        raise ValidationError(not_a_list % {"path": path})
    return data


def entry_message(template: str, index: int, entry: Mapping[str, Any]) -> EntryMessage:
    """The function that words an error of the file's entry `index` about one field.
    `template` names the file, with %(entry)s, %(field)s and %(message)s."""
    code = entry.get("code")
    label = (
        _("entry %(index)s (%(code)s)") % {"index": index, "code": code}
        if isinstance(code, str) and code
        else _("entry %(index)s") % {"index": index}
    )

    def message(field_name: str, text: str) -> str:
        return template % {"entry": label, "field": field_name, "message": text}

    return message


def field_errors(
    entry: Mapping[str, Any], fields: Sequence[str], message: EntryMessage
) -> list[str]:
    """An entry's missing and unknown fields, one message each."""
    return [message(name, _("missing.")) for name in fields if name not in entry] + [
        message(name, _("unknown field.")) for name in sorted(set(entry) - set(fields))
    ]


def check_entries(
    data: Sequence[Any],
    check: Callable[[int, Any], tuple[C | None, list[str]]],
    *,
    code: Callable[[C], str],
    used_twice: str,
) -> list[C]:
    """The candidates `check` makes of the file's entries (numbered from 1), or every
    error in the file at once. `used_twice` (with %(index)s and %(code)s) refuses an
    entry whose code an earlier entry has."""
    candidates: list[C] = []
    errors: list[str] = []
    seen: set[str] = set()
    for index, entry in enumerate(data, start=1):
        candidate, entry_errors = check(index, entry)
        errors.extend(entry_errors)
        if candidate is None:
            continue
        if code(candidate) in seen:
            errors.append(used_twice % {"index": index, "code": code(candidate)})
        seen.add(code(candidate))
        candidates.append(candidate)
    if errors:
        raise ValidationError(errors)
    return candidates


# -- loading the file -------------------------------------------------------------------


@dataclass(frozen=True)
class LoadReport:
    """Codes the load created (version 1), revised (a new version) or left as they were."""

    created: list[str] = field(default_factory=list)
    revised: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)


def loaded_from(path: Path) -> str:
    """The reason recorded for a change a load makes."""
    return _("Loaded from %(file)s.") % {"file": path.name}


def load(
    candidates: Sequence[C],
    rows: QuerySet[V],
    report: LoadReport,
    *,
    code: Callable[[C], str],
    create: Callable[[C], object],
    revise: Callable[[C, V], bool],
) -> None:
    """Bring `rows` in line with the file's candidates: `create` a code without a current
    version; else `revise` makes a new version when the candidate differs (True) or
    leaves it (False). Each code is added to `report` under what became of it."""
    current = {
        row.code: row
        for row in rows.filter(
            code__in=[code(candidate) for candidate in candidates], retired_at__isnull=True
        )
    }
    for candidate in candidates:
        existing = current.get(code(candidate))
        if existing is None:
            create(candidate)
            report.created.append(code(candidate))
        elif revise(candidate, existing):
            report.revised.append(code(candidate))
        else:
            report.unchanged.append(code(candidate))
