"""Outage pages: the staff list and event page (figures, obligations, reports, notices,
contacts), the form to record an event, the front desk's offered-outage panel and the
public page of current and planned outages (no sign-in)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms as django_forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accountability.actions import Action, Actions, add_errors
from accountability.http import AuthenticatedHttpRequest
from accountability.rules import may
from outages import forms, services
from outages.models import OutageEvent
from outages.rules import is_event_cancellable, is_event_changeable
from outages.selectors import (
    outage_get,
    outage_list,
    outages_public,
    outages_running_for_address,
)

PAGE_SIZE = 25
STATES = {"running": _("Running"), "planned": _("Planned"), "ended": _("Ended")}


def _require(request: HttpRequest, perm: str, obj: Any = None) -> None:
    if not may(request.user, perm, obj):
        raise PermissionDenied(_("You are not allowed to do this."))


def _refuse(form: django_forms.Form, error: ValidationError | PermissionDenied) -> None:
    if isinstance(error, PermissionDenied):
        form.add_error(None, str(error))
    else:
        add_errors(form, error)


@login_required
@require_GET
def outage_list_page(request: HttpRequest) -> HttpResponse:
    _require(request, "outages.view_event")
    state = request.GET.get("state", "")
    events = outage_list(now=timezone.now(), state=state if state in STATES else "")
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "outages/list.html",
        {
            "page": page,
            "state": state,
            "states": STATES,
            "may_record": may(request.user, "outages.record_event"),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def outage_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    _require(request, "outages.record_event")
    form = forms.OutageForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            event = services.outage_record(actor=request.user, **form.cleaned_data)
        except (ValidationError, PermissionDenied) as error:
            _refuse(form, error)
        else:
            messages.success(request, _("Outage %(number)s recorded.") % {"number": event.number})
            return redirect("outages:detail", pk=event.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "outages/new.html", {"form": form}, status=status)


def _event(pk: int) -> OutageEvent:
    try:
        return outage_get(pk=pk)
    except OutageEvent.DoesNotExist as missing:
        raise Http404(_("No outage has this number.")) from missing


def _figures(event: OutageEvent) -> dict[str, Any]:
    return {
        "households": event.households,
        "expected_restoration_at": timezone.localtime(event.expected_restoration_at),
        "area": event.area,
    }


def _form_kwargs(action: Action, event: OutageEvent) -> dict[str, Any]:
    return {"prefix": action.name}


def _everything(data: Mapping[str, Any]) -> dict[str, Any]:
    return dict(data)


# The form's fields are the service's keywords.
ACTIONS = Actions(
    target="event",
    form_kwargs=_form_kwargs,
    actions=(
        Action(
            "change",
            _("Change the figures"),
            services.outage_change,
            forms.ChangeForm,
            _("Figures changed."),
            _everything,
            perm="outages.change_event",
            applies=is_event_changeable,
            initial=_figures,
        ),
        Action(
            "report",
            _("Record a report"),
            services.report_record,
            forms.ReportForm,
            _("Report recorded."),
            _everything,
            perm="outages.record_report",
        ),
        Action(
            "cancel",
            _("Call the works off"),
            services.outage_cancel,
            forms.CancelForm,
            _("The works are called off."),
            _everything,
            perm="outages.change_event",
            applies=is_event_cancellable,
        ),
        Action(
            "notice",
            _("Record a public notice"),
            services.notice_record,
            forms.NoticeForm,
            _("Notice recorded."),
            _everything,
            perm="outages.record_notice",
        ),
    ),
)


def _detail(
    request: HttpRequest,
    event: OutageEvent,
    *,
    bound: tuple[str, django_forms.Form] | None = None,
    status: int = 200,
) -> HttpResponse:
    now = timezone.now()
    obligations = [(o, o.state_at(now)) for o in event.obligations.all()]
    return render(
        request,
        "outages/detail.html",
        {
            "event": event,
            "obligations": obligations,
            "actions": ACTIONS.offers(request.user, event, bound=bound),
            "now": now,
        },
        status=status,
    )


@login_required
@require_GET
def outage_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, "outages.view_event")
    return _detail(request, _event(pk))


@login_required
@require_POST
def outage_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    chosen = ACTIONS.get(action)
    event = _event(pk)
    if not chosen.permitted(request.user, event):
        raise PermissionDenied(_("You are not allowed to do this."))
    form = ACTIONS.form(chosen, event, request.POST)
    return ACTIONS.run(
        request,
        chosen,
        event,
        form,
        reshow=lambda status, fresh: _detail(
            request, _event(pk) if fresh else event, bound=(action, form), status=status
        ),
        success=reverse("outages:detail", kwargs={"pk": pk}),
    )


@login_required
@require_GET
def offered(request: HttpRequest) -> HttpResponse:
    """The front desk's panel: running outages covering the address typed."""
    _require(request, "outages.link_contact")
    events = outages_running_for_address(address=request.GET.get("address", ""), now=timezone.now())
    return render(request, "outages/_offered.html", {"offered_outages": events})


@require_GET
def public(request: HttpRequest) -> HttpResponse:
    """Current and planned outages by area, for anyone, without signing in."""
    now = timezone.now()
    rows = outages_public(now=now)
    return render(request, "outages/public.html", {"rows": rows, "now": now})
