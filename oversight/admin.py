"""Read-only administration screens of the kept reports and the export jobs (a report
is frozen; a job changes only through its task)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from oversight.models import ExportJob, PeriodicReport


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(PeriodicReport)
class PeriodicReportAdmin(ReadOnly):
    list_display = ("kind", "period_start", "period_end", "generated_at", "generated_by")
    list_filter = ("kind",)
    list_select_related = ("generated_by",)
    date_hierarchy = "period_start"


@admin.register(ExportJob)
class ExportJobAdmin(ReadOnly):
    list_display = ("id", "kind", "requested_by", "state", "done", "total", "created_at")
    list_filter = ("kind", "state")
    list_select_related = ("requested_by",)
    exclude = ("file",)  # downloaded through oversight's view, by its requester
