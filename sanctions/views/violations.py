"""The queue of violations to review, one violation with its evidence and the case
timeline, its steps, and proposing a sanction on a person's responsibility."""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accountability.actions import Action, Actions, fields
from accountability.http import AuthenticatedHttpRequest
from accountability.rules import may
from deadlines.models import Case, CaseEvent
from deadlines.selectors.calendar import calendar_snapshot
from deadlines.selectors.cases import case_get
from deadlines.selectors.explain import case_clock_explanations
from deadlines.services.cases import case_identity_shown
from sanctions import services
from sanctions.forms import filters, steps
from sanctions.models import DecisionState, ResponsibilityKind, Violation, ViolationState
from sanctions.rules import is_violation_confirmed
from sanctions.selectors import PickedThenJoined, violation_get, violation_queue
from sanctions.services import SanctionConflict
from sanctions.views.common import (
    PAGE_SIZE,
    history,
    kind_labels,
    require_view,
    step_form_kwargs,
)

# Each step that moves the violation fires the transition of the same meaning: the state
# machine says from which states, the rules who.
VIOLATION_ACTIONS = Actions(
    target="violation",
    form_kwargs=step_form_kwargs,
    conflicts=(SanctionConflict,),
    actions=(
        Action(
            "review",
            _("Take up for review"),
            services.violation_review,
            steps.EmptyForm,
            _("Under review."),
            transition="start_review",
            perm="sanctions.review_violation",
        ),
        Action(
            "confirm",
            _("Confirm"),
            services.violation_confirm,
            steps.ConfirmForm,
            _("Confirmed; assign responsibility next."),
            lambda data: {
                "severity": data["severity"],
                "note": data["note"],
                "adverse_effect": data.get("adverse_effect"),
                "adverse_effect_note": data.get("adverse_effect_note", ""),
            },
            transition="confirm",
            perm="sanctions.review_violation",
        ),
        Action(
            "dismiss",
            _("Dismiss"),
            services.violation_dismiss,
            steps.DismissForm,
            _("Dismissed."),
            fields("reason", "note"),
            transition="dismiss",
            perm="sanctions.review_violation",
        ),
        Action(
            "set_aside",
            _("Dismiss on review"),
            services.violation_set_aside,
            steps.SetAsideForm,
            _("Dismissed on review; the rules that counted it were evaluated again."),
            fields("reason", "note"),
            transition="set_aside",
            perm="sanctions.review_violation",
        ),
        Action(
            "responsibility",
            _("Assign responsibility"),
            services.responsibility_assign,
            steps.ResponsibilityForm,
            _("Responsibility assigned."),
            fields("person", "kind", "note"),
            perm="sanctions.assign_responsibility",
            applies=is_violation_confirmed,
        ),
    ),
)


# -- the queue ------------------------------------------------------------------------------


def violation_rows(filters_: dict[str, Any]) -> QuerySet[Violation]:
    """The queue: what to review first (the oldest raised), narrowed by the filters."""
    state = filters_.get("state", filters.OPEN)
    if state == filters.OPEN:
        rows = violation_queue()
    else:
        rows = violation_queue(states=[state] if state else ViolationState.values)
    if filters_.get("department"):
        rows = rows.filter(department=filters_["department"])
    if filters_.get("family"):
        rows = rows.filter(type__family=filters_["family"])
    if filters_.get("source"):
        rows = rows.filter(source_kind=filters_["source"])
    if filters_.get("year"):
        rows = rows.filter(occurred_at__year=filters_["year"])
    return rows


@login_required
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    require_view(request)
    form = filters.QueueFilterForm(request.GET)
    chosen = form.cleaned_data if form.is_valid() else {}
    if "state" not in request.GET:
        chosen = {**chosen, "state": filters.OPEN}
    # The paginator only counts and slices; its stubs ask for a whole sequence.
    rows = cast(Any, PickedThenJoined(violation_rows(chosen)))
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "sanctions/queue.html",
        {"form": form, "page": page, "query": query.urlencode()},
    )


# -- one violation --------------------------------------------------------------------------


def _violation(pk: int) -> Violation:
    try:
        return violation_get(pk=pk)
    except Violation.DoesNotExist:
        raise Http404(_("No such violation.")) from None


