"""Back-office screens of the deadlines app. Writes go through the services."""

from __future__ import annotations

from typing import Any, ClassVar

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from import_export.admin import ExportMixin, ImportExportModelAdmin

from accountability.admin import ReadOnlyAdmin
from accountability.business_dates import ADMIN_FORMFIELD_OVERRIDES
from deadlines import admin_messages  # noqa: F401  (registers the message screens)
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
from deadlines.resources import IDENTITY_COLUMNS, CalendarDayResource, CaseResource
from deadlines.rules import complainant_visible_q, sees_complainant
from deadlines.services.calendar import calendar_day_clear, calendar_day_set, calendar_year_publish
from deadlines.services.cases import case_log_complainant_view

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
    formfield_overrides = ADMIN_FORMFIELD_OVERRIDES

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
class CaseAdmin(ExportMixin, ReadOnlyAdmin):
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

    def _hides_identity(self, request: HttpRequest, obj: Case | None) -> bool:
        return obj is not None and not sees_complainant(request.user, obj)

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

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        response = super().change_view(request, object_id, form_url, extra_context)
        case = self.get_object(request, object_id)
        if (
            case is not None
            and response.status_code == 200
            and request.method == "GET"
            and sees_complainant(request.user, case)
        ):
            case_log_complainant_view(actor=request.user, case=case, where="admin")
        return response

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
