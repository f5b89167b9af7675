"""The sanction register (处理台账) of a year and its export (CSV or Excel).

The register lists the decisions of a year (of their proposal) that stand or stood:
approved, served, self-criticism received, completed. A later review shows in its own
column (a quashed decision no longer counts, but the register keeps it). No complainant
identity appears here.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import rules
import tablib
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from accountability.models import Department
from accountability.spreadsheets import escape_row
from deadlines.templatetags.moments import deadline_text
from sanctions.forms import RegisterFilterForm
from sanctions.models import DecisionState, Review, SanctionDecision, SanctionKind
from sanctions.selectors import decision_register

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


def _name(user: Any) -> str:
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
    if not rules.has_perm("sanctions.view_violation", request.user):
        raise PermissionDenied(_("Only the inspection office and leadership see violations."))
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
