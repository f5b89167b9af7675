"""Clocks and what their scans leave behind (breaches, reminders, notifications): read
only."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from accountability.admin.readonly import ReadOnlyAdmin, ReadOnlyInline
from deadlines.models import (
    Breach,
    Clock,
    ClockPause,
    Notification,
    Reminder,
)


class ClockPauseInline(ReadOnlyInline):
    model = ClockPause
    readonly_fields = ("started_at", "ended_at")


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
