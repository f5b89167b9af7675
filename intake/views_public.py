"""The public status page: a case number and the receipt's secret show the state, the
deadlines and a public timeline, without signing in and without staff details.

A wrong secret and an unknown number get the same answer, and failed tries are counted
per address and per case number, so that guessing is slow (HTTP 429 past the limit).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from deadlines import lookup
from deadlines.models import Case, CaseEvent
from deadlines.selectors.public import PUBLIC_ACTIONS, PUBLIC_CLOCKS

# Failed tries allowed per window, per client address and per case number.
MAX_FAILURES = 10
WINDOW_S = 15 * 60


class LookupForm(forms.Form):
    number = forms.CharField(label=_("Case number"), max_length=20)
    secret = forms.CharField(
        label=_("Lookup secret"),
        max_length=20,
        help_text=_("Printed on your receipt, such as K7XP-3M9Q."),
    )


def _client(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def _failures(*keys: str) -> int:
    counts = cache.get_many(keys)
    return max(counts.values(), default=0)


def _count_failure(*keys: str) -> None:
    for key in keys:
        cache.add(key, 0, WINDOW_S)
        cache.incr(key)


def _found(number: str, secret: str) -> Case | None:
    case = (
        Case.objects.select_related("department")
        .filter(number=number.strip())
        .only("number", "lookup_digest", "state", "opened_at", "subject", "department__name")
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
    context: dict[str, Any] = {"form": form}
    if request.method != "POST" or not form.is_valid():
        return render(request, "intake/public_status.html", context)
    number, secret = form.cleaned_data["number"], form.cleaned_data["secret"]
    keys = (f"status-fail:ip:{_client(request)}", f"status-fail:case:{number.strip()}")
    if _failures(*keys) >= MAX_FAILURES:
        context["problem"] = _("Too many tries. Please wait a quarter of an hour and try again.")
        return render(request, "intake/public_status.html", context, status=429)
    case = _found(number, secret)
    if case is None:
        _count_failure(*keys)
        context["problem"] = _(
            "No case matches this number and secret. Check both against your receipt."
        )
        return render(request, "intake/public_status.html", context, status=404)
    context.update(
        case=case,
        clocks=case.clocks.filter(kind__in=PUBLIC_CLOCKS, stopped_at__isnull=True)
        .exclude(due_at__isnull=True)
        .order_by("due_at"),
        events=CaseEvent.objects.filter(case=case, action__in=PUBLIC_ACTIONS).order_by("at", "id"),
        now=timezone.now(),
    )
    return render(request, "intake/public_status.html", context)
