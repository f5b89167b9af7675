"""Spreadsheet import and export of the service catalogue (django-import-export).

The layout is flat: one row a service item, its current version only (the spreadsheet is
the catalogue, not its history). The columns, by header:

=======================  ==============================================================
code                     the item's code (a slug); identifies the row
version                  export only: the version in force; ignored on import
name                     服务事项名称
kind                     ``on_the_spot`` (即办件), ``promised`` (承诺件) or ``joint`` (联办件)
department               the handling department's code; empty for none
legal_basis              设定依据
conditions               申请条件
quantity_limit           数量限制; empty for none
procedure                办理程序
fee_basis                收费依据; empty when free
fee_standard             收费标准, e.g. 免费
refusal_reasons          不予受理理由
statutory_limit_amount   法定时限 as a number; empty for none, with its unit empty too
statutory_limit_unit     ``minutes``, ``hours``, ``business_hours``, ``calendar_days`` or
                         ``working_days``
promised_limit_amount    承诺时限, likewise
promised_limit_unit      likewise
allows_deficiency        容缺受理: yes / no
touches_safety           touches public safety, environment, health, life or property:
                         yes / no
note                     remarks, such as which figures are demo data
materials                the materials, one a line, in the order the notice lists them:
                         ``name | form requirements | required | may be deficient``,
                         the last two yes / no
=======================  ==============================================================

For example, a ``materials`` cell::

    用水报装申请表 | 原件1份 | yes | no
    申请人身份证 | 原件核验，复印件1份 | yes | no
    授权委托书 | 委托他人办理时提供原件 | no | no

yes / no cells also take 是 / 否, y / n, true / false and 1 / 0; an empty flag cell is no.
Export writes yes / no in the exporting user's language.

Rows are saved through the services: a new code becomes version 1, a changed row a new
version (the old one retired), an unchanged row is skipped. An import is all-or-nothing:
a bad row is reported with its line number and the whole file is rolled back
(AllOrNothingResource).
"""

from __future__ import annotations

from typing import Any, Final

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from import_export import fields, widgets

from accountability import versioning
from accountability.models import Department
from accountability.resources import AllOrNothingResource, LookupWidget
from intake.models import ServiceItem, ServiceItemMaterial, material_errors
from intake.selectors.catalogue import service_item_list
from intake.services.catalogue import (
    REVISABLE_FIELDS,
    material_rows,
    service_item_create,
    service_item_revise,
)

_YES: Final = frozenset({"yes", "y", "true", "1", "是", "√", "✓"})
_NO: Final = frozenset({"no", "n", "false", "0", "否", "×", "✗", ""})


def parse_flag(value: Any) -> bool:
    """yes / no in English, Chinese or as a number; raises ValueError otherwise."""
    if value is None or isinstance(value, bool):
        return bool(value)
    text = str(value).strip().lower()
    if text in _YES or text == _("yes").lower():
        return True
    if text in _NO or text == _("no").lower():
        return False
    raise ValueError(_("“%(value)s” is neither yes nor no.") % {"value": value})


def render_flag(value: bool) -> str:
    return _("yes") if value else _("no")


class YesNoWidget(widgets.Widget):
    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> bool:
        return parse_flag(value)

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> str:
        return render_flag(bool(value))


def parse_materials(text: Any) -> list[ServiceItemMaterial]:
    """The materials of a ``materials`` cell; raises ValidationError naming each bad line."""
    materials: list[ServiceItemMaterial] = []
    errors: list[str] = []
    lines = [] if text is None else str(text).splitlines()
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        parts = [part.strip() for part in line.split("|")]
        if len(parts) != 4:
            errors.append(
                _(
                    "Materials, line %(line)s: expected “name | form requirements | "
                    "required | may be deficient”, found %(count)s parts."
                )
                % {"line": number, "count": len(parts)}
            )
            continue
        name, form_requirements, required, deficient = parts
        try:
            flags = (parse_flag(required), parse_flag(deficient))
        except ValueError as error:
            errors.append(
                _("Materials, line %(line)s: %(message)s") % {"line": number, "message": error}
            )
            continue
        material = ServiceItemMaterial(
            name=name,
            form_requirements=form_requirements,
            is_required=flags[0],
            may_be_deficient=flags[1],
        )
        try:
            material.full_clean(exclude=["item", "position"], validate_unique=False)
        except ValidationError as error:
            errors.extend(
                _("Materials, line %(line)s: %(message)s") % {"line": number, "message": message}
                for message in error.messages
            )
            continue
        materials.append(material)
    if errors:
        raise ValidationError(errors)
    return materials


