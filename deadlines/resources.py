"""Spreadsheet import and export of the working calendar.

When the State Council publishes next year's schedule, an administrator imports it
(one row a day: date, working day or not, kind, name), then marks the year published.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from import_export import fields, widgets

from accountability.resources import AllOrNothingResource
from deadlines.models import CalendarDay
from deadlines.services.calendar import calendar_day_set


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
