"""Read-only administration screens of the kept reports and the export jobs (a report
is frozen; a job changes only through its task)."""

from __future__ import annotations

from django.contrib import admin

from accountability.admin.readonly import ReadOnlyAdmin
from oversight.models import ExportJob, PeriodicReport


@admin.register(PeriodicReport)
class PeriodicReportAdmin(ReadOnlyAdmin):
    list_display = ("kind", "period_start", "period_end", "generated_at", "generated_by")
    list_filter = ("kind",)
    list_select_related = ("generated_by",)
    date_hierarchy = "period_start"


@admin.register(ExportJob)
class ExportJobAdmin(ReadOnlyAdmin):
    list_display = ("id", "kind", "requested_by", "state", "done", "total", "created_at")
    list_filter = ("kind", "state")
    list_select_related = ("requested_by",)
    exclude = ("file",)  # downloaded through oversight's view, by its requester
