"""The back-office screen for time-limit policies (registered from deadlines.admin).

Saving never edits a row: on add the service creates version 1; on change the form
edits a copy and the service saves it as the next version, retiring the one shown.
Retired versions are read-only, and nothing is ever deleted: clocks point at them.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from accountability.admin.versioned import (
    CurrentFilter,
    RevisionForm,
    VersionedAdmin,
    form_changes,
)
from accountability.http import signed_in_user
from accountability.versioning import become
from deadlines.models import TimeLimitPolicy
from deadlines.services import policies as services


class TimeLimitPolicyForm(RevisionForm):
    class Meta:
        model = TimeLimitPolicy
        fields = services.FILE_FIELDS

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["change_reason"].help_text = _(
            "Saving creates a new version; clocks already running keep the old one."
        )


class TimeLimitPolicyAdmin(VersionedAdmin):
    form = TimeLimitPolicyForm
    list_display = (
        "code",
        "version",
        "name",
        "clock_kind",
        "limit",
        "source",
        "basis",
        "retired_at",
    )
    list_select_related = ("regulation",)
    list_display_links = ("code", "name")
    list_filter = (
        CurrentFilter,
        "basis",
        "clock_kind",
        "unit",
        "matter_kind",
        "urgency",
        "extension_approver",
        "is_statutory",
    )
    search_fields = (
        "code",
        "name",
        "regulation__title",
        "article",
        "note",
        "variant",
        "service_item_code",
    )
    ordering = ("code", "-version")

    @admin.display(description=_("regulation"), ordering="regulation__title")
    def source(self, obj: TimeLimitPolicy) -> str:
        return obj.citation

    @admin.display(description=_("limit"), ordering="amount")
    def limit(self, obj: TimeLimitPolicy) -> str:
        return f"{obj.amount} {obj.get_unit_display()}"

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        fieldsets: list[tuple[Any, dict[str, Any]]] = [
            (None, {"fields": ("code", "name", "regulation", "article", "basis", "note")}),
            (
                _("Applies to"),
                {
                    "fields": (
                        "clock_kind",
                        "matter_kind",
                        "urgency",
                        "channels",
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
                        "extension_approver",
                        "max_extension_amount",
                        "max_extension_unit",
                    )
                },
            ),
            (_("Yellow card"), {"fields": ("warn_share", "warn_lead_amount", "warn_lead_unit")}),
        ]
        return fieldsets + self.history_fieldsets(obj)

    def save_model(
        self, request: HttpRequest, obj: TimeLimitPolicy, form: Any, change: bool
    ) -> None:
        if not change:
            services.policy_create(actor=signed_in_user(request), policy=obj)
            return
        shown = TimeLimitPolicy.objects.get(pk=obj.pk)
        changes = form_changes(form, shown, services.REVISABLE_FIELDS)
        if not changes:
            return  # saved without an edit: no new version
        revised = services.policy_revise(
            actor=signed_in_user(request),
            policy=shown,
            changes=changes,
            reason=form.cleaned_data["change_reason"],
        )
        # The admin's message, change history and redirect all point at what was saved.
        become(obj, revised)


admin.site.register(TimeLimitPolicy, TimeLimitPolicyAdmin)
