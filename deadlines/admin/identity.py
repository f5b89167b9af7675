"""A complainant's identity on a back-office change screen: whether it is hidden from the
user, and the log of each showing; shared by the case screen and the intake screens of
rows that belong to a case."""

from __future__ import annotations

from typing import Any, cast

from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest, HttpResponse

from accountability.http import signed_in_user
from deadlines.models import Case
from deadlines.rules import sees_complainant
from deadlines.services.cases import case_identity_shown


class ComplainantIdentityAdmin(admin.ModelAdmin):
    """Mixin for a (read-only) change screen that shows the complainant's identity only to
    whom deadlines.rules.sees_complainant allows (``_hides_identity`` says when the screen
    must leave it out); each successful GET of the screen that shows it is logged with
    deadlines.services.cases.case_identity_shown.

    Hooks: ``_case(obj)``, the case the row belongs to (the row itself by default);
    ``_identity_where()``, what the log names as the place, or None for a screen that
    never shows an identity."""

    def _case(self, obj: Model) -> Case:
        return cast(Case, obj)

    def _identity_where(self) -> str | None:
        return "admin"

    def _hides_identity(self, request: HttpRequest, obj: Model | None) -> bool:
        return obj is not None and not sees_complainant(request.user, self._case(obj))

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        response = super().change_view(request, object_id, form_url, extra_context)
        obj = self.get_object(request, object_id)
        where = self._identity_where()
        if (
            obj is not None
            and where is not None
            and response.status_code == 200
            and request.method == "GET"
        ):
            case_identity_shown(actor=signed_in_user(request), case=self._case(obj), where=where)
        return response
