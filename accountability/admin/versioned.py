"""Admin pieces for versioned rows (time-limit policies, service items): a change is a
new version made by the app's service, the old one is retired and kept as history."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

HISTORY_FIELDS = ("version", "created_at", "created_by", "retired_at")


def form_changes(form: forms.ModelForm, shown: Any, revisable: Iterable[str]) -> dict[str, Any]:
    """The fields among `revisable` that `form` changed against the version `shown`."""
    return {
        name: form.cleaned_data[name]
        for name in revisable
        if name in form.cleaned_data and form.cleaned_data[name] != getattr(shown, name)
    }


class RevisionForm(forms.ModelForm):
    """A change to a saved version needs a reason; subclasses set the help text."""

    change_reason = forms.CharField(
        label=_("Reason for the change"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        revising = self.instance.pk is not None
        changed = [name for name in self.changed_data if name != "change_reason"]
        if revising and changed and not cleaned.get("change_reason", "").strip():
            self.add_error("change_reason", _("Give a reason for the revision."))
        return cleaned


class CurrentFilter(admin.SimpleListFilter):
    title = _("state")
    parameter_name = "state"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("current", _("Current")), ("retired", _("Retired"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() == "current":
            return queryset.filter(retired_at__isnull=True)
        if self.value() == "retired":
            return queryset.filter(retired_at__isnull=False)
        return queryset


class VersionedAdmin(admin.ModelAdmin):
    """Retired versions are shown, never changed; nothing is deleted; a revision keeps
    the code. Subclasses save through their service."""

    def history_fieldsets(self, obj: Any) -> list[tuple[Any, dict[str, Any]]]:
        if obj is None:
            return []
        fieldsets: list[tuple[Any, dict[str, Any]]] = [(_("History"), {"fields": HISTORY_FIELDS})]
        if obj.retired_at is None:
            fieldsets.append((_("Revision"), {"fields": ("change_reason",)}))
        return fieldsets

    def get_readonly_fields(
        self, request: HttpRequest, obj: Any = None
    ) -> list[str] | tuple[str, ...]:
        if obj is None:
            return ()
        if obj.retired_at is not None:
            return [f.name for f in self.model._meta.concrete_fields if f.name != "id"]
        # A revision keeps the code: it is the same row in a new version.
        return ("code", *HISTORY_FIELDS)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and obj.retired_at is not None:
            return False  # history: shown, never changed
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
