"""One sanction decision with its steps, the printable warning notice (告诫通知书), the
proposals awaiting the signed-in person's decision and their notifications."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from accountability.actions import Action, Actions, fields
from accountability.http import AuthenticatedHttpRequest
from sanctions import services
from sanctions.authority import AUTHORITY_LABELS, authority_for, who_decides
from sanctions.forms import steps
from sanctions.models import DecisionState, SanctionDecision, SanctionNotificationKind
from sanctions.rules import is_decision_standing, is_referred_out, owes_self_criticism
from sanctions.selectors import decision_counted_records, decision_get, decisions_awaiting
from sanctions.services import SanctionConflict
from sanctions.views.common import (
    PAGE_SIZE,
    history,
    kind_labels,
    require_view,
    require_view_decision,
    step_form_kwargs,
)

# Each step that moves the decision fires the transition of the same meaning: the state
# machine says from which states, the rules who.
DECISION_ACTIONS = Actions(
    target="decision",
    form_kwargs=step_form_kwargs,
    conflicts=(SanctionConflict,),
    actions=(
        Action(
            "approve",
            _("Approve"),
            services.sanction_approve,
            steps.EmptyForm,
            _("Approved."),
            transition="approve",
            perm="sanctions.approve_sanction",
        ),
        Action(
            "refuse",
            _("Refuse"),
            services.sanction_refuse,
            steps.RefuseForm,
            _("Refused; the office may propose again."),
            fields("reason"),
            transition="refuse",
            perm="sanctions.approve_sanction",
        ),
        Action(
            "refer",
            _("Record the referral"),
            services.sanction_refer,
            steps.ReferForm,
            _("Referral recorded; record its outcome when it comes."),
            fields("referred_to", "referred_at", "note"),
            transition="refer",
            perm="sanctions.record_referral",
            applies=is_referred_out,
        ),
        Action(
            "referral_outcome",
            _("Record the outcome of the referral"),
            services.referral_outcome_record,
            steps.ReferralOutcomeForm,
            _("Outcome of the referral recorded."),
            lambda data: {
                "sanctioned": data["sanctioned"] == "yes",
                "outcome": data["outcome"],
                "received_at": data["received_at"],
            },
            # Either outcome's transition leaves the referred state; whichever the answer
            # is, the service fires it.
            transition="referral_sanctioned",
            perm="sanctions.record_referral",
        ),
        Action(
            "serve",
            _("Serve"),
            services.sanction_serve,
            steps.ServeForm,
            _("Served; the unit head has been told."),
            fields("signed_by", "served_at"),
            transition="serve",
            perm="sanctions.serve_sanction",
        ),
        Action(
            "self_criticism",
            _("Record the written self-criticism"),
            services.self_criticism_record,
            steps.SelfCriticismForm,
            _("Written self-criticism recorded."),
            fields("countersigned_by", "received_at"),
            transition="receive_self_criticism",
            perm="sanctions.record_self_criticism",
            applies=owes_self_criticism,
        ),
        Action(
            "complete",
            _("Mark completed"),
            services.sanction_complete,
            steps.EmptyForm,
            _("Completed."),
            transition="complete",
            perm="sanctions.serve_sanction",
        ),
        Action(
            "appeal",
            _("Record an appeal or review request"),
            services.appeal_record,
            steps.AppealForm,
            _("Appeal recorded."),
            fields("kind", "grounds", "filed_at"),
            perm="sanctions.record_appeal",
            applies=is_decision_standing,
        ),
        Action(
            "review",
            _("Record a review"),
            services.review_record,
            steps.ReviewForm,
            _("Review recorded."),
            lambda data: {
                "outcome": data["outcome"],
                "note": data["note"],
                "appeal": data["appeal"],
                "varied_kinds": tuple(data["varied_kinds"]),
            },
            perm="sanctions.record_review",
            applies=is_decision_standing,
        ),
    ),
)


def _decision(pk: int) -> SanctionDecision:
    try:
        return decision_get(pk=pk)
    except SanctionDecision.DoesNotExist:
        raise Http404(_("No such sanction decision.")) from None


def _decision_page(
    request: HttpRequest,
    decision: SanctionDecision,
    *,
    bound: tuple[str, Form] | None = None,
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "sanctions/decision.html",
        {
            "decision": decision,
            "proposed_labels": kind_labels(decision.proposed_kinds),
            "chosen_labels": kind_labels(decision.chosen_kinds),
            "authority_label": AUTHORITY_LABELS.get(authority_for(decision.chosen_kinds) or ""),
            "who_decides": who_decides(decision)
            if decision.state == DecisionState.PROPOSED
            else "",
            "steps": DECISION_ACTIONS.offers(request.user, decision, bound=bound),
            "history": history(decision.events.all()),
        },
        status=status,
    )


@login_required
@require_GET
def decision_detail(request: HttpRequest, pk: int) -> HttpResponse:
    decision = _decision(pk)
    require_view_decision(request, decision)
    return _decision_page(request, decision)


@login_required
@require_POST
def decision_act(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    chosen = DECISION_ACTIONS.get(step)
    decision = _decision(pk)
    require_view_decision(request, decision)
    form = DECISION_ACTIONS.form(chosen, decision, request.POST)
    return DECISION_ACTIONS.run(
        request,
        chosen,
        decision,
        form,
        reshow=lambda status, fresh: _decision_page(
            request, _decision(pk) if fresh else decision, bound=(step, form), status=status
        ),
        success=reverse("sanctions:decision", kwargs={"pk": pk}),
    )


@login_required
@require_GET
def warning_notice(request: HttpRequest, pk: int) -> HttpResponse:
    """The printable warning notice (告诫通知书), once served with its number."""
    require_view(request)
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
def notification_open(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Mark one of the person's accountability notifications read and go where it leads:
    the decision awaiting them, or their notifications."""
    notification = services.sanction_notification_read(actor=request.user, pk=pk)
    if notification is None:
        raise Http404(_("No such notification."))
    if notification.kind == SanctionNotificationKind.DECISION_AWAITING:
        return redirect("sanctions:decision", pk=notification.decision_id)
    return redirect("deadlines:notifications")
