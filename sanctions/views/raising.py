"""The inspection office's own pages to record a founded complaint and an inspection
finding (DOMAIN §7): each calls the sanctions service, which checks the office's
permission and writes the history and the audit row, and lands on the new violation."""

from __future__ import annotations

from typing import Any

import rules
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from accountability.actions import add_errors
from accountability.http import AuthenticatedHttpRequest
from sanctions import services
from sanctions.forms.raising import ComplaintForm, FindingForm


def _require_raise(request: HttpRequest) -> None:
    if not rules.has_perm("sanctions.raise_violation", request.user):
        raise PermissionDenied(
            _("Only the inspection office records founded complaints and inspection findings.")
        )


def _refused(form: forms.Form, refusal: ValidationError | PermissionDenied) -> int:
    """Show the service's refusal on the form; the status to answer with."""
    if isinstance(refusal, PermissionDenied):
        form.add_error(None, str(refusal) or _("You are not allowed to do this."))
        return 403
    add_errors(form, refusal)
    return 400


# The two pages differ only in their words (templates/sanctions/raise_new.html).
COMPLAINT_PAGE = {
    "heading": gettext_lazy("Record a founded complaint"),
    "intro": gettext_lazy(
        "A complaint whose investigation found it true (查证属实). One complaint may be "
        "founded on several types: each becomes a violation of its own on the same case, "
        "and the rulebook counts the complaint once. The refusal phrases flagged on the "
        "case become violations too."
    ),
    "submit": gettext_lazy("Record the complaint"),
}
FINDING_PAGE = {
    "heading": gettext_lazy("Record an inspection finding"),
    "intro": gettext_lazy(
        "What an inspection found (spot checks of records, calls, notices): about a staff "
        "member or a department, optionally about a case."
    ),
    "submit": gettext_lazy("Record the finding"),
}


def _page(
    request: HttpRequest, form: forms.Form, status: int, words: dict[str, Any]
) -> HttpResponse:
    return render(request, "sanctions/raise_new.html", {"form": form, **words}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def complaint_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    """A founded complaint: the case, the staff member, the type(s) founded, when, the
    severity and what the investigation found; one violation per type."""
    _require_raise(request)
    form = ComplaintForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data: dict[str, Any] = form.cleaned_data
            try:
                violations = services.founded_complaint_record(
                    actor=request.user,
                    case=data["case"],
                    staff=data["staff"],
                    types=list(data["types"]),
                    evidence=data["evidence"],
                    occurred_at=data["occurred_at"],
                    severity=data["severity"] or None,
                    summary=data["summary"],
                )
            except (ValidationError, PermissionDenied) as refusal:
                status = _refused(form, refusal)
            else:
                messages.success(
                    request,
                    _("Founded complaint recorded: violations %(ids)s, for review.")
                    % {"ids": "、".join(f"#{v.pk}" for v in violations)},
                )
                return redirect("sanctions:violation", pk=violations[0].pk)
    return _page(request, form, status, COMPLAINT_PAGE)


@login_required
@require_http_methods(["GET", "POST"])
def finding_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    """An inspection finding: the department or staff member, the type, when, what the
    inspection found and, optionally, the case."""
    _require_raise(request)
    form = FindingForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data: dict[str, Any] = form.cleaned_data
            try:
                violation = services.violation_raise_finding(
                    actor=request.user,
                    type=data["type"],
                    finding=data["finding"],
                    staff=data["staff"],
                    department=data["department"],
                    case=data["case"],
                    occurred_at=data["occurred_at"],
                    severity=data["severity"] or None,
                )
            except (ValidationError, PermissionDenied) as refusal:
                status = _refused(form, refusal)
            else:
                messages.success(
                    request,
                    _("Inspection finding recorded: violation #%(id)s, for review.")
                    % {"id": violation.pk},
                )
                return redirect("sanctions:violation", pk=violation.pk)
    return _page(request, form, status, FINDING_PAGE)
