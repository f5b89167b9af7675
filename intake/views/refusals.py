"""The head's list of refusal-phrase flags (推诿用语, DOMAIN §5): the open flags of the
department they head, each closed with what the head found or did."""

from __future__ import annotations

from typing import Any

import rules
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accountability.http import AuthenticatedHttpRequest
from intake.forms.refusals import RefusalFlagCloseForm
from intake.models import RefusalFlag
from intake.selectors.refusals import refusal_flag_get, refusal_flags_for
from intake.services.refusal import refusal_flag_close, refusal_flag_notification_read

PAGE_SIZE = 25


def _require_view(request: HttpRequest) -> None:
    if not rules.has_perm("intake.view_refusal_flags", request.user):
        raise PermissionDenied(_("Refusal-phrase flags are for department heads."))


def _page(
    request: AuthenticatedHttpRequest,
    *,
    bound: tuple[int, RefusalFlagCloseForm] | None = None,
    status: int = 200,
) -> HttpResponse:
    show_all = request.GET.get("show") == "all"
    page = Paginator(
        refusal_flags_for(user=request.user, open_only=not show_all), PAGE_SIZE
    ).get_page(request.GET.get("page"))
    rows: list[tuple[RefusalFlag, Any]] = []
    for flag in page.object_list:
        form = None
        if flag.is_open:
            if bound is not None and bound[0] == flag.pk:
                form = bound[1]
            else:
                form = RefusalFlagCloseForm(auto_id=f"id_close_{flag.pk}_%s")
        rows.append((flag, form))
    return render(
        request,
        "intake/refusal_flags.html",
        {"rows": rows, "page": page, "show_all": show_all},
        status=status,
    )


@login_required
@require_GET
def refusal_flags(request: AuthenticatedHttpRequest) -> HttpResponse:
    _require_view(request)
    return _page(request)


@login_required
@require_POST
def refusal_flag_close_page(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    _require_view(request)
    try:
        flag = refusal_flag_get(pk=pk)
    except RefusalFlag.DoesNotExist:
        raise Http404(_("No such flag.")) from None
    if not rules.has_perm("intake.close_refusal_flag", request.user, flag):
        raise PermissionDenied(
            _("Only the head of the staff member's department looks at this flag.")
        )
    form = RefusalFlagCloseForm(request.POST, auto_id=f"id_close_{pk}_%s")
    if not form.is_valid():
        return _page(request, bound=(pk, form), status=400)
    try:
        refusal_flag_close(actor=request.user, flag=flag, note=form.cleaned_data["note"])
    except ValidationError as error:
        for message in error.messages:
            form.add_error(None, message)
        return _page(request, bound=(pk, form), status=400)
    messages.success(request, _("The flag is marked as looked at."))
    return redirect("intake:refusal_flags")


@login_required
@require_POST
def refusal_flag_notification_open(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Mark the flag's notification read and go to the flags to look at."""
    if refusal_flag_notification_read(actor=request.user, pk=pk) is None:
        raise Http404(_("No such notification."))
    return redirect("intake:refusal_flags")
