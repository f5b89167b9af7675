"""Spreadsheet import and export of the working calendar, and export of the cases.

When the State Council publishes next year's schedule, an administrator imports it
(one row a day: date, working day or not, kind, name), then marks the year published.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import models
from django.utils.translation import gettext as _
from import_export import fields, widgets

from accountability.resources import AllOrNothingResource
from accountability.spreadsheets import FormulaSafeResource
from deadlines.models import CalendarDay, Case
from deadlines.rules import sees_complainant
from deadlines.services.calendar import calendar_day_set
from deadlines.services.cases import case_log_complainant_view

if TYPE_CHECKING:
    from django.contrib.auth.models import User


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
    "citizen_email",
    "citizen_address",
    "citizen_account",
    "content",
)


def _label(name: str) -> Any:
    """A case column's header: the field's (translated) name, never the field itself."""
    field = Case._meta.get_field(name)
    assert isinstance(field, models.Field)
    return field.verbose_name


def _person(user: User | None) -> str:
    return (user.get_full_name() or user.get_username()) if user is not None else ""


class CaseResource(FormulaSafeResource):
    """Export of the case register (export only: cases change through their services).

    Headers are the fields' translated names and coded values are their labels (channel,
    kind of matter, urgency, state), so a file staff download carries no internal code.
    Moments are datetimes (an Excel file gets them as date cells in Beijing time).

    The citizen's identity and the content of a complaint about staff are exported only to
    whom deadlines.rules.may_see_complainant allows; for anyone else the columns say
    “protected”. Each protected identity that does go into a file is logged.
    """

    number = fields.Field(attribute="number", column_name=_label("number"))
    opened_at = fields.Field(
        attribute="opened_at", column_name=_label("opened_at"), widget=widgets.DateTimeWidget()
    )
    channel = fields.Field(attribute="channel", column_name=_label("channel"))
    matter_kind = fields.Field(attribute="matter_kind", column_name=_label("matter_kind"))
    urgency = fields.Field(attribute="urgency", column_name=_label("urgency"))
    state = fields.Field(attribute="state", column_name=_label("state"))
    department = fields.Field(attribute="department__name", column_name=_label("department"))
    handler = fields.Field(attribute="handler", column_name=_label("handler"))
    subject = fields.Field(attribute="subject", column_name=_label("subject"))
    citizen_name = fields.Field(attribute="citizen_name", column_name=_label("citizen_name"))
    citizen_phone = fields.Field(attribute="citizen_phone", column_name=_label("citizen_phone"))
    citizen_email = fields.Field(attribute="citizen_email", column_name=_label("citizen_email"))
    citizen_address = fields.Field(
        attribute="citizen_address", column_name=_label("citizen_address")
    )
    citizen_account = fields.Field(
        attribute="citizen_account", column_name=_label("citizen_account")
    )
    content = fields.Field(attribute="content", column_name=_label("content"))
    resolved_at = fields.Field(
        attribute="resolved_at", column_name=_label("resolved_at"), widget=widgets.DateTimeWidget()
    )
    closed_at = fields.Field(
        attribute="closed_at", column_name=_label("closed_at"), widget=widgets.DateTimeWidget()
    )

    def __init__(self, *, user: User | None = None, **kwargs: Any) -> None:
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
            "department",
            "handler",
            "subject",
            *IDENTITY_COLUMNS,
            "resolved_at",
            "closed_at",
        )
        export_order = fields

    def dehydrate_channel(self, case: Case) -> str:
        return str(case.get_channel_display())

    def dehydrate_matter_kind(self, case: Case) -> str:
        return str(case.get_matter_kind_display())

    def dehydrate_urgency(self, case: Case) -> str:
        return str(case.get_urgency_display())

    def dehydrate_state(self, case: Case) -> str:
        return str(case.get_state_display())

    def dehydrate_handler(self, case: Case) -> str:
        return _person(case.handler)

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
