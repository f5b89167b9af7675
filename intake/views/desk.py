"""Front-desk pages of accept-with-deficiency (容缺受理) and rejection filing (否定备案):
the pledge form and the printable pledge (承诺书), the refusal form and the printable
written refusal (不予受理告知书), and the register (否定备案台账).

On a complaint about staff the citizen's identity is shown only as
deadlines.rules.may_see_complainant allows, each showing logged; the register says
"protected" on such a row for everyone; a person the complaint is about opens none of
these pages and presses none of their buttons."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_fsm import can_proceed

from accountability.actions import add_errors
from accountability.http import AuthenticatedHttpRequest
from accountability.rules import may
from deadlines.selectors.access import case_access_check, case_get_for, refuse_the_accused
from deadlines.selectors.clocks import clock_colour
from deadlines.services.cases import CaseConflict, case_identity_shown
from deadlines.templatetags.moments import deadline_text
from intake.forms.desk import DeliveredForm, PledgeForm, RegisterFilterForm, RejectionForm
from intake.models import Pledge, RejectionFiling
from intake.selectors.desk import (
    RegisterFilters,
    latest_notice,
    pledgeable_materials,
    register_scope,
    rejection_notice_clock,
    rejection_register,
)
from intake.services.pledge import (
    pledge_keep,
    pledge_latest_allowed,
    pledge_precheck,
    pledge_take,
)
from intake.services.rejection import (
    rejection_file,
    rejection_notice_delivered,
    rejection_record_materials_returned,
)

REGISTER_PAGE_SIZE = 50


# -- pledges ----------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def pledge_new(request: AuthenticatedHttpRequest, number: str) -> HttpResponse:
    case = case_get_for(user=request.user, number=number, perm="intake.take_pledge")
    notice = latest_notice(case)
    context: dict[str, Any] = {"case": case, "notice": notice}
    if notice is None:
        context["problem"] = _(
            "Case %(number)s has no one-time notice: issue one listing what is missing first."
        ) % {"number": case.number}
        return render(request, "intake/pledge_new.html", context, status=409)
    now = timezone.now()
    try:
        pledge_precheck(case=case, notice=notice, at=now)
        latest = pledge_latest_allowed(item=notice.service_item, case=case, start=now)
    except ValidationError as error:
        context["problem"] = " ".join(error.messages)
        return render(request, "intake/pledge_new.html", context, status=409)
    materials = pledgeable_materials(notice)
    form = PledgeForm(
        request.POST or None,
        materials=materials,
        initial={
            "version": case.version,
            "materials": materials,
            "due_at": timezone.localtime(latest),
        },
    )
    context.update(
        form=form,
        latest=deadline_text(latest),
        limit=notice.service_item,
        show_identity=case_identity_shown(actor=request.user, case=case, where="pledge_new"),
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            case.version = form.cleaned_data["version"]
            try:
                pledge = pledge_take(
                    actor=request.user,
                    case=case,
                    notice=notice,
                    due_at=form.cleaned_data["due_at"],
                    materials=form.cleaned_data["materials"],
                )
            except ValidationError as error:
                add_errors(form, error)
            except CaseConflict as conflict:
                messages.error(request, str(conflict))
                status = 409
            else:
                messages.success(request, _("Pledge taken; print it for the citizen to sign."))
                return redirect("intake:pledge", pk=pledge.pk)
    return render(request, "intake/pledge_new.html", context, status=status)


def _pledge(pk: int) -> Pledge:
    pledge = (
        Pledge.objects.select_related("case__department", "notice__service_item", "taken_by")
        .prefetch_related("case__accused")
        .filter(pk=pk)
        .first()
    )
    if pledge is None:
        raise Http404(_("No such pledge."))
    return pledge


@login_required
@require_GET
def pledge(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The pledge as printed for the citizen's signature (容缺受理承诺书, seed 002 附件4 §7–§8)."""
    pledge = _pledge(pk)
    case = pledge.case
    case_access_check(user=request.user, perm="deadlines.view_case", case=case)
    by_name = {str(m["name"]): m for m in pledge.notice.materials}
    materials = [
        (name, by_name.get(name, {}).get("form_requirements", "")) for name in pledge.materials
    ]
    return render(
        request,
        "intake/pledge.html",
        {
            "pledge": pledge,
            "case": case,
            "item": pledge.notice.service_item,
            "materials": materials,
            "due": deadline_text(pledge.due_at),
            "show_identity": case_identity_shown(actor=request.user, case=case, where="pledge"),
            "may_keep": (
                can_proceed(pledge.keep)
                and not case.is_ended
                and may(request.user, "intake.keep_pledge", case)
            ),
        },
    )


