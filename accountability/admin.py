"""Back-office screens. Writes go through the services; the audit log is read-only."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from import_export.admin import ImportExportModelAdmin

from accountability import services
from accountability.models import Absence, AuditEntry, Department, StaffProfile
from accountability.resources import DepartmentResource, StaffResource


@admin.register(Department)
class DepartmentAdmin(ImportExportModelAdmin):
    resource_classes = [DepartmentResource]
    list_display = (
        "code",
        "name",
        "kind",
        "parent",
        "head",
        "supervising_leader",
        "is_dispatch",
        "round_the_clock",
    )
    list_filter = ("kind", "is_dispatch", "round_the_clock")
    list_select_related = ("parent", "head", "supervising_leader")
    search_fields = ("code", "name")
    autocomplete_fields = ("parent", "head", "supervising_leader")

    def save_model(self, request: HttpRequest, obj: Department, form: Any, change: bool) -> None:
        services.department_save(actor=request.user, department=obj)


@admin.register(StaffProfile)
class StaffProfileAdmin(ImportExportModelAdmin):
    resource_classes = [StaffResource]
    list_display = ("display_name", "user", "department", "title", "desk_phone")
    list_filter = ("department",)
    list_select_related = ("user", "department")
    search_fields = ("user__username", "user__first_name", "user__last_name", "title")
    autocomplete_fields = ("user", "department")

    def save_model(self, request: HttpRequest, obj: StaffProfile, form: Any, change: bool) -> None:
        services.staff_profile_save(actor=request.user, profile=obj)


@admin.register(Absence)
class AbsenceAdmin(admin.ModelAdmin):
    list_display = ("staff", "starts_at", "ends_at", "substitute", "reason")
    list_select_related = ("staff", "substitute")
    search_fields = ("staff__username", "staff__first_name", "substitute__username")
    autocomplete_fields = ("staff", "substitute")
    date_hierarchy = "starts_at"

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # A recorded absence is history; a correction is a new record.
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Absence, form: Any, change: bool) -> None:
        recorded = services.absence_record(
            actor=request.user,
            staff=obj.staff,
            starts_at=obj.starts_at,
            ends_at=obj.ends_at,
            substitute=obj.substitute,
            reason=obj.reason,
            handover_note=obj.handover_note,
        )
        obj.pk = recorded.pk


class ReadOnlyAdmin(admin.ModelAdmin):
    """For history and derived rows that change only through their services: visible and
    searchable, never added, changed or deleted here."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ("at", "actor", "action", "content_type", "object_repr")
    list_filter = ("action", "content_type")
    list_select_related = ("actor", "content_type")
    search_fields = ("object_repr", "action", "reason")
    date_hierarchy = "at"
