"""Back-office screens of the deadlines app. Writes go through the services."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportExportModelAdmin

from accountability.admin import ReadOnlyAdmin
from deadlines.admin_policies import TimeLimitPolicyAdmin
from deadlines.models import (
    Breach,
    CalendarDay,
    CalendarYear,
    Case,
    CaseEvent,
    Clock,
    ClockPause,
    ExtensionRequest,
    FeedbackEntry,
    Notification,
    Reminder,
    Suspension,
    TimeLimitPolicy,
    Transfer,
)
from deadlines.resources import CalendarDayResource
from deadlines.services.calendar import calendar_day_clear, calendar_day_set, calendar_year_publish

admin.site.register(TimeLimitPolicy, TimeLimitPolicyAdmin)


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
                    actor=request.user, year=row.year, source=str(_("entered by an administrator"))
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

    def save_model(self, request: HttpRequest, obj: CalendarDay, form: Any, change: bool) -> None:
        saved = calendar_day_set(
            actor=request.user,
            day=obj.date,
            is_working_day=obj.is_working_day,
            kind=obj.kind,
            name=obj.name,
            source=obj.source,
        )
        obj.pk = saved.pk

    def delete_model(self, request: HttpRequest, obj: CalendarDay) -> None:
        calendar_day_clear(actor=request.user, row=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[CalendarDay]) -> None:
        for row in queryset:
            calendar_day_clear(actor=request.user, row=row)


class ClockPauseInline(admin.TabularInline):
    model = ClockPause
    extra = 0
    can_delete = False
    readonly_fields = ("started_at", "ended_at")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Clock)
class ClockAdmin(ReadOnlyAdmin):
    """Read-only: clocks move only through the case services."""

    list_display = (
        "id",
        "case",
        "kind",
        "policy",
        "department",
        "started_at",
        "due_at",
        "due_is_provisional",
        "stopped_at",
    )
    list_filter = ("kind", "due_is_provisional")
    list_select_related = ("case", "policy", "department")
    search_fields = ("case__number",)
    inlines = (ClockPauseInline,)


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class CaseEventInline(ReadOnlyInline):
    model = CaseEvent
    fields = ("at", "action", "from_state", "to_state", "actor", "reason")


class CaseClockInline(ReadOnlyInline):
    model = Clock
    fields = ("kind", "policy", "started_at", "due_at", "extension_amount", "stopped_at")
    show_change_link = True


class TransferInline(ReadOnlyInline):
    model = Transfer
    fields = ("sent_at", "from_department", "to_department", "outcome", "decided_at")


class ExtensionInline(ReadOnlyInline):
    model = ExtensionRequest
    fields = ("requested_at", "clock", "amount", "unit", "decision", "citizen_told_at")


class SuspensionInline(ReadOnlyInline):
    model = Suspension
    fields = ("kind", "started_at", "expected_end", "ended_at", "place")


class FeedbackInline(ReadOnlyInline):
    model = FeedbackEntry
    fields = ("at", "audience", "channel", "by", "content")


@admin.register(Case)
class CaseAdmin(ReadOnlyAdmin):
    """Read-only: a case changes only through its services (the case page), so that
    every change has its event and its clocks stay right."""

    list_display = (
        "number",
        "subject",
        "matter_kind",
        "urgency",
        "state",
        "handling_mode",
        "department",
        "handler",
        "opened_at",
    )
    list_filter = ("state", "matter_kind", "urgency", "handling_mode", "channel")
    list_select_related = ("department", "handler")
    search_fields = ("number", "subject", "citizen_name", "citizen_phone", "citizen_account")
    date_hierarchy = "opened_at"
    inlines = (
        CaseClockInline,
        CaseEventInline,
        TransferInline,
        ExtensionInline,
        SuspensionInline,
        FeedbackInline,
    )


@admin.register(Breach)
class BreachAdmin(ReadOnlyAdmin):
    """Read-only: breaches are recorded by the scans, once each."""

    list_display = ("case", "kind", "moment", "responsible", "department", "detected_at")
    list_filter = ("kind", "department")
    list_select_related = ("case", "responsible", "department")
    search_fields = ("case__number", "responsible__username")
    date_hierarchy = "moment"


@admin.register(Reminder)
class ReminderAdmin(ReadOnlyAdmin):
    """Read-only: reminder notices (催办通知书) and their circulation, issued by the scans."""

    list_display = ("__str__", "case", "stage", "issued_at", "addressee", "copied_to", "department")
    list_filter = ("stage", "department")
    list_select_related = ("breach__case", "addressee", "copied_to", "department")
    search_fields = ("breach__case__number",)

    @admin.display(description=_("case"), ordering="breach__case__number")
    def case(self, reminder: Reminder) -> str:
        return reminder.breach.case.number


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    """Read-only: what each person was told, and when they read it."""

    list_display = ("recipient", "kind", "case", "moment", "created_at", "read_at", "emailed_at")
    list_filter = ("kind",)
    list_select_related = ("recipient", "case")
    search_fields = ("recipient__username", "case__number")
