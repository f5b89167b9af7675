"""The public status page: a case number and the receipt's secret show the state, the
deadlines and a public timeline, without signing in and without staff details.

A wrong secret and an unknown number get the same answer. Failed tries are counted per
address and per case number, so that guessing is slow without letting a stranger lock a
case's owner out: an address past MAX_FAILURES in a quarter of an hour is refused
(HTTP 429) whatever number it asks; a case number past MAX_FAILURES is not refused, but
each address may then try it only once every NUMBER_PACE_S seconds, so that its owner,
from their own address, is answered at once. The counters live in the cache and go on
(per process) when Redis does not answer (accountability.cache).
"""

from __future__ import annotations

import logging
from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accountability.addresses import client_address
from accountability.cache import count_in_window, counts_in_window
from deadlines import lookup
from deadlines.models import Case
from deadlines.selectors.calendar import calendar_snapshot
from deadlines.selectors.explain import public_clock_explanations, public_clocks
from deadlines.selectors.public import case_messages, case_public_get, public_stages
from deadlines.services.cases import CaseConflict
from intake.selectors.callback import rating_open
from intake.services.callback import rating_link_issue

logger = logging.getLogger(__name__)

# Failed tries allowed per window from one address; past as many on one case number,
# each address may try that number once every NUMBER_PACE_S seconds.
MAX_FAILURES = 10
WINDOW_S = 15 * 60
NUMBER_PACE_S = 60


class LookupForm(forms.Form):
    number = forms.CharField(label=_("Case number"), max_length=20)
    secret = forms.CharField(
        label=_("Lookup secret"),
        max_length=20,
        help_text=_("Printed on your receipt, such as K7XP-3M9Q."),
    )


def _count_failure(address_key: str, number_key: str, number: str) -> None:
    count_in_window(address_key, WINDOW_S)
    if count_in_window(number_key, WINDOW_S) == MAX_FAILURES:
        logger.warning(
            "Case number %s had %d wrong lookup secrets in %d minutes; each address may now "
            "try it once every %d s.",
            number,
            MAX_FAILURES,
            WINDOW_S // 60,
            NUMBER_PACE_S,
        )


def _found(number: str, secret: str) -> Case | None:
    """The case if the secret is its own: what the page shows beyond the public status
    (case_public_get) is its subject and where the rating stands."""
    case = (
        Case.objects.filter(number=number)
        .only("number", "lookup_digest", "state", "rating", "rated_at", "closed_at", "subject")
        .first()
    )
    if case is None:
        lookup.digest(number, secret)  # the same work either way
        return None
    return case if lookup.matches(case.number, secret, case.lookup_digest) else None


@never_cache
@require_http_methods(["GET", "POST"])
def public_status(request: HttpRequest) -> HttpResponse:
    form = LookupForm(request.POST or None)
    if request.method != "POST" or not form.is_valid():
        return render(request, "intake/public_status.html", {"form": form})
    return _answer(request, form)


@never_cache
@require_GET
def public_status_link(request: HttpRequest, number: str, secret: str) -> HttpResponse:
    """The link in the citizen's messages: the number and the secret in the address, so
    a tap opens the case (counted and slowed like typed tries)."""
    form = LookupForm({"number": number, "secret": secret})
    if not form.is_valid():
        return render(request, "intake/public_status.html", {"form": form}, status=404)
    return _answer(request, form)


def _lookup(request: HttpRequest, form: LookupForm) -> Case | HttpResponse:
    """The case a valid lookup names, or the page that says why not (counted and slowed
    as the module says)."""
    context: dict[str, Any] = {"form": form}
    number, secret = form.cleaned_data["number"].strip(), form.cleaned_data["secret"]
    address = client_address(request)
    address_key, number_key = f"status-fail:ip:{address}", f"status-fail:case:{number}"
    address_failures, number_failures = counts_in_window(address_key, number_key)
    if address_failures >= MAX_FAILURES:
        context["problem"] = _("Too many tries. Please wait a quarter of an hour and try again.")
        return render(request, "intake/public_status.html", context, status=429)
    if (
        number_failures >= MAX_FAILURES
        and count_in_window(f"status-pace:{address}:{number}", NUMBER_PACE_S) > 1
    ):
        context["problem"] = _(
            "This case number has had many wrong tries. Please wait a minute before "
            "trying it again."
        )
        response = render(request, "intake/public_status.html", context, status=429)
        response["Retry-After"] = str(NUMBER_PACE_S)
        return response
    case = _found(number, secret)
    if case is None:
        _count_failure(address_key, number_key, number)
        context["problem"] = _(
            "No case matches this number and secret. Check both against your receipt."
        )
        return render(request, "intake/public_status.html", context, status=404)
    return case


def _answer(request: HttpRequest, form: LookupForm) -> HttpResponse:
    """The citizen's page of the case: where it stands, the deadlines and how each is
    counted, the public steps, the messages sent, and the rating when it is due."""
    case = _lookup(request, form)
    if isinstance(case, HttpResponse):
        return case
    # Where it stands, its deadlines and its timeline as the REST API tells them.
    status = case_public_get(number=case.number, now=timezone.now())
    explained = list(public_clocks(case))
    context = {
        "form": form,
        "case": case,
        "status": status,
        # A paused deadline has no due moment to promise.
        "clocks": [clock for clock in status.clocks if clock.due_at is not None],
        "stages": public_stages(case),
        "explanations": public_clock_explanations(case, explained, calendar=calendar_snapshot()),
        "messages_sent": case_messages(case),
        "rating_open": rating_open(case),
    }
    return render(request, "intake/public_status.html", context)


@never_cache
@require_POST
def public_rate(request: HttpRequest) -> HttpResponse:
    """From the status page to the rating: a fresh one-time rating link for the case the
    number and secret name (an earlier link stops working), opened at once."""
    form = LookupForm(request.POST)
    if not form.is_valid():
        return render(request, "intake/public_status.html", {"form": form}, status=400)
    case = _lookup(request, form)
    if isinstance(case, HttpResponse):
        return case
    try:
        _link, token = rating_link_issue(actor=None, case=case)
    except CaseConflict as conflict:
        return render(
            request,
            "intake/public_status.html",
            {"form": form, "problem": str(conflict)},
            status=409,
        )
    return redirect("intake:rate", token=token)
