"""The complainant's identity on the intake back-office screens (issue 7, line 6).

Rows that belong to a complaint about staff (a case with someone named in
``Case.accused``) show the citizen's identity and the case's materials only as
deadlines.rules.may_see_complainant allows, an administrator's rights notwithstanding:

- the list says "protected" instead of them, for everyone (a list never shows a
  protected identity, so it needs no view log and keeps its fixed number of queries: the
  flag is one ``Exists`` annotation);
- the change (read-only) screen leaves them out unless the predicate allows, and logs
  each showing (deadlines.admin.identity, deadlines.services.cases.case_identity_shown);
- a search finds such a row by the citizen's name, phone or account, or by the material,
  only for the inspection office (as deadlines.admin.CaseAdmin does), and never for a
  person the complaint is about; by a number it is found by anyone.
"""

from __future__ import annotations

from functools import reduce
from operator import or_
from typing import Any, ClassVar

from django.contrib import admin
from django.db.models import Model, Q, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from accountability.rules import is_inspection_office
from deadlines.admin.identity import ComplainantIdentityAdmin
from deadlines.models import Case
from intake.selectors.confidentiality import PROTECTED, protected_flag

__all__ = ["PROTECTED", "ProtectedCaseAdmin"]


class ProtectedCaseAdmin(ComplainantIdentityAdmin):
    """Mixin for the read-only screens of rows that belong to a case (``case`` FK).

    ``identity_fields``: the fields that identify the citizen or carry the materials;
    ``safe_search_fields``: the search fields that do not (numbers, staff names)."""

    identity_fields: ClassVar[tuple[str, ...]] = ()
    safe_search_fields: ClassVar[tuple[str, ...]] = ("case__number",)
    case_field: ClassVar[str] = "case"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return (
            super()
            .get_queryset(request)
            .annotate(case_protected=protected_flag(f"{self.case_field}_id"))
        )

    def _case(self, obj: Model) -> Case:
        case: Case = getattr(obj, self.case_field)
        return case

    def get_fields(self, request: HttpRequest, obj: Model | None = None) -> Any:
        fields = super().get_fields(request, obj)
        if self._hides_identity(request, obj):
            return [name for name in fields if name not in self.identity_fields]
        return fields

    def get_readonly_fields(self, request: HttpRequest, obj: Model | None = None) -> Any:
        fields = super().get_readonly_fields(request, obj)
        if self._hides_identity(request, obj):
            return [name for name in fields if name not in self.identity_fields]
        return fields

    def _identity_where(self) -> str | None:
        return f"admin:{self.opts.model_name}" if self.identity_fields else None

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Any], search_term: str
    ) -> tuple[QuerySet[Any], bool]:
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        term = search_term.strip()
        if not term:
            return results, may_have_duplicates
        protected = Q(**{f"{self.case_field}__accused__isnull": False})
        if is_inspection_office(request.user):
            # Never the person complained about, whatever their role.
            protected = Q(**{f"{self.case_field}__accused": request.user})
        by_safe_field = reduce(
            or_, (Q(**{f"{name}__icontains": term}) for name in self.safe_search_fields), Q()
        )
        hits_on_identity = queryset.model.objects.filter(protected)
        if by_safe_field:
            hits_on_identity = hits_on_identity.exclude(by_safe_field)
        return results.exclude(pk__in=hits_on_identity.values("pk")), may_have_duplicates

    @admin.display(description=_("citizen"))
    def citizen(self, obj: Any) -> str:
        """The citizen's name for the list (the row's own copy, else the case's)."""
        if obj.case_protected:
            return str(PROTECTED)
        return str(getattr(obj, "citizen_name", "") or self._case(obj).citizen_name)
