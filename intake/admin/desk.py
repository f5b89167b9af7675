"""Back-office screens of deficiency pledges (容缺受理) and rejection filings (否定备案):
read-only, since both change only through their services. The citizen of a complaint
about staff is shown only as deadlines.rules.may_see_complainant allows
(intake.admin.confidentiality)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from accountability.admin.readonly import ReadOnlyAdmin
from intake.admin.confidentiality import ProtectedCaseAdmin
from intake.models import Pledge, RejectionFiling


@admin.register(Pledge)
class PledgeAdmin(ProtectedCaseAdmin, ReadOnlyAdmin):
    list_display = ("taken_at", "case", "citizen", "due_at", "state", "settled_at", "taken_by")
    list_filter = ("state", "case__department")
    list_select_related = ("case", "taken_by")
    search_fields = ("case__number", "citizen_name", "citizen_phone", "citizen_account")
    date_hierarchy = "taken_at"
    identity_fields = ("citizen_name", "citizen_phone", "citizen_account")


@admin.register(RejectionFiling)
class RejectionFilingAdmin(ProtectedCaseAdmin, ReadOnlyAdmin):
    list_display = (
        "filed_at",
        "case",
        "citizen",
        "reason",
        "legal_basis",
        "filed_by",
        "materials_returned_at",
    )
    list_filter = ("case__department", ("materials_return", admin.EmptyFieldListFilter))
    list_select_related = ("case", "filed_by", "materials_return")
    search_fields = ("case__number", "case__citizen_name", "reason", "legal_basis")
    date_hierarchy = "filed_at"

    @admin.display(description=_("materials returned at"), ordering="materials_return__returned_at")
    def materials_returned_at(self, filing: RejectionFiling) -> Any:
        return filing.materials_returned_at

    # The filing itself names no citizen: its change screen has nothing to hide.
    safe_search_fields = ("case__number", "reason", "legal_basis")
