"""Which records take attachments, and who may see and add them: each owning app
registers its own (in its rules.py), since only it knows who may see its records and
the complainant's identity on them. accountability imports no other app."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.contrib.contenttypes.models import ContentType
from django.db import models

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

# A permission predicate on a record: (user, record).
Check = Callable[["User | AnonymousUser", Any], bool]


@dataclass(frozen=True)
class Attachable:
    model: type[models.Model]
    # Whether the user may see the record (and so its unprotected files).
    may_view: Check
    # Whether the user may add a file to it, or supersede one.
    may_add: Check
    # Whether the user may see the complainant's identity on it, and so its protected files.
    sees_complainant: Check
    # The record's page, where its files are listed.
    url: Callable[[Any], str]
    # The record loaded for those checks (with whatever they read), by primary key.
    load: Callable[[int], Any]
    # Whether a new file on this record identifies the complainant unless the person
    # adding it says otherwise: on anything from a complaint, yes (the fairer default).
    protected_by_default: Callable[[Any], bool] = lambda obj: True


_REGISTRY: dict[type[models.Model], Attachable] = {}


def attachable_register(entry: Attachable) -> None:
    _REGISTRY[entry.model] = entry


def attachable_for(obj_or_model: Any) -> Attachable | None:
    model: Any = obj_or_model if isinstance(obj_or_model, type) else type(obj_or_model)
    return _REGISTRY.get(model._meta.concrete_model)


def attachable_by_content_type(content_type_id: int) -> Attachable | None:
    model = ContentType.objects.get_for_id(content_type_id).model_class()
    return None if model is None else attachable_for(model)


def attachable_by_label(label: str) -> Attachable | None:
    """By "app_label.model_name", as the upload URL names it."""
    return next(
        (entry for entry in _REGISTRY.values() if entry.model._meta.label_lower == label), None
    )