@login_required
@require_POST
def pledge_kept(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    pledge = _pledge(pk)
    refuse_the_accused(request.user, pledge.case)
    try:
        pledge_keep(actor=request.user, pledge=pledge)
    except (ValidationError, CaseConflict) as error:
        text = " ".join(error.messages) if isinstance(error, ValidationError) else str(error)
        messages.error(request, text)
    else:
        messages.success(request, _("The pledged materials are recorded as handed in."))
    return redirect("intake:pledge", pk=pk)


# -- rejection filings ------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def rejection_new(request: AuthenticatedHttpRequest, number: str) -> HttpResponse:
    case = case_get_for(user=request.user, number=number, perm="intake.file_rejection")
    if RejectionFiling.objects.filter(case=case).exists():
        return redirect("intake:rejection", number=number)
    form = RejectionForm(request.POST or None, initial={"version": case.version})
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            case.version = form.cleaned_data["version"]
            try:
                rejection_file(
                    actor=request.user,
                    case=case,
                    reason=form.cleaned_data["reason"],
                    legal_basis=form.cleaned_data["legal_basis"],
                )
            except ValidationError as error:
                add_errors(form, error)
            except CaseConflict as conflict:
                messages.error(request, str(conflict))
                status = 409
            else:
                messages.success(
                    request,
                    _(
                        "Refusal filed. Hand the written notice to the citizen within 3 "
                        "working days."
                    ),
                )
                return redirect("intake:rejection", number=number)
    return render(request, "intake/rejection_new.html", {"case": case, "form": form}, status=status)


def _filing(number: str) -> RejectionFiling:
    filing = (
        RejectionFiling.objects.select_related(
            "case__department", "case__first_responder", "filed_by__staff", "materials_return"
        )
        .prefetch_related("case__accused")
        .filter(case__number=number)
        .first()
    )
    if filing is None:
        raise Http404(_("No rejection is filed for this case."))
    return filing


@login_required
@require_GET
def rejection(request: AuthenticatedHttpRequest, number: str) -> HttpResponse:
    """The written refusal (不予受理告知书) with the right to administrative review or
    litigation (seed 002 附件6 §6), and the filing office's buttons."""
    filing = _filing(number)
    case = filing.case
    case_access_check(user=request.user, perm="deadlines.view_case", case=case)
    clock = rejection_notice_clock(case)
    may_record = may(request.user, "intake.file_rejection", case)
    return render(
        request,
        "intake/rejection.html",
        {
            "filing": filing,
            "case": case,
            "clock": clock,
            "clock_due": deadline_text(clock.due_at) if clock and clock.due_at else "",
            "delivered_form": DeliveredForm(),
            "may_deliver": (
                clock is not None
                and clock.stopped_at is None
                and may(request.user, "deadlines.log_feedback", case)
            ),
            "may_return": may_record and filing.materials_returned_at is None,
            "show_identity": case_identity_shown(actor=request.user, case=case, where="rejection"),
        },
    )


@login_required
@require_POST
def rejection_delivered(request: AuthenticatedHttpRequest, number: str) -> HttpResponse:
    filing = _filing(number)
    refuse_the_accused(request.user, filing.case)
    form = DeliveredForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        rejection_notice_delivered(actor=request.user, filing=filing, note=note)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    except CaseConflict as conflict:
        messages.error(request, str(conflict))
    else:
        messages.success(request, _("The written refusal is recorded as handed over."))
    return redirect("intake:rejection", number=number)


@login_required
@require_POST
def rejection_materials_returned(request: AuthenticatedHttpRequest, number: str) -> HttpResponse:
    filing = _filing(number)
    refuse_the_accused(request.user, filing.case)
    try:
        rejection_record_materials_returned(actor=request.user, filing=filing)
    except CaseConflict as conflict:
        messages.error(request, str(conflict))
    else:
        messages.success(request, _("The materials are recorded as returned."))
    return redirect("intake:rejection", number=number)


@login_required
@require_GET
def rejection_register_page(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The register of refusals (否定备案台账, seed 002 附件1 §6): every department for the
    inspection office and leadership, their own for a department head."""
    if not may(request.user, "intake.view_rejection_register"):
        raise PermissionDenied(_("The rejection register is not one you may see."))
    scope = register_scope(request.user)
    allowed = {department.code: department for department in scope.departments}
    code = request.GET.get("department", "")
    if code and code not in allowed:
        raise PermissionDenied(_("This department's register is not one you may see."))
    form = RegisterFilterForm(
        request.GET,
        departments=scope.departments,
        all_label=_("All departments") if scope.sees_all else _("All my departments"),
    )
    filters = RegisterFilters()
    if form.is_valid():
        data = form.cleaned_data
        filters = RegisterFilters(
            department=allowed.get(data["department"]),
            filed_from=data["filed_from"],
            filed_to=data["filed_to"],
        )
    page = Paginator(rejection_register(scope=scope, filters=filters), REGISTER_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    now = timezone.now()
    for filing in page.object_list:
        filing.notice_colour = clock_colour(
            due_at=filing.notice_due_at,
            warn_at=filing.notice_warn_at,
            stopped_at=filing.notice_given_at,
            now=now,
        )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "intake/rejection_register.html",
        {"form": form, "page": page, "query": query.urlencode()},
    )
