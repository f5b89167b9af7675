"""Appointment pages (办事预约): book one on a case, and the list the staff work from,
with the callback deadline of each and its buttons (called back, kept, cancelled).

On a complaint about staff the booking page shows the citizen only as
deadlines.rules.may_see_complainant allows (each showing logged), the list shows
"protected" instead of the citizen and the note, and a person the complaint is about
neither books on it nor presses its buttons."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from accountability.models import StaffProfile
from accountability.rules import may
from deadlines.models import Case
from deadlines.rules import sees_complainant
from deadlines.selectors.clocks import clock_status
from deadlines.services.cases import CaseConflict, case_log_complainant_view
from intake.forms_appointments import AppointmentForm, CallBackForm, CancelForm, KeepForm
from intake.models import Appointment
from intake.selectors_appointments import (
    appointment_list_for,
    appointment_route,
    callback_clocks,
)
from intake.selectors_confidentiality import refuse_the_accused
from intake.services.appointment import (
    appointment_book,
    appointment_call_back,
    appointment_cancel,
    appointment_keep,
    routing_explanation,
)

PAGE_SIZE = 25


def _add_errors(form: forms.Form, error: ValidationError) -> None:
    """The service's message goes to the field it names, or above the form."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        for message in error.messages:
            form.add_error(None, message)


# -- booking --------------------------------------------------------------------------


def _bookable_case(request: HttpRequest, number: str) -> Case:
    case = (
        Case.objects.select_related("department")
        .prefetch_related("accused")
        .filter(number=number)
        .first()
    )
    if case is None:
        raise Http404(_("No case has this number."))
    if not may(request.user, "intake.book_appointment", case):
        raise PermissionDenied(_("You are not allowed to do this."))
    refuse_the_accused(request.user, case)
    return case


@login_required
@require_http_methods(["GET", "POST"])
def appointment_new(request: HttpRequest, number: str) -> HttpResponse:
    case = _bookable_case(request, number)
    form = AppointmentForm(request.POST or None, at=timezone.now())
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                appointment = appointment_book(
                    actor=request.user,
                    case=case,
                    wanted=data["wanted"],
                    reason=data["reason"],
                    scheduled_for=data["scheduled_for"],
                    note=data["note"],
                )
            except CaseConflict as conflict:
                messages.error(request, str(conflict))
                status = 409
            except ValidationError as error:
                _add_errors(form, error)
            else:
                messages.success(
                    request,
                    _("Appointment booked on case %(number)s. %(routing)s")
                    % {
                        "number": case.number,
                        "routing": routing_explanation(
                            wanted=appointment.wanted,
                            routed_to=appointment.routed_to,
                            route=appointment_route(appointment),
                        ),
                    },
                )
                return redirect("intake:appointments")
    # The citizen's name and phone, only for whom deadlines.rules allows; logged.
    show_identity = sees_complainant(request.user, case)
    if show_identity:
        case_log_complainant_view(actor=request.user, case=case, where="appointment_new")
    return render(
        request,
        "intake/appointment_new.html",
        {"case": case, "form": form, "show_identity": show_identity},
        status=status,
    )


# -- the list and its buttons ---------------------------------------------------------


@dataclass(frozen=True)
class Act:
    name: str
    label: str | Promise
    perm: str
    form: type[forms.Form]
    run: Callable[[Any, Appointment, dict[str, Any]], Any]
    done: str | Promise
    states: tuple[str, ...]


WAITING = (Appointment.State.BOOKED, Appointment.State.CALLED_BACK)

ACTS: dict[str, Act] = {
    act.name: act
    for act in [
        Act(
            "call_back",
            gettext_lazy("Called back"),
            "intake.call_back_appointment",
            CallBackForm,
            lambda u, a, d: appointment_call_back(
                actor=u, appointment=a, note=d["note"], channel=d["channel"]
            ),
            gettext_lazy("Callback recorded."),
            (Appointment.State.BOOKED,),
        ),
        Act(
            "keep",
            gettext_lazy("The citizen came"),
            "intake.keep_appointment",
            KeepForm,
            lambda u, a, d: appointment_keep(actor=u, appointment=a),
            gettext_lazy("Recorded as kept."),
            WAITING,
        ),
        Act(
            "cancel",
            gettext_lazy("Cancel"),
            "intake.cancel_appointment",
            CancelForm,
            lambda u, a, d: appointment_cancel(actor=u, appointment=a, reason=d["reason"]),
            gettext_lazy("Appointment cancelled."),
            WAITING,
        ),
    ]
}


@dataclass(frozen=True)
class Row:
    appointment: Appointment
    status: Any  # deadlines.selectors.clocks.ClockStatus of the callback, or None
    acts: list[tuple[Act, forms.Form]]


def _profile_or_403(request: HttpRequest) -> StaffProfile:
    profile = getattr(request.user, "staff", None)
    if profile is None:
        raise PermissionDenied(_("Only staff with a department can see appointments."))
    return profile


def _list_page(
    request: HttpRequest,
    *,
    bound: tuple[int, str, forms.Form] | None = None,
    status: int = 200,
) -> HttpResponse:
    _profile_or_403(request)
    show_all = request.GET.get("show") == "all"
    page = Paginator(
        appointment_list_for(request.user, waiting_only=not show_all), PAGE_SIZE
    ).get_page(request.GET.get("page"))
    appointments = list(page.object_list)
    clocks = callback_clocks(appointments)
    now = timezone.now()
    rows = []
    for appointment in appointments:
        clock = clocks.get(appointment.pk)
        acts = []
        for act in ACTS.values():
            if bound is not None and bound[:2] == (appointment.pk, act.name):
                acts.append((act, bound[2]))
            elif appointment.state in act.states and may(request.user, act.perm, appointment):
                acts.append((act, act.form(auto_id=f"id_{act.name}_{appointment.pk}_%s")))
        rows.append(
            Row(
                appointment=appointment,
                status=clock_status(clock, now) if clock else None,
                acts=acts,
            )
        )
    return render(
        request,
        "intake/appointments.html",
        {"rows": rows, "page": page, "show_all": show_all, "now": now},
        status=status,
    )


@login_required
@require_http_methods(["GET"])
def appointments(request: HttpRequest) -> HttpResponse:
    return _list_page(request)


@login_required
@require_POST
def appointment_act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Run one button of the list. Invalid entries or a refusal re-show the list with the
    form as the user filled it in; a conflict (someone acted first) says so."""
    act = ACTS.get(action)
    if act is None:
        raise Http404(_("No such action."))
    _profile_or_403(request)
    appointment = (
        Appointment.objects.select_related("routed_to__staff__department", "case")
        .prefetch_related("case__accused")
        .filter(pk=pk)
        .first()
    )
    if appointment is None:
        raise Http404(_("No such appointment."))
    if not may(request.user, act.perm, appointment):
        raise PermissionDenied(_("You are not allowed to do this."))
    refuse_the_accused(request.user, appointment.case)
    form = act.form(request.POST, auto_id=f"id_{act.name}_{pk}_%s")
    if not form.is_valid():
        return _list_page(request, bound=(pk, act.name, form), status=400)
    try:
        act.run(request.user, appointment, form.cleaned_data)
    except CaseConflict as conflict:
        messages.error(request, str(conflict))
        return redirect("intake:appointments")
    except ValidationError as error:
        _add_errors(form, error)
        return _list_page(request, bound=(pk, act.name, form), status=400)
    messages.success(request, str(act.done))
    return redirect("intake:appointments")