def render_materials(materials: list[ServiceItemMaterial]) -> str:
    return "\n".join(
        " | ".join((name, form_requirements, render_flag(required), render_flag(deficient)))
        for name, form_requirements, required, deficient in material_rows(materials)
    )


class ServiceItemResource(AllOrNothingResource):
    version = fields.Field(attribute="version", column_name="version", readonly=True)
    department = fields.Field(
        attribute="department",
        column_name="department",
        widget=LookupWidget(Department, "code"),
    )
    statutory_limit_amount = fields.Field(
        attribute="statutory_limit_amount",
        column_name="statutory_limit_amount",
        widget=widgets.IntegerWidget(),
    )
    promised_limit_amount = fields.Field(
        attribute="promised_limit_amount",
        column_name="promised_limit_amount",
        widget=widgets.IntegerWidget(),
    )
    allows_deficiency = fields.Field(
        attribute="allows_deficiency", column_name="allows_deficiency", widget=YesNoWidget()
    )
    touches_safety = fields.Field(
        attribute="touches_safety", column_name="touches_safety", widget=YesNoWidget()
    )
    materials = fields.Field(column_name="materials")

    class Meta:
        model = ServiceItem
        import_id_fields = ("code",)
        fields = ("code", "version", *REVISABLE_FIELDS, "materials")
        clean_model_instances = True
        skip_unchanged = True

    @classmethod
    def widget_from_django_field(cls, f: Any, default: Any = widgets.Widget) -> Any:
        # An empty cell of an optional text column is an empty text, never NULL.
        if isinstance(f, models.TextField):
            return widgets.CharWidget
        return super().widget_from_django_field(f, default)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._materials_by_code: dict[str, list[ServiceItemMaterial]] = {}

    def get_queryset(self) -> QuerySet[ServiceItem]:
        # Rows are matched with the version in force; retired ones are history.
        return service_item_list()

    def filter_export(self, queryset: Any, **kwargs: Any) -> Any:
        # The admin passes its change list, which shows retired versions too.
        return service_item_list().filter(pk__in=queryset.values("pk"))

    def dehydrate_materials(self, item: ServiceItem) -> str:
        return render_materials(list(item.materials.all()))

    def import_instance(self, instance: ServiceItem, row: Any, **kwargs: Any) -> None:
        errors: dict[str, Any] = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        if instance.code in self._materials_by_code:
            # A second row would revise what the first has just written.
            errors.setdefault("code", []).append(
                _("The code %(code)s is used by an earlier row.") % {"code": instance.code}
            )
        try:
            materials = parse_materials(row.get("materials"))
        except ValidationError as error:
            errors.setdefault("materials", []).extend(error.messages)
        else:
            cross = material_errors(instance, materials)
            if cross:
                errors.setdefault("materials", []).extend(cross)
            self._materials_by_code[instance.code] = materials
        if errors:
            raise ValidationError(errors)

    def skip_row(
        self,
        instance: ServiceItem,
        original: ServiceItem | None,
        row: Any,
        import_validation_errors: Any = None,
    ) -> bool:
        if import_validation_errors or original is None or original.pk is None:
            return False
        if any(getattr(instance, name) != getattr(original, name) for name in REVISABLE_FIELDS):
            return False
        stored = list(ServiceItemMaterial.objects.filter(item=original.pk).order_by("position"))
        return material_rows(self._materials_by_code.get(instance.code, [])) == material_rows(
            stored
        )

    def save_instance(
        self, instance: ServiceItem, is_create: bool, row: Any, **kwargs: Any
    ) -> None:
        actor = kwargs.get("user")
        materials = self._materials_by_code[instance.code]
        reason = _("spreadsheet import")
        if is_create:
            service_item_create(actor=actor, item=instance, materials=materials, reason=reason)
            return
        shown = ServiceItem.objects.get(pk=instance.pk)
        changes = versioning.changed_fields(instance, shown, REVISABLE_FIELDS)
        revised = service_item_revise(
            actor=actor, item=shown, changes=changes, materials=materials, reason=reason
        )
        # The row reports the version it created.
        versioning.become(instance, revised)
