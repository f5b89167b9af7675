"""Spreadsheet import and export of the working calendar, and export of the cases.

When the State Council publishes next year's schedule, an administrator imports it
(one row a day: date, working day or not, kind, name), then marks the year published.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from import_export import fields, widgets

from accountability.resources import AllOrNothingResource
from accountability.spreadsheets import FormulaSafeResource
from deadlines.models import CalendarDay, Case
from deadlines.rules import sees_complainant
from deadlines.services.calendar import calendar_day_set
from deadlines.services.cases import case_log_complainant_view


class CalendarDayResource(AllOrNothingResource):
    is_working_day = fields.Field(
        attribute="is_working_day", column_name="is_working_day", widget=widgets.BooleanWidget()
    )

    class Meta:
        model = CalendarDay
        import_id_fields = ("date",)
        fields = ("date", "is_working_day", "kind", "name", "source")
        clean_model_instances = True
        skip_unchanged = True

    def save_instance(
        self, instance: CalendarDay, is_create: bool, row: Any, **kwargs: Any
    ) -> None:
        calendar_day_set(
            actor=kwargs.get("user"),
            day=instance.date,
            is_working_day=instance.is_working_day,
            kind=instance.kind,
            name=instance.name,
            source=instance.source,
            reason=_("spreadsheet import"),
        )


# The columns of a case that identify the citizen, and the complaint's materials.
IDENTITY_COLUMNS = (
    "citizen_name",
    "citizen_phone",
    "citizen_address",
    "citizen_account",
    "content",
)


class CaseResource(FormulaSafeResource):
    """Export of the case register (export only: cases change through their services).

    The citizen's identity and the content of a complaint about staff are exported only to
    whom deadlines.rules.may_see_complainant allows; for anyone else the columns say
    “protected”. Each protected identity that does go into a file is logged.
    """

    def __init__(self, *, user: Any = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.user = user

    class Meta:
        model = Case
        fields = (
            "number",
            "opened_at",
            "channel",
            "matter_kind",
            "urgency",
            "state",
            "department__name",
            "handler__username",
            "subject",
            *IDENTITY_COLUMNS,
            "resolved_at",
            "closed_at",
        )
        export_order = fields

    def get_queryset(self) -> Any:
        return Case.objects.select_related("department", "handler").prefetch_related("accused")

    def filter_export(self, queryset: Any, **kwargs: Any) -> Any:
        return queryset.select_related("department", "handler").prefetch_related("accused")

    def export_resource(self, instance: Any, selected_fields: Any = None, **kwargs: Any) -> Any:
        row = super().export_resource(instance, selected_fields, **kwargs)
        if not instance.is_about_staff:
            return row
        if self.user is not None and sees_complainant(self.user, instance):
            case_log_complainant_view(actor=self.user, case=instance, where="export")
            return row
        hidden = _("protected")
        names = [field.attribute for field in self.get_export_fields(selected_fields)]
        return [
            hidden if name in IDENTITY_COLUMNS else value
            for name, value in zip(names, row, strict=True)
        ]
