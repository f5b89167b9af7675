"""The inspection office's pages (监察室): the queue of violations to review, a violation
with its evidence and the case timeline, the decision steps, the printable warning notice
(告诫通知书) and the sanction register with its export.

Every step posts one form to one view, which calls the sanctions service; a refusal, a
conflict or invalid entries re-show the page with the form as filled in and the reason.
Permissions are asked of the rules themselves (``rules.has_perm``), as the services do:
an administrator's blanket rights do not open these pages.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

import rules
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from deadlines.models import Case, CaseEvent
from deadlines.rules import sees_complainant
from deadlines.selectors.calendar import calendar_snapshot
from deadlines.selectors.cases import case_get
from deadlines.selectors.explain import case_clock_explanations
from deadlines.services.cases import case_log_complainant_view
from sanctions import forms, services
from sanctions.authority import AUTHORITY_LABELS, authority_for, who_decides
from sanctions.models import (
    DecisionState,
    ResponsibilityKind,
    SanctionDecision,
    SanctionKind,
    SanctionNotificationKind,
    Violation,
    ViolationState,
)
from sanctions.selectors import (
    PickedThenJoined,
    award_eligibility_year,
    decision_counted_records,
    decision_get,
    decisions_awaiting,
    violation_get,
    violation_queue,
)
from sanctions.services import SanctionConflict
from sanctions.views_register import register_rows

PAGE_SIZE = 25

Run = Callable[[Any, Any, dict[str, Any]], Any]
Allowed = Callable[[Any, Any], bool]


def _may(perm: str) -> Callable[[Any, Any], bool]:
    return lambda user, obj: rules.has_perm(perm, user, obj)


def _require_view(request: HttpRequest) -> None:
    if not rules.has_perm("sanctions.view_violation", request.user):
        raise PermissionDenied(_("Only the inspection office and leadership see violations."))


def _require_view_decision(request: HttpRequest, decision: SanctionDecision) -> None:
    """The office and leadership, and whoever decides this decision."""
    if not rules.has_perm("sanctions.view_violation", request.user) and not rules.has_perm(
        "sanctions.approve_sanction", request.user, decision
    ):
        raise PermissionDenied(_("Only the inspection office and leadership see violations."))


def kind_labels(kinds: list[str] | tuple[str, ...]) -> list[str]:
    labels = dict(SanctionKind.choices)
    return [str(labels.get(kind, kind)) for kind in kinds]


# What the history of a violation or a decision says for each action its services record.
ACTION_LABELS: dict[str, str | Promise] = {
    "raise": _("Raised"),
    "review": _("Taken up for review"),
    "confirm": _("Confirmed"),
    "dismiss": _("Dismissed"),
    "set_aside": _("Dismissed on review"),
    "counted_record_set_aside": _("A record it counted no longer stands"),
    "assign_responsibility": _("Responsibility assigned"),
    "propose": _("Proposed"),
    "approve": _("Approved"),
    "refuse": _("Refused"),
    "serve": _("Served"),
    "self_criticism": _("Written self-criticism received"),
    "complete": _("Completed"),
    "refer": _("Referred out"),
    "referral_outcome": _("Outcome of the referral recorded"),
    "appeal": _("Appeal recorded"),
    "review_record": _("Review recorded"),
}


def history(events: Any) -> list[tuple[Any, str]]:
    return [(event, str(ACTION_LABELS.get(event.action, event.action))) for event in events]


@dataclass(frozen=True)
class Step:
    name: str
    label: str | Promise
    form: type[forms.StepForm]
    allowed: Allowed
    run: Run
    done: str | Promise


def _in(*states: str) -> Callable[[Any], bool]:
    return lambda obj: obj.state in states


def _when(perm: str, condition: Callable[[Any], bool]) -> Allowed:
    may = _may(perm)
    return lambda user, obj: condition(obj) and may(user, obj)


V = ViolationState
D = DecisionState

VIOLATION_STEPS: dict[str, Step] = {
    step.name: step
    for step in [
        Step(
            "review",
            _("Take up for review"),
            forms.EmptyForm,
            _when("sanctions.review_violation", _in(V.RAISED)),
            lambda u, v, d: services.violation_review(actor=u, violation=v),
            _("Under review."),
        ),
        Step(
            "confirm",
            _("Confirm"),
            forms.ConfirmForm,
            _when("sanctions.review_violation", _in(V.UNDER_REVIEW)),
            lambda u, v, d: services.violation_confirm(
                actor=u,
                violation=v,
                severity=d["severity"],
                note=d["note"],
                adverse_effect=d.get("adverse_effect"),
                adverse_effect_note=d.get("adverse_effect_note", ""),
            ),
            _("Confirmed; assign responsibility next."),
        ),
        Step(
            "dismiss",
            _("Dismiss"),
            forms.DismissForm,
            _when("sanctions.review_violation", _in(V.RAISED, V.UNDER_REVIEW)),
            lambda u, v, d: services.violation_dismiss(
                actor=u, violation=v, reason=d["reason"], note=d["note"]
            ),
            _("Dismissed."),
        ),
        Step(
            "set_aside",
            _("Dismiss on review"),
            forms.SetAsideForm,
            _when("sanctions.review_violation", _in(V.CONFIRMED)),
            lambda u, v, d: services.violation_set_aside(
                actor=u, violation=v, reason=d["reason"], note=d["note"]
            ),
            _("Dismissed on review; the rules that counted it were evaluated again."),
        ),
        Step(
            "responsibility",
            _("Assign responsibility"),
            forms.ResponsibilityForm,
            _when("sanctions.assign_responsibility", _in(V.CONFIRMED)),
            lambda u, v, d: services.responsibility_assign(
                actor=u, violation=v, person=d["person"], kind=d["kind"], note=d["note"]
            ),
            _("Responsibility assigned."),
        ),
    ]
}

DECISION_STEPS: dict[str, Step] = {
    step.name: step
    for step in [
        Step(
            "approve",
            _("Approve"),
            forms.EmptyForm,
            _when("sanctions.approve_sanction", _in(D.PROPOSED)),
            lambda u, s, d: services.sanction_approve(actor=u, decision=s),
            _("Approved."),
        ),
        Step(
            "refuse",
            _("Refuse"),
            forms.RefuseForm,
            _when("sanctions.approve_sanction", _in(D.PROPOSED)),
            lambda u, s, d: services.sanction_refuse(actor=u, decision=s, reason=d["reason"]),
            _("Refused; the office may propose again."),
        ),
        Step(
            "refer",
            _("Record the referral"),
            forms.ReferForm,
            _when(
                "sanctions.record_referral",
                lambda s: s.state == D.PROPOSED and authority_for(s.chosen_kinds) == "referred",
            ),
            lambda u, s, d: services.sanction_refer(
                actor=u,
                decision=s,
                referred_to=d["referred_to"],
                referred_at=d["referred_at"],
                note=d["note"],
            ),
            _("Referral recorded; record its outcome when it comes."),
        ),
        Step(
            "referral_outcome",
            _("Record the outcome of the referral"),
            forms.ReferralOutcomeForm,
            _when("sanctions.record_referral", _in(D.REFERRED)),
            lambda u, s, d: services.referral_outcome_record(
                actor=u,
                decision=s,
                sanctioned=d["sanctioned"] == "yes",
                outcome=d["outcome"],
                received_at=d["received_at"],
            ),
            _("Outcome of the referral recorded."),
        ),
        Step(
            "serve",
            _("Serve"),
            forms.ServeForm,
            _when("sanctions.serve_sanction", _in(D.APPROVED)),
            lambda u, s, d: services.sanction_serve(
                actor=u, decision=s, signed_by=d["signed_by"], served_at=d["served_at"]
            ),
            _("Served; the unit head has been told."),
        ),
        Step(
            "self_criticism",
            _("Record the written self-criticism"),
            forms.SelfCriticismForm,
            _when(
                "sanctions.record_self_criticism",
                lambda s: s.state == D.SERVED and s.needs_self_criticism,
            ),
            lambda u, s, d: services.self_criticism_record(
                actor=u,
                decision=s,
                countersigned_by=d["countersigned_by"],
                received_at=d["received_at"],
            ),
            _("Written self-criticism recorded."),
        ),
        Step(
            "complete",
            _("Mark completed"),
            forms.EmptyForm,
            _when(
                "sanctions.serve_sanction",
                lambda s: (
                    s.state == D.SELF_CRITICISM_RECEIVED
                    or (s.state == D.SERVED and not s.needs_self_criticism)
                ),
            ),
            lambda u, s, d: services.sanction_complete(actor=u, decision=s),
            _("Completed."),
        ),
        Step(
            "appeal",
            _("Record an appeal or review request"),
            forms.AppealForm,
            _when("sanctions.record_appeal", lambda s: s.is_standing),
            lambda u, s, d: services.appeal_record(
                actor=u, decision=s, kind=d["kind"], grounds=d["grounds"], filed_at=d["filed_at"]
            ),
            _("Appeal recorded."),
        ),
        Step(
            "review",
            _("Record a review"),
            forms.ReviewForm,
            _when("sanctions.record_review", lambda s: s.is_standing),
            lambda u, s, d: services.review_record(
                actor=u,
                decision=s,
                outcome=d["outcome"],
                note=d["note"],
                appeal=d["appeal"],
                varied_kinds=tuple(d["varied_kinds"]),
            ),
            _("Review recorded."),
        ),
    ]
}


def _ids(step: str) -> str:
    return f"id_{step}_%s"


def _run(
    request: HttpRequest,
    step: Step,
    obj: Any,
    form: forms.StepForm,
    reshow: Callable[..., HttpResponse],
) -> HttpResponse | None:
    """Run one step; None when it succeeded, or the page to show with the reason."""
    if not form.is_valid():
        return reshow(bound=(step.name, form), status=400)
    obj.version = form.cleaned_data["version"]
    try:
        step.run(request.user, obj, form.cleaned_data)
    except SanctionConflict as conflict:
        messages.error(request, str(conflict))
        return reshow(bound=(step.name, form), status=409, fresh=True)
    except PermissionDenied as refusal:
        form.add_error(None, str(refusal) or str(_("You are not allowed to do this.")))
        return reshow(bound=(step.name, form), status=403, fresh=True)
    except ValidationError as error:
        for message in error.messages:
            form.add_error(None, message)
        return reshow(bound=(step.name, form), status=400, fresh=True)
    messages.success(request, str(step.done))
    return None


def _available(
    steps: dict[str, Step], user: Any, obj: Any, bound: tuple[str, forms.StepForm] | None
) -> list[tuple[Step, forms.StepForm, bool]]:
    shown = []
    for step in steps.values():
        if bound is not None and bound[0] == step.name:
            shown.append((step, bound[1], True))
        elif step.allowed(user, obj):
            shown.append((step, step.form(obj=obj, auto_id=_ids(step.name)), False))
    return shown


# -- the queue ------------------------------------------------------------------------------


def violation_rows(filters: dict[str, Any]) -> QuerySet[Violation]:
    """The queue: what to review first (the oldest raised), narrowed by the filters."""
    state = filters.get("state", forms.OPEN)
    if state == forms.OPEN:
        rows = violation_queue()
    else:
        rows = violation_queue(states=[state] if state else ViolationState.values)
    if filters.get("department"):
        rows = rows.filter(department=filters["department"])
    if filters.get("family"):
        rows = rows.filter(type__family=filters["family"])
    if filters.get("source"):
        rows = rows.filter(source_kind=filters["source"])
    if filters.get("year"):
        rows = rows.filter(occurred_at__year=filters["year"])
    return rows


@login_required
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    _require_view(request)
    form = forms.QueueFilterForm(request.GET)
    filters = form.cleaned_data if form.is_valid() else {}
    if "state" not in request.GET:
        filters = {**filters, "state": forms.OPEN}
    # The paginator only counts and slices; its stubs ask for a whole sequence.
    rows = cast(Any, PickedThenJoined(violation_rows(filters)))
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
    request: HttpRequest, case: Case | None, clock_id: int | None = None
) -> dict[str, Any]:
    """The case the evidence is about, with its timeline (from deadlines' selector) and,
    only as deadlines.rules allows, the complainant, each showing logged; for a missed
    deadline (the clock `clock_id`), why that deadline fell where it did."""
    if case is None:
        return {"case": None, "timeline": [], "show_identity": False, "explanations": []}
    full = case_get(number=case.number)
    show_identity = sees_complainant(request.user, full)
    if show_identity:
        case_log_complainant_view(actor=request.user, case=full, where="violation_page")
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
    request: HttpRequest,
    violation: Violation,
    *,
    bound: tuple[str, forms.StepForm] | None = None,
    status: int = 200,
    fresh: bool = False,
) -> HttpResponse:
    if fresh:
        violation = _violation(violation.pk)
    user = request.user
    responsibilities = list(violation.responsibilities.all())
    decisions = list(violation.decisions.all())
    decided = {d.responsibility_id for d in decisions if d.state != D.REFUSED}
    may_propose = violation.state == V.CONFIRMED and rules.has_perm(
        "sanctions.propose_sanction", user, violation
    )
    suggestions = []
    if violation.state == V.CONFIRMED and rules.has_perm(
        "sanctions.assign_responsibility", user, violation
    ):
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
            "steps": _available(VIOLATION_STEPS, user, violation, bound),
            **_case_part(
                request, violation.case, violation.breach.clock_id if violation.breach else None
            ),
        },
        status=status,
    )


@login_required
@require_GET
def violation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require_view(request)
    return _violation_page(request, _violation(pk))


@login_required
@require_POST
def violation_act(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    _require_view(request)
    chosen = VIOLATION_STEPS.get(step)
    if chosen is None:
        raise Http404(_("No such step."))
    violation = _violation(pk)
    form = chosen.form(request.POST, obj=violation, auto_id=_ids(step))
    problem = _run(
        request,
        chosen,
        violation,
        form,
        lambda **kw: _violation_page(request, violation, **kw),
    )
    return problem or redirect("sanctions:violation", pk=pk)


# -- proposing a sanction -------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def propose(request: HttpRequest, pk: int, responsibility: int) -> HttpResponse:
    """What the rulebook proposes for one person's responsibility, with the engine's
    explanation; the office picks among the proposed kinds or departs with a reason."""
    _require_view(request)
    violation = _violation(pk)
    answer = next((r for r in violation.responsibilities.all() if r.pk == responsibility), None)
    if answer is None:
        raise Http404(_("No such responsibility on this violation."))
    if not rules.has_perm("sanctions.propose_sanction", request.user, violation):
        raise PermissionDenied(_("You may not propose a sanction on this violation."))
    proposal = services.sanction_proposal(responsibility=answer)
    # The proposal's kinds are offered as choices and none is ticked (DOMAIN §7): the
    # proposer picks, rather than taking every kind by default.
    form = forms.ProposeForm(
        request.POST or None,
        obj=violation,
        offered=proposal.kinds if proposal else (),
        auto_id=_ids("propose"),
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


# -- one decision ---------------------------------------------------------------------------


def _decision(pk: int) -> SanctionDecision:
    try:
        return decision_get(pk=pk)
    except SanctionDecision.DoesNotExist:
        raise Http404(_("No such sanction decision.")) from None


def _decision_page(
    request: HttpRequest,
    decision: SanctionDecision,
    *,
    bound: tuple[str, forms.StepForm] | None = None,
    status: int = 200,
    fresh: bool = False,
) -> HttpResponse:
    if fresh:
        decision = _decision(decision.pk)
    return render(
        request,
        "sanctions/decision.html",
        {
            "decision": decision,
            "proposed_labels": kind_labels(decision.proposed_kinds),
            "chosen_labels": kind_labels(decision.chosen_kinds),
            "authority_label": AUTHORITY_LABELS.get(authority_for(decision.chosen_kinds) or ""),
            "who_decides": who_decides(decision) if decision.state == D.PROPOSED else "",
            "steps": _available(DECISION_STEPS, request.user, decision, bound),
            "history": history(decision.events.all()),
        },
        status=status,
    )


@login_required
@require_GET
def decision_detail(request: HttpRequest, pk: int) -> HttpResponse:
    decision = _decision(pk)
    _require_view_decision(request, decision)
    return _decision_page(request, decision)


@login_required
@require_POST
def decision_act(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    chosen = DECISION_STEPS.get(step)
    if chosen is None:
        raise Http404(_("No such step."))
    decision = _decision(pk)
    _require_view_decision(request, decision)
    form = chosen.form(request.POST, obj=decision, auto_id=_ids(step))
    problem = _run(
        request, chosen, decision, form, lambda **kw: _decision_page(request, decision, **kw)
    )
    return problem or redirect("sanctions:decision", pk=pk)


@login_required
@require_GET
def warning_notice(request: HttpRequest, pk: int) -> HttpResponse:
    """The printable warning notice (告诫通知书), once served with its number."""
    _require_view(request)
    decision = _decision(pk)
    if not decision.notice_number:
        raise Http404(_("This decision has no warning notice."))
    return render(
        request,
        "sanctions/warning_notice.html",
        {
            "decision": decision,
            "chosen_labels": kind_labels(decision.chosen_kinds),
            # The grounds as printed: the rule's title and citation and the earlier
            # records by day, not the engine's explanation with the portal's numbers.
            "counted": decision_counted_records(decision),
            "today": timezone.localdate(),
        },
    )


# -- awaiting my decision -----------------------------------------------------------------


@login_required
@require_GET
def awaiting(request: HttpRequest) -> HttpResponse:
    """The proposed sanctions the signed-in person may decide (the leading group's
    members, the inspection office head, leaders), oldest first."""
    page = Paginator(decisions_awaiting(user=request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    rows = [
        (
            decision,
            kind_labels(decision.chosen_kinds),
            AUTHORITY_LABELS.get(authority_for(decision.chosen_kinds) or ""),
        )
        for decision in page
    ]
    return render(request, "sanctions/awaiting.html", {"page": page, "rows": rows, "query": ""})


@login_required
@require_POST
def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark one of the person's accountability notifications read and go where it leads:
    the decision awaiting them, or their notifications."""
    notification = services.sanction_notification_read(actor=request.user, pk=pk)
    if notification is None:
        raise Http404(_("No such notification."))
    if notification.kind == SanctionNotificationKind.DECISION_AWAITING:
        return redirect("sanctions:decision", pk=notification.decision_id)
    return redirect("deadlines:notifications")


# -- the register ---------------------------------------------------------------------------


@login_required
@require_GET
def register(request: HttpRequest) -> HttpResponse:
    """The sanction register (处理台账) of a year, every department or one."""
    _require_view(request)
    form = forms.RegisterFilterForm(request.GET)
    year = form.year_or_current()
    department = form.cleaned_data.get("department") if form.is_valid() else None
    decisions = register_rows(year=year, department=department)
    page = Paginator(decisions, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [(decision, kind_labels(decision.chosen_kinds)) for decision in page]
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "sanctions/register.html",
        {
            "form": form,
            "year": year,
            "department": department,
            "page": page,
            "rows": rows,
            "query": query.urlencode(),
            "export_query": query.urlencode(),
        },
    )


@login_required
@require_GET
def eligibility(request: HttpRequest) -> HttpResponse:
    """Award eligibility (评先资格) of a year: every department and every person with a
    sanction decision in it, what cost it and what was looked at and not counted."""
    _require_view(request)
    form = forms.YearForm(request.GET)
    year = form.year_or_current()
    persons, departments = award_eligibility_year(year=year)
    return render(
        request,
        "sanctions/eligibility.html",
        {
            "form": form,
            "year": year,
            "sections": [(_("People"), persons), (_("Departments"), departments)],
        },
    )
