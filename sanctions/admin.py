"""Back-office screens of the sanctions app: all read-only. Violations, decisions and
their history change only through sanctions.services (the inspection office's pages);
the rulebook and the violation types are loaded from their files
(``manage.py load_rulebook``), a changed rulebook as a new version."""

from __future__ import annotations

from typing import Any, ClassVar

from django.contrib import admin
from django.http import HttpRequest

from accountability.admin.readonly import CitationColumn, ReadOnlyAdmin, ReadOnlyInline
from sanctions.models import (
    AggregateFiring,
    Appeal,
    DecisionEvent,
    Responsibility,
    Review,
    Rule,
    RulebookVersion,
    SanctionDecision,
    SanctionNotification,
    Violation,
    ViolationEvent,
    ViolationType,
)


@admin.register(ViolationType)
class ViolationTypeAdmin(CitationColumn, ReadOnlyAdmin):
    list_display = ("code", "name", "family", "default_severity", "cited")
    list_filter = ("family", "default_severity", "regulation")
    list_select_related = ("regulation",)
    search_fields = ("code", "name", "regulation__title", "article")


class RuleInline(CitationColumn, ReadOnlyInline):
    model = Rule
    fields: ClassVar[tuple[str, ...]] = (
        "number",
        "title",
        "condition",
        "proposes",
        "cited",
        "trigger",
    )
    readonly_fields: ClassVar[tuple[str, ...]] = ("cited",)

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).select_related("regulation")


@admin.register(RulebookVersion)
class RulebookVersionAdmin(ReadOnlyAdmin):
    list_display = ("label", "title", "loaded_at", "loaded_by", "source")
    list_select_related = ("loaded_by",)
    inlines = (RuleInline,)


@admin.register(Rule)
class RuleAdmin(CitationColumn, ReadOnlyAdmin):
    list_display = ("number", "title", "cited", "trigger", "version")
    list_filter = ("version", "trigger", "regulation")
    list_select_related = ("version", "regulation")
    search_fields = ("title", "regulation__title", "article", "condition")


class ViolationEventInline(ReadOnlyInline):
    model = ViolationEvent
    fields: ClassVar[tuple[str, ...]] = (
        "at",
        "actor",
        "action",
        "from_state",
        "to_state",
        "reason",
    )


class ResponsibilityInline(ReadOnlyInline):
    model = Responsibility
    fields: ClassVar[tuple[str, ...]] = ("person", "kind", "note", "assigned_by", "assigned_at")


@admin.register(Violation)
class ViolationAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "type",
        "staff",
        "department",
        "occurred_at",
        "severity",
        "source_kind",
        "state",
    )
    list_filter = ("state", "source_kind", "severity", "type__family")
    list_select_related = ("type", "staff", "department")
    search_fields = ("staff__username", "staff__first_name", "case__number", "summary")
    date_hierarchy = "occurred_at"
    inlines = (ResponsibilityInline, ViolationEventInline)


@admin.register(ViolationEvent)
class ViolationEventAdmin(ReadOnlyAdmin):
    list_display = ("at", "violation", "actor", "action", "from_state", "to_state")
    list_filter = ("action",)
    list_select_related = ("violation__type", "actor")
    date_hierarchy = "at"


class DecisionEventInline(ReadOnlyInline):
    model = DecisionEvent
    fields: ClassVar[tuple[str, ...]] = (
        "at",
        "actor",
        "action",
        "from_state",
        "to_state",
        "reason",
    )


class AppealInline(ReadOnlyInline):
    model = Appeal
    fields: ClassVar[tuple[str, ...]] = ("kind", "grounds", "filed_at", "recorded_by")


class ReviewInline(ReadOnlyInline):
    model = Review
    fields: ClassVar[tuple[str, ...]] = ("outcome", "note", "varied_kinds", "reviewer", "at")


@admin.register(SanctionDecision)
class SanctionDecisionAdmin(ReadOnlyAdmin):
    list_display = (
        "__str__",
        "person",
        "department",
        "rule",
        "state",
        "proposed_by",
        "decided_by",
        "served_at",
    )
    list_filter = ("state", "department")
    list_select_related = ("person", "department", "rule", "proposed_by", "decided_by")
    search_fields = ("notice_number", "person__username", "person__first_name")
    date_hierarchy = "proposed_at"
    inlines = (AppealInline, ReviewInline, DecisionEventInline)


@admin.register(DecisionEvent)
class DecisionEventAdmin(ReadOnlyAdmin):
    list_display = ("at", "decision", "actor", "action", "from_state", "to_state")
    list_filter = ("action",)
    list_select_related = ("decision", "actor")
    date_hierarchy = "at"


@admin.register(AggregateFiring)
class AggregateFiringAdmin(ReadOnlyAdmin):
    list_display = ("rule_number", "person", "department", "period", "via", "fired_at")
    list_filter = ("rule_number", "via")
    list_select_related = ("person", "department")


@admin.register(SanctionNotification)
class SanctionNotificationAdmin(ReadOnlyAdmin):
    list_display = ("recipient", "kind", "decision", "created_at", "read_at")
    list_filter = ("kind",)
    list_select_related = ("recipient", "decision")
