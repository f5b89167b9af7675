"""Back-office screen of refusal-phrase flags (推诿用语), read-only, for the inspection
office."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from accountability.admin.readonly import ReadOnlyAdmin
from intake.admin.confidentiality import PROTECTED, ProtectedCaseAdmin
from intake.models import RefusalFlag


@admin.register(RefusalFlag)
class RefusalFlagAdmin(ProtectedCaseAdmin, ReadOnlyAdmin):
    """Refusal phrases found at first contact (each for its department's head, on
    intake's own page), for the inspection office to read; read-only. On a
    complaint about staff the text (what was written to or about the citizen) is shown
    only as deadlines.rules.may_see_complainant allows (intake.admin.confidentiality)."""

    list_display = ("at", "case", "staff", "department", "phrase", "flagged_text", "closed_at")
    list_filter = ("phrase", "department")
    list_select_related = ("case", "staff", "department")
    search_fields = ("case__number", "staff__username", "text")
    identity_fields = ("text",)
    safe_search_fields = ("case__number", "staff__username")

    @admin.display(description=_("text"))
    def flagged_text(self, obj: Any) -> str:
        return str(PROTECTED) if obj.case_protected else obj.text

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # The flag's own name quotes the text (its title and breadcrumbs would show it):
        # on a protected case only whom deadlines.rules allows opens it.
        if self._hides_identity(request, obj):
            return False
        return super().has_view_permission(request, obj)
