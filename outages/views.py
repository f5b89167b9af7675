"""Outage pages: the staff list and event page (figures, obligations, reports, notices,
contacts), the form to record an event, the front desk's offered-outage panel and the
public page of current and planned outages (no sign-in)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms as django_forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accountability.rules import may
from outages import forms, services
from outages.models import OutageEvent, OutageKind
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
        return
    if hasattr(error, "error_dict"):
        for name, errors in error.message_dict.items():
            for message in errors:
                form.add_error(name if name in form.fields else None, message)
    else:
        for message in error.messages:
            form.add_error(None, message)


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
def outage_new(request: HttpRequest) -> HttpResponse:
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


ActionRun = Callable[[Any, OutageEvent, dict[str, Any]], Any]

ACTIONS: dict[str, tuple[type[django_forms.Form], str, ActionRun, Any]] = {
    "change": (
        forms.ChangeForm,
        "outages.change_event",
        lambda u, e, d: services.outage_change(actor=u, event=e, **d),
        _("Figures changed."),
    ),
    "report": (
        forms.ReportForm,
        "outages.record_report",
        lambda u, e, d: services.report_record(actor=u, event=e, **d),
        _("Report recorded."),
    ),
    "cancel": (
        forms.CancelForm,
        "outages.change_event",
        lambda u, e, d: services.outage_cancel(actor=u, event=e, **d),
        _("The works are called off."),
    ),
    "notice": (
        forms.NoticeForm,
        "outages.record_notice",
        lambda u, e, d: services.notice_record(actor=u, event=e, **d),
        _("Notice recorded."),
    ),
}


def _detail(
    request: HttpRequest, event: OutageEvent, bound: dict[str, django_forms.Form], status: int
) -> HttpResponse:
    user = request.user
    now = timezone.now()
    action_forms = {}
    for name, (form_class, perm, _run, _done) in ACTIONS.items():
        if name == "change" and (event.restored_at or event.cancelled_at):
            continue
        if name == "cancel" and (
            event.kind != OutageKind.PLANNED or event.cancelled_at or event.starts_at <= now
        ):
            continue
        if may(user, perm, event):
            initial = (
                {
                    "households": event.households,
                    "expected_restoration_at": timezone.localtime(event.expected_restoration_at),
                    "area": event.area,
                }
                if name == "change"
                else {}
            )
            action_forms[name] = bound.get(name) or form_class(initial=initial, prefix=name)
    obligations = [(o, o.state_at(now)) for o in event.obligations.all()]
    return render(
        request,
        "outages/detail.html",
        {"event": event, "obligations": obligations, "forms": action_forms, "now": now},
        status=status,
    )


@login_required
@require_GET
def outage_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, "outages.view_event")
    return _detail(request, _event(pk), {}, 200)


@login_required
@require_POST
def outage_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    if action not in ACTIONS:
        raise Http404(_("No such action."))
    event = _event(pk)
    form_class, perm, run, done = ACTIONS[action]
    _require(request, perm, event)
    form = form_class(request.POST, prefix=action)
    if form.is_valid():
        try:
            run(request.user, event, form.cleaned_data)
        except (ValidationError, PermissionDenied) as error:
            _refuse(form, error)
        else:
            messages.success(request, done)
            return redirect("outages:detail", pk=pk)
    return _detail(request, _event(pk), {action: form}, 400)


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
