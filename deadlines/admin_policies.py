"""The back-office screen for time-limit policies (registered from deadlines.admin).

Saving never edits a row: on add the service creates version 1; on change the form
edits a copy and the service saves it as the next version, retiring the one shown.
Retired versions are read-only, and nothing is ever deleted: clocks point at them.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from deadlines.models import TimeLimitPolicy
from deadlines.services import policies as services

_HISTORY_FIELDS = ("version", "created_at", "created_by", "retired_at")


class TimeLimitPolicyForm(forms.ModelForm):
    change_reason = forms.CharField(
        label=_("Reason for the change"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Saving creates a new version; clocks already running keep the old one."),
    )

    class Meta:
        model = TimeLimitPolicy
        fields = services.FILE_FIELDS

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

    def queryset(
        self, request: HttpRequest, queryset: QuerySet[TimeLimitPolicy]
    ) -> QuerySet[TimeLimitPolicy]:
        if self.value() == "current":
            return queryset.filter(retired_at__isnull=True)
        if self.value() == "retired":
            return queryset.filter(retired_at__isnull=False)
        return queryset


class TimeLimitPolicyAdmin(admin.ModelAdmin):
    form = TimeLimitPolicyForm
    list_display = (
        "code",
        "version",
        "name",
        "clock_kind",
        "limit",
        "source",
        "retired_at",
    )
    list_display_links = ("code", "name")
    list_filter = (CurrentFilter, "clock_kind", "unit", "matter_kind", "urgency", "is_statutory")
    search_fields = ("code", "name", "source", "note", "variant", "service_item_code")
    ordering = ("code", "-version")

    @admin.display(description=_("limit"), ordering="amount")
    def limit(self, obj: TimeLimitPolicy) -> str:
        return f"{obj.amount} {obj.get_unit_display()}"

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        fieldsets: list[tuple[Any, dict[str, Any]]] = [
            (None, {"fields": ("code", "name", "source", "note")}),
            (
                _("Applies to"),
                {
                    "fields": (
                        "clock_kind",
                        "matter_kind",
                        "urgency",
                        "service_item_code",
                        "variant",
                    )
                },
            ),
            (
                _("Limit"),
                {
                    "fields": (
                        "amount",
                        "unit",
                        "end_rule",
                        "roll_off_rest_days",
                        "is_statutory",
                        "max_extension_amount",
                        "max_extension_unit",
                    )
                },
            ),
            (_("Yellow card"), {"fields": ("warn_share", "warn_lead_amount", "warn_lead_unit")}),
        ]
        if obj is not None:
            fieldsets.append((_("History"), {"fields": _HISTORY_FIELDS}))
            if obj.retired_at is None:
                fieldsets.append((_("Revision"), {"fields": ("change_reason",)}))
        return fieldsets

    def get_readonly_fields(
        self, request: HttpRequest, obj: Any = None
    ) -> list[str] | tuple[str, ...]:
        if obj is None:
            return ()
        if obj.retired_at is not None:
            return [f.name for f in TimeLimitPolicy._meta.concrete_fields if f.name != "id"]
        # A revision keeps the code: it is the same policy in a new version.
        return ("code", *_HISTORY_FIELDS)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and obj.retired_at is not None:
            return False  # history: shown, never changed
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(
        self, request: HttpRequest, obj: TimeLimitPolicy, form: Any, change: bool
    ) -> None:
        if not change:
            services.policy_create(actor=request.user, policy=obj)
            return
        shown = TimeLimitPolicy.objects.get(pk=obj.pk)
        changes = {
            name: form.cleaned_data[name]
            for name in services.REVISABLE_FIELDS
            if name in form.cleaned_data and form.cleaned_data[name] != getattr(shown, name)
        }
        if not changes:
            return  # saved without an edit: no new version
        revised = services.policy_revise(
            actor=request.user,
            policy=shown,
            changes=changes,
            reason=form.cleaned_data["change_reason"],
        )
        # The form's object becomes the new version, so the admin's message, change
        # history and redirect all point at what was saved.
        for model_field in TimeLimitPolicy._meta.concrete_fields:
            setattr(obj, model_field.attname, getattr(revised, model_field.attname))
