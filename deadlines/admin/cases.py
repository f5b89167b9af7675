"""Cases and their history, read only; a complainant's identity only for those who may
see it, each view logged."""

from __future__ import annotations

from typing import Any, ClassVar

from django.contrib import admin
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from import_export.admin import ExportMixin

from accountability.admin.readonly import ReadOnlyAdmin, ReadOnlyInline
from deadlines.admin.identity import ComplainantIdentityAdmin
from deadlines.models import (
    Case,
    CaseEvent,
    Clock,
    ExtensionRequest,
    FeedbackEntry,
    Suspension,
    Transfer,
)
from deadlines.resources import IDENTITY_COLUMNS, CaseResource
from deadlines.rules import complainant_visible_q


class CaseEventInline(ReadOnlyInline):
    model = CaseEvent
    fields: ClassVar[tuple[str, ...]] = (
        "at",
        "action",
        "from_state",
        "to_state",
        "actor",
        "reason",
    )


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


class ProtectedCaseEventInline(CaseEventInline):
    """The history of a complaint about staff for someone who may not see the complainant:
    the reasons (which may quote the citizen) are left out."""

    fields: ClassVar[tuple[str, ...]] = ("at", "action", "from_state", "to_state", "actor")


@admin.register(Case)
class CaseAdmin(ExportMixin, ComplainantIdentityAdmin, ReadOnlyAdmin):
    """Read-only: a case changes only through its services (the case page), so that
    every change has its event and its clocks stay right. The complainant of a complaint
    about staff is shown (and exported) only as deadlines.rules.may_see_complainant allows,
    an administrator's rights notwithstanding, and each showing is logged."""

    resource_classes = [CaseResource]

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

    def get_fields(self, request: HttpRequest, obj: Case | None = None) -> Any:
        fields = super().get_fields(request, obj)
        if self._hides_identity(request, obj):
            return [name for name in fields if name not in IDENTITY_COLUMNS]
        return fields

    def get_inlines(self, request: HttpRequest, obj: Case | None) -> Any:
        if self._hides_identity(request, obj):
            return [
                ProtectedCaseEventInline if inline is CaseEventInline else inline
                for inline in self.inlines
                if inline is not FeedbackInline
            ]
        return self.inlines

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Case], search_term: str
    ) -> tuple[QuerySet[Case], bool]:
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        term = search_term.strip()
        if term:
            # A hit on a protected identity would tell who complained: a case whose
            # complainant the user may not see (deadlines.rules.complainant_visible_q,
            # the staff search's definition too) is found by its number or subject only.
            protected = Case.objects.exclude(complainant_visible_q(request.user))
            by_identity = protected.exclude(Q(number__icontains=term) | Q(subject__icontains=term))
            results = results.exclude(pk__in=by_identity.values("pk"))
        return results, may_have_duplicates

    def get_export_resource_kwargs(self, request: HttpRequest, **kwargs: Any) -> dict[str, Any]:
        return {**super().get_export_resource_kwargs(request, **kwargs), "user": request.user}