def _case_part(
    request: AuthenticatedHttpRequest, case: Case | None, clock_id: int | None = None
) -> dict[str, Any]:
    """The case the evidence is about, with its timeline (from deadlines' selector) and,
    only as deadlines.rules allows, the complainant, each showing logged; for a missed
    deadline (the clock `clock_id`), why that deadline fell where it did."""
    if case is None:
        return {"case": None, "timeline": [], "show_identity": False, "explanations": []}
    full = case_get(number=case.number)
    show_identity = case_identity_shown(actor=request.user, case=full, where="violation_page")
    events: list[CaseEvent] = list(full.events.all())
    explanations = (
        []
        if clock_id is None
        else case_clock_explanations(full, calendar=calendar_snapshot(), clock_ids=[clock_id])
    )
    return {
        "case": full,
        "timeline": events,
        "show_identity": show_identity,
        "explanations": explanations,
    }


def _violation_page(
    request: AuthenticatedHttpRequest,
    violation: Violation,
    *,
    bound: tuple[str, Form] | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    responsibilities = list(violation.responsibilities.all())
    decisions = list(violation.decisions.all())
    decided = {d.responsibility_id for d in decisions if d.state != DecisionState.REFUSED}
    may_propose = violation.is_confirmed and may(user, "sanctions.propose_sanction", violation)
    suggestions = []
    if VIOLATION_ACTIONS["responsibility"].available(user, violation):
        named = {r.person_id for r in responsibilities}
        kinds = dict(ResponsibilityKind.choices)
        suggestions = [
            (s.person, kinds.get(s.kind, s.kind))
            for s in services.responsibility_suggest(violation=violation)
            if s.person.pk not in named
        ]
    return render(
        request,
        "sanctions/violation.html",
        {
            "violation": violation,
            "responsibilities": [
                (r, may_propose and r.pk not in decided) for r in responsibilities
            ],
            "decisions": [(d, kind_labels(d.chosen_kinds)) for d in decisions],
            "suggestions": suggestions,
            "history": history(violation.events.all()),
            "steps": VIOLATION_ACTIONS.offers(user, violation, bound=bound),
            **_case_part(
                request, violation.case, violation.breach.clock_id if violation.breach else None
            ),
        },
        status=status,
    )


@login_required
@require_GET
def violation_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    require_view(request)
    return _violation_page(request, _violation(pk))


@login_required
@require_POST
def violation_act(request: AuthenticatedHttpRequest, pk: int, step: str) -> HttpResponse:
    require_view(request)
    chosen = VIOLATION_ACTIONS.get(step)
    violation = _violation(pk)
    form = VIOLATION_ACTIONS.form(chosen, violation, request.POST)
    return VIOLATION_ACTIONS.run(
        request,
        chosen,
        violation,
        form,
        reshow=lambda status, fresh: _violation_page(
            request, _violation(pk) if fresh else violation, bound=(step, form), status=status
        ),
        success=reverse("sanctions:violation", kwargs={"pk": pk}),
    )


# -- proposing a sanction -------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def propose(request: AuthenticatedHttpRequest, pk: int, responsibility: int) -> HttpResponse:
    """What the rulebook proposes for one person's responsibility, with the engine's
    explanation; the office picks among the proposed kinds or departs with a reason."""
    require_view(request)
    violation = _violation(pk)
    answer = next((r for r in violation.responsibilities.all() if r.pk == responsibility), None)
    if answer is None:
        raise Http404(_("No such responsibility on this violation."))
    if not may(request.user, "sanctions.propose_sanction", violation):
        raise PermissionDenied(_("You may not propose a sanction on this violation."))
    proposal = services.sanction_proposal(responsibility=answer)
    # The proposal's kinds are offered as choices and none is ticked (DOMAIN §7): the
    # proposer picks, rather than taking every kind by default.
    form = steps.ProposeForm(
        request.POST or None,
        obj=violation,
        offered=proposal.kinds if proposal else (),
        auto_id="id_propose_%s",
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                decision = services.sanction_propose(
                    actor=request.user,
                    responsibility=answer,
                    chosen_kinds=form.cleaned_data["chosen_kinds"],
                    departure_reason=form.cleaned_data["departure_reason"],
                )
            except (ValidationError, PermissionDenied, SanctionConflict) as refusal:
                status = 403 if isinstance(refusal, PermissionDenied) else 400
                if isinstance(refusal, ValidationError):
                    for message in refusal.messages:
                        form.add_error(None, message)
                else:
                    form.add_error(None, str(refusal))
            else:
                messages.success(request, str(_("Proposed; someone else approves or refuses it.")))
                return redirect("sanctions:decision", pk=decision.pk)
        else:
            status = 400
    return render(
        request,
        "sanctions/propose.html",
        {
            "violation": violation,
            "responsibility": answer,
            "proposal": proposal,
            "proposed_labels": kind_labels(proposal.kinds) if proposal else [],
            "form": form,
        },
        status=status,
    )
