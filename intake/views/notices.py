"""Pages of the one-time notice (一次性告知书): the checklist that issues it, the printable
notice, and the form for a material asked for afterwards (补正).

On a complaint about staff the citizen's name (and a request's note) is shown only as
deadlines.rules.may_see_complainant allows, each showing logged; a person the complaint
is about opens none of these pages."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from accountability.http import AuthenticatedHttpRequest
from deadlines.models import Case
from deadlines.selectors.access import case_access_check, case_get_for
from deadlines.services.cases import CaseConflict, case_identity_shown
from intake.forms.notices import ItemChoiceForm, MaterialRequestForm, NoticeForm
from intake.models import TO_SUPPLY, MaterialStatus, OneTimeNotice, ServiceItem
from intake.selectors.catalogue import service_item_current, service_item_list
from intake.selectors.notices import (
    material_request_list_for_case,
    notice_get,
    notice_latest_for_case,
    service_item_version,
)
from intake.services.notice import ISSUE_NOTICE, material_request, notice_issue

# The checklist's ids must not clash with the item chooser's on the same page.
CHECKLIST_IDS = "id_notice_%s"


def _carried_over(old: NoticeForm, item: ServiceItem) -> NoticeForm:
    """A checklist of `item`'s current version, keeping what the user marked for the
    materials of the same name."""
    marked = old.statuses()
    form = NoticeForm(item=item, auto_id=CHECKLIST_IDS)
    for material in form.materials:
        if material.name in marked:
            form.initial[form.field_name(material)] = marked[material.name]
    # An unbound form takes errors only once it has an error dict and cleaned data.
    form.full_clean()
    form.cleaned_data = {}
    return form


@login_required
@require_http_methods(["GET", "POST"])
def notice_new(request: AuthenticatedHttpRequest, number: str) -> HttpResponse:
    """Choose the service item (by GET: it only reloads), mark each material present,
    missing or deficient, and issue the numbered notice."""
    case = case_get_for(user=request.user, number=number, perm=ISSUE_NOTICE)
    items = list(service_item_list())
    by_code = {item.code: item for item in items}
    status = 200
    form: NoticeForm | None = None
    if request.method == "POST":
        code = request.POST.get("item", "")
        chooser = ItemChoiceForm(initial={"item": code}, items=items)
        item = _posted_version(code, request.POST.get("version", "")) or by_code.get(code)
        if item is None:
            chooser = ItemChoiceForm({"item": code}, items=items)
            chooser.is_valid()
            return _notice_new_page(request, case, chooser, None, status=400)
        form = NoticeForm(request.POST, item=item, auto_id=CHECKLIST_IDS)
        status = 400
        if form.is_valid():
            try:
                notice = notice_issue(
                    actor=request.user,
                    case=case,
                    item_code=item.code,
                    statuses=form.statuses(),
                    version=form.cleaned_data["version"],
                )
            except ValidationError as error:
                if getattr(error, "code", None) == "revised":
                    form = _carried_over(form, service_item_current(item.code))
                for message in error.messages:
                    form.add_error(None, message)
            except CaseConflict as conflict:
                messages.error(request, str(conflict))
                status = 409
            else:
                messages.success(
                    request, _("One-time notice %(number)s issued.") % {"number": notice.number}
                )
                return redirect("intake:notice", number=notice.number)
        return _notice_new_page(request, case, chooser, form, status=status)

    code = request.GET.get("item", "") or case.service_item_code
    if "item" in request.GET:
        chooser = ItemChoiceForm(request.GET, items=items)
        if not chooser.is_valid():
            return _notice_new_page(request, case, chooser, None, status=400)
    else:
        chooser = ItemChoiceForm(initial={"item": code}, items=items)
    if code in by_code:
        form = NoticeForm(item=by_code[code], auto_id=CHECKLIST_IDS)
    return _notice_new_page(request, case, chooser, form, status=status)


def _posted_version(code: str, version: str) -> ServiceItem | None:
    """The version of the item the checklist was shown for, retired or not."""
    if not code or not version.isdigit():
        return None
    try:
        return service_item_version(code, int(version))
    except ServiceItem.DoesNotExist:
        return None


def _notice_new_page(
    request: AuthenticatedHttpRequest,
    case: Case,
    chooser: ItemChoiceForm,
    form: NoticeForm | None,
    *,
    status: int,
) -> HttpResponse:
    return render(
        request,
        "intake/notice_new.html",
        {
            "case": case,
            "chooser": chooser,
            "form": form,
            "item": form.service_item if form else None,
            "show_identity": case_identity_shown(actor=request.user, case=case, where="notice_new"),
        },
        status=status,
    )


def _status_label(status: str) -> str:
    return str(MaterialStatus(status).label) if status in MaterialStatus.values else status


@login_required
@require_GET
def notice(request: AuthenticatedHttpRequest, number: str) -> HttpResponse:
    """The written notice as handed out: read only from its snapshot, never from the
    catalogue as it is now."""
    try:
        issued = notice_get(number)
    except OneTimeNotice.DoesNotExist:
        raise Http404(_("No one-time notice has this number.")) from None
    case_access_check(user=request.user, perm="deadlines.view_case", case=issued.case)
    content: dict[str, Any] = issued.content
    materials = [
        {**material, "status_label": _status_label(str(material.get("status", "")))}
        for material in issued.materials
    ]
    return render(
        request,
        "intake/notice.html",
        {
            "notice": issued,
            "content": content,
            "item": content.get("item", {}),
            "issuer": content.get("issuer", {}),
            "materials": materials,
            "to_supply": [m for m in materials if m.get("status") in TO_SUPPLY],
            "show_identity": case_identity_shown(
                actor=request.user, case=issued.case, where="notice"
            ),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def material_request_page(request: AuthenticatedHttpRequest, number: str) -> HttpResponse:
    """Record a material asked of the citizen after the notice; one the notice did not
    list as missing or deficient is recorded as a breach against the notice's issuer."""
    case = case_get_for(user=request.user, number=number, perm=ISSUE_NOTICE)
    latest = notice_latest_for_case(case)
    form = MaterialRequestForm(request.POST or None, notice=latest)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                asked = material_request(
                    actor=request.user,
                    case=case,
                    material=form.cleaned_data["material"],
                    note=form.cleaned_data["note"],
                )
            except ValidationError as error:
                for message in error.messages:
                    form.add_error(None, message)
            except CaseConflict as conflict:
                messages.error(request, str(conflict))
                status = 409
            else:
                values = {"material": asked.material, "number": asked.notice.number}
                if hasattr(asked, "breach"):
                    values["issuer"] = (
                        asked.notice.issued_by.get_full_name()
                        or asked.notice.issued_by.get_username()
                    )
                    messages.warning(
                        request,
                        _(
                            "Recorded as a one-time-notice breach: notice %(number)s did not "
                            "list %(material)s as missing or deficient. The breach counts "
                            "against its issuer, %(issuer)s."
                        )
                        % values,
                    )
                else:
                    messages.success(
                        request,
                        _(
                            "Recorded: %(material)s was listed as to supply on notice "
                            "%(number)s, so this is no breach."
                        )
                        % values,
                    )
                return redirect("intake:material_request", number=case.number)
    return render(
        request,
        "intake/material_request.html",
        {
            "case": case,
            "notice": latest,
            "form": form,
            "requests": material_request_list_for_case(case),
            "show_identity": case_identity_shown(
                actor=request.user, case=case, where="material_request"
            ),
        },
        status=status,
    )
