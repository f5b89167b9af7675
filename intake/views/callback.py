"""Callback and rating pages (回访, 好差评): the citizen's rating page, reached through
the one-time link in the callback message (no sign-in, phone width, labelled for screen
readers), and the staff's forms on the case page: record the callback call, issue a new
link, the head's review of a poor grade, a correction (误评)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from accountability.actions import add_errors
from accountability.http import AuthenticatedHttpRequest
from deadlines.models import Case
from deadlines.selectors.access import case_get_for
from deadlines.services.cases import CaseConflict
from intake.forms.callback import CallbackForm, CorrectionForm, RateForm, ReviewForm
from intake.models import Rating
from intake.services.callback import (
    RatingLinkInvalid,
    callback_record,
    rating_correct,
    rating_link_check,
    rating_link_issue,
    rating_link_url,
    rating_review,
    rating_submit_by_link,
)

# -- the citizen's page ----------------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
def rate(request: HttpRequest, token: str) -> HttpResponse:
    """Rate the service through the one-time link: 410 when it is used or expired, 404
    when it was never issued."""
    try:
        link = rating_link_check(token)
    except RatingLinkInvalid as refused:
        return render(request, "intake/rate.html", {"problem": str(refused)}, status=410)
    form = RateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            rating_submit_by_link(
                token=token,
                grade=form.cleaned_data["grade"],
                comment=form.cleaned_data["comment"],
            )
        except RatingLinkInvalid as refused:
            return render(request, "intake/rate.html", {"problem": str(refused)}, status=410)
        except ValidationError as error:
            add_errors(form, error)
        else:
            return render(request, "intake/rate.html", {"thanks": True})
    return render(request, "intake/rate.html", {"form": form, "case": link.case})


# -- staff, from the case page -----------------------------------------------------------------


def _case(request: HttpRequest, number: str, perm: str = "intake.record_callback") -> Case:
    # Refused (or recused) here as on every case page; the service checks again under
    # its lock.
    return case_get_for(user=request.user, number=number, perm=perm)


def _act(
    request: HttpRequest,
    case: Case,
    form: forms.Form,
    run: Callable[[dict[str, Any]], Any],
    done: str,
) -> HttpResponse:
    """Run the service with the form's data; its refusal goes back to the case page as a
    message (the case page keeps its own forms)."""
    target = redirect("deadlines:case_detail", number=case.number)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return target
    try:
        run(form.cleaned_data)
    except (ValidationError, CaseConflict) as refused:
        texts = refused.messages if isinstance(refused, ValidationError) else [str(refused)]
        for text in texts:
            messages.error(request, text)
        return target
    messages.success(request, done)
    return target


@login_required
@require_POST
def callback_record_page(request: AuthenticatedHttpRequest, number: str) -> HttpResponse:
    case = _case(request, number)
    return _act(
        request,
        case,
        CallbackForm(request.POST),
        lambda d: callback_record(
            actor=request.user,
            case=case,
            outcome=d["outcome"],
            grade=d["grade"],
            comment=d["comment"],
            note=d["note"],
        ),
        _("Callback recorded."),
    )


@login_required
@require_POST
def rating_link_page(request: AuthenticatedHttpRequest, number: str) -> HttpResponse:
    """A new one-time link, shown once to the staff member (to read out or send)."""
    case = _case(request, number)
    issued: dict[str, str] = {}

    def run(_data: dict[str, Any]) -> None:
        _link, token = rating_link_issue(actor=request.user, case=case)
        url = rating_link_url(token)
        issued["url"] = request.build_absolute_uri(url) if url.startswith("/") else url

    response = _act(request, case, forms.Form(request.POST), run, _("New rating link issued."))
    if "url" in issued:
        messages.info(request, _("Rating link (works once): %(url)s") % {"url": issued["url"]})
    return response


def _rating(request: HttpRequest, number: str, pk: int, perm: str) -> tuple[Case, Rating]:
    case = _case(request, number, perm)
    return case, get_object_or_404(Rating, pk=pk, case=case)


@login_required
@require_POST
def rating_review_page(request: AuthenticatedHttpRequest, number: str, pk: int) -> HttpResponse:
    case, rating = _rating(request, number, pk, "intake.review_rating")
    return _act(
        request,
        case,
        ReviewForm(request.POST),
        lambda d: rating_review(
            actor=request.user,
            rating=rating,
            unit_at_fault=d["unit_at_fault"],
            reason=d["reason"],
        ),
        _("Review recorded."),
    )


@login_required
@require_POST
def rating_correct_page(request: AuthenticatedHttpRequest, number: str, pk: int) -> HttpResponse:
    case, rating = _rating(request, number, pk, "intake.record_callback")
    return _act(
        request,
        case,
        CorrectionForm(request.POST),
        lambda d: rating_correct(
            actor=request.user, rating=rating, grade=d["grade"], reason=d["reason"]
        ),
        _("Grade corrected."),
    )
