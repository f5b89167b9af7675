"""Back-office screens for outages. Read-only: events, reports and notices change only
through the services (the outage pages), so that every change keeps its history, its
obligations and its audit row."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from accountability.admin.readonly import CitationColumn, ReadOnlyAdmin, ReadOnlyInline
from outages.models import (
    Obligation,
    OutageBreach,
    OutageChange,
    OutageContact,
    OutageEvent,
    OutageReport,
    PublicNotice,
)


class ChangeInline(ReadOnlyInline):
    model = OutageChange
    fields = ("at", "actor", "households", "expected_restoration_at", "restored_at", "reason")


class ObligationInline(CitationColumn, ReadOnlyInline):
    model = Obligation
    fields = ("kind", "cited", "arose_at", "due_at", "met_at", "department", "responsible")
    readonly_fields = ("cited",)

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).select_related("regulation")


class ReportInline(ReadOnlyInline):
    model = OutageReport
    fields = ("reported_at", "recipient", "method", "reported_by", "received_by", "obligation")


class NoticeInline(ReadOnlyInline):
    model = PublicNotice
    fields = ("published_at", "channels", "text", "recorded_by", "obligation")


@admin.register(OutageEvent)
class OutageEventAdmin(ReadOnlyAdmin):
    list_display = (
        "number",
        "title",
        "kind",
        "households",
        "starts_at",
        "expected_restoration_at",
        "restored_at",
        "department",
    )
    list_filter = ("kind", "department")
    list_select_related = ("department",)
    search_fields = ("title", "area", "cause")
    date_hierarchy = "starts_at"
    inlines = (ChangeInline, ObligationInline, ReportInline, NoticeInline)


@admin.register(OutageReport)
class OutageReportAdmin(ReadOnlyAdmin):
    list_display = ("event", "recipient", "method", "reported_at", "reported_by", "obligation")
    list_filter = ("recipient", "method")
    list_select_related = ("event", "reported_by", "obligation")
    search_fields = ("event__title", "received_by", "note")
    date_hierarchy = "reported_at"


@admin.register(PublicNotice)
class PublicNoticeAdmin(ReadOnlyAdmin):
    list_display = ("event", "published_at", "channels", "recorded_by")
    list_select_related = ("event", "recorded_by")
    search_fields = ("event__title", "text")
    date_hierarchy = "published_at"


@admin.register(Obligation)
class ObligationAdmin(CitationColumn, ReadOnlyAdmin):
    list_display = ("event", "kind", "due_at", "met_at", "department", "responsible", "cited")
    list_filter = ("kind", "department")
    list_select_related = ("event", "department", "responsible", "regulation")
    date_hierarchy = "due_at"


@admin.register(OutageBreach)
class OutageBreachAdmin(ReadOnlyAdmin):
    """Recorded by the scan, once per obligation."""

    list_display = ("event", "kind", "moment", "responsible", "department", "detected_at")
    list_filter = ("kind", "department")
    list_select_related = ("event", "responsible", "department")
    date_hierarchy = "moment"


@admin.register(OutageContact)
class OutageContactAdmin(ReadOnlyAdmin):
    list_display = ("event", "case", "linked_by", "linked_at")
    list_select_related = ("event", "case", "linked_by")
    search_fields = ("case__number", "event__title")
