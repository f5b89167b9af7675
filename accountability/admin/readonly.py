"""The bases of the back-office screens that only show rows, and the column of a row's
regulation citation."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _


class ReadOnlyAdmin(admin.ModelAdmin):
    """For history and derived rows that change only through their services: visible and
    searchable, never added, changed or deleted here."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReadOnlyInline(admin.TabularInline):
    """The rows of a read-only screen's history, shown in a table: never added, changed
    or deleted here."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class CitationColumn:
    """Mixin for a screen (or inline) of rows that cite a regulation: the ``cited``
    column, the row's ``citation``. Select ``regulation`` with the rows."""

    @admin.display(description=_("regulation"), ordering="regulation__title")
    def cited(self, obj: Any) -> str:
        citation: str = obj.citation
        return citation
