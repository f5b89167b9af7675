"""Appointment pages (办事预约): book one on a case, and the list the staff work from,
with the callback deadline of each and its buttons (called back, kept, cancelled).

On a complaint about staff the booking page shows the citizen only as
deadlines.rules.may_see_complainant allows (each showing logged), the list shows
"protected" instead of the citizen and the note, and a person the complaint is about
neither books on it nor presses its buttons."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from accountability.actions import Action, Actions, Offer, add_errors, fields
from accountability.http import AuthenticatedHttpRequest
from accountability.models import StaffProfile
from deadlines.models import Case
from deadlines.selectors.access import case_get_for, refuse_the_accused
from deadlines.selectors.clocks import clock_status
from deadlines.services.cases import CaseConflict, case_identity_shown
from intake.forms.appointments import AppointmentForm, CallBackForm, CancelForm, KeepForm
from intake.models import Appointment
from intake.selectors.appointments import (
    appointment_list_for,
    appointment_route,
    callback_clocks,
)
from intake.services.appointment import (
    appointment_book,
    appointment_call_back,
    appointment_cancel,
    appointment_keep,
    routing_explanation,
)

PAGE_SIZE = 25


# -- booking --------------------------------------------------------------------------


def _bookable_case(request: HttpRequest, number: str) -> Case:
    return case_get_for(user=request.user, number=number, perm="intake.book_appointment")


@login_required
@require_http_methods(["GET", "POST"])
def appointment_new(request: AuthenticatedHttpRequest, number: str) -> HttpResponse:
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
                add_errors(form, error)
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
    show_identity = case_identity_shown(actor=request.user, case=case, where="appointment_new")
    return render(
        request,
        "intake/appointment_new.html",
        {"case": case, "form": form, "show_identity": show_identity},
        status=status,
    )


# -- the list and its buttons ---------------------------------------------------------


def _form_kwargs(action: Action, appointment: Appointment) -> dict[str, Any]:
    """Element ids unique on a list that carries each appointment's forms."""
    return {"auto_id": f"id_{action.name}_{appointment.pk}_%s"}


# Each button fires the appointment's transition of the same meaning: the state machine
# says from which states, the rules who.
APPOINTMENT_ACTIONS = Actions(
    target="appointment",
    form_kwargs=_form_kwargs,
    conflicts=(CaseConflict,),
    actions=(
        Action(
            "call_back",
            gettext_lazy("Called back"),
            appointment_call_back,
            CallBackForm,
            gettext_lazy("Callback recorded."),
            fields("note", "channel"),
            transition="call_back",
            perm="intake.call_back_appointment",
        ),
        Action(
            "keep",
            gettext_lazy("The citizen came"),
            appointment_keep,
            KeepForm,
            gettext_lazy("Recorded as kept."),
            transition="keep",
            perm="intake.keep_appointment",
        ),
        Action(
            "cancel",
            gettext_lazy("Cancel"),
            appointment_cancel,
            CancelForm,
            gettext_lazy("Appointment cancelled."),
            fields("reason"),
            transition="cancel",
            perm="intake.cancel_appointment",
        ),
    ),
)


@dataclass(frozen=True)
class Row:
    appointment: Appointment
    status: Any  # deadlines.selectors.clocks.ClockStatus of the callback, or None
    acts: list[Offer]


def _profile_or_403(request: HttpRequest) -> StaffProfile:
    profile = getattr(request.user, "staff", None)
    if profile is None:
        raise PermissionDenied(_("Only staff with a department can see appointments."))
    return profile


def _list_page(
    request: AuthenticatedHttpRequest,
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
        posted = bound[1:] if bound is not None and bound[0] == appointment.pk else None
        rows.append(
            Row(
                appointment=appointment,
                status=clock_status(clock, now) if clock else None,
                acts=APPOINTMENT_ACTIONS.offers(request.user, appointment, bound=posted),
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
def appointments(request: AuthenticatedHttpRequest) -> HttpResponse:
    return _list_page(request)


@login_required
@require_POST
def appointment_act(request: AuthenticatedHttpRequest, pk: int, action: str) -> HttpResponse:
    """Run one button of the list. Invalid entries, a refusal or a conflict (someone
    acted first) re-show the list with the form as the user filled it in and the reason."""
    chosen = APPOINTMENT_ACTIONS.get(action)
    _profile_or_403(request)
    appointment = (
        Appointment.objects.select_related("routed_to__staff__department", "case")
        .prefetch_related("case__accused")
        .filter(pk=pk)
        .first()
    )
    if appointment is None:
        raise Http404(_("No such appointment."))
    if not chosen.permitted(request.user, appointment):
        raise PermissionDenied(_("You are not allowed to do this."))
    refuse_the_accused(request.user, appointment.case)
    form = APPOINTMENT_ACTIONS.form(chosen, appointment, request.POST)
    return APPOINTMENT_ACTIONS.run(
        request,
        chosen,
        appointment,
        form,
        reshow=lambda status, fresh: _list_page(request, bound=(pk, action, form), status=status),
        success=reverse("intake:appointments"),
    )
