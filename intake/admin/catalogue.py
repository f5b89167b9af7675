"""Back-office screens of the service catalogue (服务事项目录).

Saving never edits a row: on add the service creates version 1 with the materials of the
inline; on change the form and the inline edit a copy, and the service saves it as the
next version with its own materials, retiring the version shown. Retired versions are
read-only, and nothing is ever deleted: notices and cases point at them. The catalogue
is imported and exported as a spreadsheet (layout: intake.resources).
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportExportModelAdmin

from accountability.admin.versioned import (
    CurrentFilter,
    RevisionForm,
    VersionedAdmin,
    form_changes,
)
from accountability.http import signed_in_user
from accountability.versioning import become
from intake.models import ServiceItem, ServiceItemMaterial, material_errors
from intake.resources import ServiceItemResource
from intake.services import catalogue as services


class ServiceItemForm(RevisionForm):
    class Meta:
        model = ServiceItem
        fields = ("code", *services.REVISABLE_FIELDS)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["change_reason"].help_text = _(
            "Saving creates a new version; notices already handed out keep the old one."
        )


def _formset_materials(formset: Any) -> list[ServiceItemMaterial]:
    """The materials the inline lists, in its order, without the rows marked for deletion
    and the blank extra rows."""
    materials = []
    for form in formset.forms:
        data = getattr(form, "cleaned_data", None)
        if not data or data.get("DELETE") or (form.instance.pk is None and not form.has_changed()):
            continue
        materials.append(
            ServiceItemMaterial(**{name: data.get(name) for name in services.MATERIAL_FIELDS})
        )
    return materials


class MaterialFormSet(BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return
        materials = _formset_materials(self)
        errors = material_errors(self.instance, materials)
        if errors:
            raise ValidationError(errors)
        if self.instance.pk is not None and not str(self.data.get("change_reason", "")).strip():
            stored = ServiceItemMaterial.objects.filter(item=self.instance.pk).order_by("position")
            if services.material_rows(materials) != services.material_rows(list(stored)):
                # The reason is a field of the item's form; a change of materials alone
                # needs one too.
                raise ValidationError(_("Give a reason for the revision."))


class MaterialInline(admin.TabularInline):
    model = ServiceItemMaterial
    formset = MaterialFormSet
    fields = ("name", "form_requirements", "is_required", "may_be_deficient")
    extra = 1

    # The materials are part of the item: whoever may add or revise the item edits them.
    def _item_editable(self, request: HttpRequest, obj: Any) -> bool:
        if obj is None:
            return request.user.has_perm("intake.add_serviceitem")
        return obj.retired_at is None and request.user.has_perm("intake.change_serviceitem")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._item_editable(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._item_editable(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._item_editable(request, obj)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.has_perm("intake.view_serviceitem") or self._item_editable(request, obj)


@admin.register(ServiceItem)
class ServiceItemAdmin(VersionedAdmin, ImportExportModelAdmin):
    resource_classes = [ServiceItemResource]
    form = ServiceItemForm
    inlines = (MaterialInline,)
    list_display = (
        "code",
        "version",
        "name",
        "kind",
        "department",
        "statutory_limit",
        "promised_limit",
        "allows_deficiency",
        "touches_safety",
        "retired_at",
    )
    list_display_links = ("code", "name")
    list_filter = (
        CurrentFilter,
        "kind",
        "department",
        "allows_deficiency",
        "touches_safety",
    )
    list_select_related = ("department",)
    search_fields = ("code", "name", "legal_basis", "conditions", "note", "materials__name")
    ordering = ("code", "-version")

    @admin.display(description=_("statutory limit"), ordering="statutory_limit_amount")
    def statutory_limit(self, obj: ServiceItem) -> str:
        return obj.statutory_limit_label or "—"

    @admin.display(description=_("promised limit"), ordering="promised_limit_amount")
    def promised_limit(self, obj: ServiceItem) -> str:
        return obj.promised_limit_label or "—"

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        fieldsets: list[tuple[Any, dict[str, Any]]] = [
            (None, {"fields": ("code", "name", "kind", "department", "note")}),
            (
                _("What the one-time notice states"),
                {
                    "fields": (
                        "legal_basis",
                        "conditions",
                        "quantity_limit",
                        "procedure",
                        "fee_basis",
                        "fee_standard",
                        "refusal_reasons",
                    )
                },
            ),
            (
                _("Time limits"),
                {
                    "fields": (
                        ("statutory_limit_amount", "statutory_limit_unit"),
                        ("promised_limit_amount", "promised_limit_unit"),
                    )
                },
            ),
            (_("Accept with deficiency"), {"fields": ("allows_deficiency", "touches_safety")}),
        ]
        return fieldsets + self.history_fieldsets(obj)

    def save_model(self, request: HttpRequest, obj: ServiceItem, form: Any, change: bool) -> None:
        # Saved with its materials in save_related, by the service.
        pass

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        obj: ServiceItem = form.instance
        material_formset = next(
            formset for formset in formsets if formset.model is ServiceItemMaterial
        )
        materials = _formset_materials(material_formset)
        # The admin's change message reads these; the service, not the formset, saves.
        for formset in formsets:
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        if not change:
            services.service_item_create(
                actor=signed_in_user(request), item=obj, materials=materials
            )
            return
        shown = ServiceItem.objects.get(pk=obj.pk)
        changes = form_changes(form, shown, services.REVISABLE_FIELDS)
        if not changes and services.material_rows(materials) == services.material_rows(
            list(shown.materials.all())
        ):
            return  # saved without an edit: no new version
        revised = services.service_item_revise(
            actor=signed_in_user(request),
            item=shown,
            changes=changes,
            materials=materials,
            reason=form.cleaned_data.get("change_reason", ""),
        )
        # The admin's message, change history and redirect all point at what was saved.
        become(obj, revised)
