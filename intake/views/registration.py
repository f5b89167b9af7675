"""Front-desk pages: registration (首问登记) and the receipt (收件回执)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accountability.http import AuthenticatedHttpRequest
from accountability.models import StaffProfile
from accountability.rules import may
from deadlines.models import Case, CaseState, MatterKind
from deadlines.selectors.access import case_get_for
from deadlines.selectors.cases import promised_clock
from deadlines.services.cases import CaseConflict, case_new_lookup_secret
from intake.forms.registration import RegistrationForm
from intake.selectors.desk import awaited_limit
from intake.selectors.registration import earlier_contacts
from intake.services.registration import (
    Contact,
    Disposition,
    registration_submit,
    registration_submit_outage,
)
from outages.selectors import outages_running_for_address

# Receipt secrets live in the session of the person who registered the case, so the
# receipt can be shown (and reprinted) after the redirect; the database holds a digest.
SECRETS_KEY = "receipt_secrets"


def _profile(request: HttpRequest) -> StaffProfile:
    profile = StaffProfile.objects.select_related("department").filter(user=request.user.pk).first()
    if profile is None:
        raise PermissionDenied(_("Only staff with a department can register cases."))
    return profile


def _remember_secret(request: HttpRequest, number: str, secret: str) -> None:
    secrets = dict(request.session.get(SECRETS_KEY, {}))
    secrets[number] = secret
    request.session[SECRETS_KEY] = secrets


@login_required
@require_http_methods(["GET", "POST"])
def registration(request: AuthenticatedHttpRequest) -> HttpResponse:
    profile = _profile(request)
    form = RegistrationForm(request.POST or None, department=profile.department, clerk=request.user)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            contact = Contact(
                channel=data["channel"],
                matter_kind=data["matter_kind"],
                urgency=data["urgency"],
                subject=data["subject"],
                content=data["content"],
                citizen_name=data["citizen_name"],
                citizen_phone=data["citizen_phone"],
                citizen_email=data["citizen_email"],
                citizen_address=data["citizen_address"],
                citizen_account=data["citizen_account"],
                service_item_code=data["service_item"],
                variant=data["circumstance"],
            )
            outage = data.get("outage")
            told = ""
            try:
                if outage is not None:
                    case, told = registration_submit_outage(
                        actor=request.user, contact=contact, outage=outage, answer=data["answer"]
                    )
                else:
                    case = registration_submit(
                        actor=request.user,
                        contact=contact,
                        disposition=Disposition(data["disposition"]),
                        answer=data["answer"],
                        colleague=data["colleague"],
                        to_department=data["to_department"],
                        handover_note=data["handover_note"],
                        referred_to=data["referred_to"],
                    )
            except ValidationError as error:
                for message in error.messages:
                    form.add_error(None, message)
            except PermissionDenied as error:
                form.add_error(None, str(error))
            else:
                _remember_secret(request, case.number, case.lookup_secret)
                messages.success(request, _("Registered as %(number)s.") % {"number": case.number})
                if told:
                    messages.info(request, told)  # what the citizen was told of the outage
                return redirect("intake:receipt", number=case.number)
        status = 400
    history = earlier_contacts(
        phone=form.data.get("citizen_phone", "") or request.GET.get("phone", ""),
        account=form.data.get("citizen_account", "") or request.GET.get("account", ""),
    )
    offered = outages_running_for_address(
        address=form.data.get("citizen_address", ""), now=timezone.now()
    )
    return render(
        request,
        "intake/registration.html",
        {
            "form": form,
            "history": history,
            "department": profile.department,
            "offered_outages": offered,
        },
        status=status,
    )


@login_required
@require_GET
def history(request: HttpRequest) -> HttpResponse:
    """The earlier-contacts panel, fetched as the phone or account is typed."""
    _profile(request)
    contacts = earlier_contacts(
        phone=request.GET.get("phone", ""), account=request.GET.get("account", "")
    )
    return render(request, "intake/_history.html", {"history": contacts})


def _receipt_case(request: HttpRequest, number: str) -> Case:
    # The receipt names the first responder.
    return case_get_for(
        user=request.user,
        number=number,
        perm="deadlines.view_case",
        queryset=Case.objects.select_related("first_responder__staff", "department"),
    )


@login_required
@require_GET
def receipt(request: HttpRequest, number: str) -> HttpResponse:
    case = _receipt_case(request, number)
    return render(
        request,
        "intake/receipt.html",
        {
            "case": case,
            "secret": request.session.get(SECRETS_KEY, {}).get(number, ""),
            "promised": promised_clock(case),
            "awaited": awaited_limit(case),
            "status_url": request.build_absolute_uri(reverse("intake:public_status")),
            # An application registered for review may be refused from here (否定备案).
            "may_refuse": (
                case.state == CaseState.REGISTERED
                and case.matter_kind == MatterKind.APPLICATION
                and may(request.user, "intake.file_rejection", case)
            ),
        },
    )


@login_required
@require_POST
def receipt_new_secret(request: AuthenticatedHttpRequest, number: str) -> HttpResponse:
    """A lost receipt: issue a new secret (the old one stops working) and reprint."""
    case = _receipt_case(request, number)
    try:
        secret = case_new_lookup_secret(actor=request.user, case=case)
    except CaseConflict as conflict:
        messages.error(request, str(conflict))
    else:
        _remember_secret(request, number, secret)
    return redirect("intake:receipt", number=number)
