"""The sanction register (处理台账) of a year, its export (CSV or Excel), and award
eligibility (评先资格) of a year.

The register lists the decisions of a year (of their proposal) that stand or stood:
approved, served, self-criticism received, completed. A later review shows in its own
column (a quashed decision no longer counts, but the register keeps it). No complainant
identity appears here.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import tablib
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Prefetch, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from accountability.models import Department
from accountability.spreadsheets import escape_row
from deadlines.templatetags.moments import deadline_text
from sanctions.forms.filters import RegisterFilterForm, YearForm
from sanctions.models import DecisionState, Review, SanctionDecision, SanctionKind
from sanctions.selectors import award_eligibility_year, decision_register
from sanctions.views.common import PAGE_SIZE, kind_labels, require_view

if TYPE_CHECKING:
    from django.contrib.auth.models import User

D = DecisionState
REGISTER_STATES = (D.APPROVED, D.SERVED, D.SELF_CRITICISM_RECEIVED, D.COMPLETED)
FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def register_rows(*, year: int, department: Department | None = None) -> QuerySet[SanctionDecision]:
    """The decisions of the year that stand or stood, oldest first, from the register
    selector; a fixed number of queries however many rows (the latest review comes with
    a prefetch)."""
    rows = decision_register(year=year).filter(state__in=REGISTER_STATES)
    if department is not None:
        rows = rows.filter(department=department)
    return rows.prefetch_related(
        Prefetch("reviews", queryset=Review.objects.order_by("-at", "-id"), to_attr="latest")
    ).order_by("proposed_at", "id")


def _name(user: User | None) -> str:
    return str(user.get_full_name() or user.get_username()) if user is not None else ""


def _moment(value: datetime | None) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def register_dataset(rows: QuerySet[SanctionDecision]) -> tablib.Dataset:
    labels = dict(SanctionKind.choices)
    data = tablib.Dataset(
        headers=[
            _("Warning notice number"),
            _("Person"),
            _("Department"),
            _("Violation type"),
            _("Regulation"),
            _("Rule"),
            _("Sanctions"),
            _("State"),
            _("Approved by"),
            _("Approved at"),
            _("Served at"),
            _("Written self-criticism due"),
            _("Written self-criticism received"),
            _("Latest review"),
        ],
        title=_("Sanction register")[:31],
    )
    for decision in rows:
        latest = decision.latest[0] if decision.latest else None  # type: ignore[attr-defined]
        data.append(
            escape_row(
                [
                    decision.notice_number or "",
                    _name(decision.person),
                    decision.department.name,
                    decision.violation.type.name,
                    decision.violation.type.citation,
                    f"{decision.rule.number}. {decision.rule.title}",
                    "、".join(str(labels.get(kind, kind)) for kind in decision.chosen_kinds),
                    str(decision.get_state_display()),
                    _name(decision.decided_by),
                    _moment(decision.decided_at),
                    _moment(decision.served_at),
                    deadline_text(decision.self_criticism_due_at),
                    _moment(decision.self_criticism_received_at),
                    str(latest.get_outcome_display()) if latest else "",
                ]
            )
        )
    return data


@login_required
@require_GET
def register_export(request: HttpRequest, fmt: str) -> HttpResponse:
    """The register as filtered on the page, as a CSV or an Excel file."""
    require_view(request)
    if fmt not in FORMATS:
        raise Http404(_("No such format."))
    form = RegisterFilterForm(request.GET)
    year = form.year_or_current()
    department = form.cleaned_data.get("department") if form.is_valid() else None
    data = register_dataset(register_rows(year=year, department=department))
    body = data.export(fmt)
    if fmt == "csv":
        body = "\ufeff" + body  # a byte-order mark, so that Excel reads the Chinese right
    response = HttpResponse(body, content_type=FORMATS[fmt])
    suffix = f"-{department.code}" if department is not None else ""
    response["Content-Disposition"] = f'attachment; filename="sanctions-{year}{suffix}.{fmt}"'
    return response


@login_required
@require_GET
def register(request: HttpRequest) -> HttpResponse:
    """The sanction register (处理台账) of a year, every department or one."""
    require_view(request)
    form = RegisterFilterForm(request.GET)
    year = form.year_or_current()
    department = form.cleaned_data.get("department") if form.is_valid() else None
    decisions = register_rows(year=year, department=department)
    page = Paginator(decisions, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [(decision, kind_labels(decision.chosen_kinds)) for decision in page]
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "sanctions/register.html",
        {
            "form": form,
            "year": year,
            "department": department,
            "page": page,
            "rows": rows,
            "query": query.urlencode(),
            "export_query": query.urlencode(),
        },
    )


@login_required
@require_GET
def eligibility(request: HttpRequest) -> HttpResponse:
    """Award eligibility (评先资格) of a year: every department and every person with a
    sanction decision in it, what cost it and what was looked at and not counted."""
    require_view(request)
    form = YearForm(request.GET)
    year = form.year_or_current()
    persons, departments = award_eligibility_year(year=year)
    return render(
        request,
        "sanctions/eligibility.html",
        {
            "form": form,
            "year": year,
            "sections": [
                (_("People"), persons),
                (_("Departments"), departments),
            ],
        },
    )
