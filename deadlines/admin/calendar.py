"""The working-time calendar's screens: publishing a year, setting and clearing days
(through the calendar services)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportExportModelAdmin

from accountability.business_dates import ADMIN_FORMFIELD_OVERRIDES
from accountability.http import signed_in_user
from deadlines.models import (
    CalendarDay,
    CalendarYear,
)
from deadlines.resources import CalendarDayResource
from deadlines.services.calendar import calendar_day_clear, calendar_day_set, calendar_year_publish


@admin.register(CalendarYear)
class CalendarYearAdmin(admin.ModelAdmin):
    list_display = ("year", "published", "source", "changed_at")
    fields = ("year", "published", "source", "changed_at")
    readonly_fields = ("year", "published", "source", "changed_at")
    actions = ("publish",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Years appear when their days are entered; publishing is the action below.
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description=_("Mark the official schedule as entered (deadlines become firm)"))
    def publish(self, request: HttpRequest, queryset: QuerySet[CalendarYear]) -> None:
        for row in queryset:
            try:
                calendar_year_publish(
                    actor=signed_in_user(request),
                    year=row.year,
                    source=str(_("entered by an administrator")),
                )
            except ValidationError as error:
                self.message_user(request, " ".join(error.messages), messages.WARNING)
            else:
                self.message_user(request, _("%(year)s published.") % {"year": row.year})


@admin.register(CalendarDay)
class CalendarDayAdmin(ImportExportModelAdmin):
    resource_classes = [CalendarDayResource]
    list_display = ("date", "is_working_day", "kind", "name", "source", "changed_at")
    list_filter = ("kind", "is_working_day")
    date_hierarchy = "date"
    search_fields = ("name",)
    fields = ("date", "is_working_day", "kind", "name", "source")
    formfield_overrides = ADMIN_FORMFIELD_OVERRIDES

    def save_model(self, request: HttpRequest, obj: CalendarDay, form: Any, change: bool) -> None:
        saved = calendar_day_set(
            actor=signed_in_user(request),
            day=obj.date,
            is_working_day=obj.is_working_day,
            kind=obj.kind,
            name=obj.name,
            source=obj.source,
        )
        obj.pk = saved.pk

    def delete_model(self, request: HttpRequest, obj: CalendarDay) -> None:
        calendar_day_clear(actor=signed_in_user(request), row=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[CalendarDay]) -> None:
        for row in queryset:
            calendar_day_clear(actor=signed_in_user(request), row=row)
