"""Back-office screen of appointments (办事预约). Read-only: booking, callbacks, keeping,
cancelling and forfeiting go through intake.services.appointment, which keep the case
history and the callback clock right. On a complaint about staff the booking note (what
the citizen said) is shown only as deadlines.rules.may_see_complainant allows, and the
case is not found by its citizen's name (intake.admin.confidentiality)."""

from __future__ import annotations

from django.contrib import admin

from accountability.admin.readonly import ReadOnlyAdmin
from intake.admin.confidentiality import ProtectedCaseAdmin
from intake.models import Appointment


@admin.register(Appointment)
class AppointmentAdmin(ProtectedCaseAdmin, ReadOnlyAdmin):
    list_display = (
        "case",
        "reason",
        "wanted",
        "routed_to",
        "scheduled_for",
        "state",
        "booked_by",
        "booked_at",
        "settled_at",
    )
    list_filter = ("state", "reason")
    list_select_related = ("case", "wanted", "routed_to", "booked_by")
    search_fields = (
        "case__number",
        "case__citizen_name",
        "wanted__username",
        "wanted__first_name",
        "routed_to__username",
        "routed_to__first_name",
    )
    date_hierarchy = "booked_at"
    readonly_fields = (
        "case",
        "reason",
        "wanted",
        "routed_to",
        "scheduled_for",
        "note",
        "booked_by",
        "booked_at",
        "state",
        "settled_at",
    )
    identity_fields = ("note",)
    safe_search_fields = (
        "case__number",
        "wanted__username",
        "wanted__first_name",
        "routed_to__username",
        "routed_to__first_name",
    )
