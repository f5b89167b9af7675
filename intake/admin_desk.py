"""Back-office screens of deficiency pledges (容缺受理) and rejection filings (否定备案):
read-only, since both change only through their services."""

from __future__ import annotations

from django.contrib import admin

from accountability.admin import ReadOnlyAdmin
from intake.models import Pledge, RejectionFiling


@admin.register(Pledge)
class PledgeAdmin(ReadOnlyAdmin):
    list_display = ("taken_at", "case", "citizen_name", "due_at", "state", "settled_at", "taken_by")
    list_filter = ("state", "case__department")
    list_select_related = ("case", "taken_by")
    search_fields = ("case__number", "citizen_name", "citizen_phone", "citizen_account")
    date_hierarchy = "taken_at"


@admin.register(RejectionFiling)
class RejectionFilingAdmin(ReadOnlyAdmin):
    list_display = (
        "filed_at",
        "case",
        "reason",
        "legal_basis",
        "filed_by",
        "materials_returned_at",
    )
    list_filter = ("case__department", ("materials_returned_at", admin.EmptyFieldListFilter))
    list_select_related = ("case", "filed_by")
    search_fields = ("case__number", "case__citizen_name", "reason", "legal_basis")
    date_hierarchy = "filed_at"
