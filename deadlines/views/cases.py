"""Staff pages for cases: my cases, my department's cases, and the case page with the
actions the viewer may take. Each action posts a form to one view, which calls the
service; a refusal re-shows the page with the user's entries and the reason."""

from __future__ import annotations

from typing import Any, cast
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from accountability.actions import Action, Actions, fields
from accountability.http import AuthenticatedHttpRequest
from accountability.models import Department, StaffProfile
from accountability.rules import is_inspection_office, is_leadership, may
from deadlines import forms
from deadlines.models import Case
from deadlines.rules import (
    decides_pending_extension,
    has_extendable_clock,
    is_case_open,
    is_open_report,
    is_staff_complaint_kind,
    may_become_complex,
)
from deadlines.selectors.access import case_get_for
from deadlines.selectors.calendar import calendar_snapshot
from deadlines.selectors.cases import (
    case_get,
    case_list_for_department,
    case_list_for_person,
    case_loaded,
)
from deadlines.selectors.clocks import case_colour, clock_status
from deadlines.selectors.explain import case_clock_explanations
from deadlines.selectors.public import case_messages
from deadlines.selectors.search import case_search_hits, match_reasons
from deadlines.services import cases as services

PAGE_SIZE = 25


def _form_kwargs(action: Action, case: Case) -> dict[str, Any]:
    return {"case": case, "auto_id": f"id_{action.name}_%s"}


# An action that moves the case fires the transition whose source states and permission
# the state machine holds; one that moves no state is asked of its permission.
ACTIONS = Actions(
    target="case",
    form_kwargs=_form_kwargs,
    conflicts=(services.CaseConflict,),
    actions=(
        Action(
            "answer",
            _("Answer on the spot"),
            services.case_answer,
            forms.AnswerForm,
            _("Answered and closed."),
            fields("answer", "referred_to"),
            transition="answer",
        ),
        Action(
            "accept",
            _("Accept"),
            services.case_accept,
            forms.AcceptForm,
            _("Accepted."),
            fields("handler"),
            transition="accept",
        ),
        Action(
            "accept_transfer",
            _("Accept the transfer"),
            services.case_accept_transfer,
            forms.AcceptTransferForm,
            _("Transfer accepted."),
            fields("handler"),
            transition="accept_transfer",
        ),
        Action(
            "return_transfer",
            _("Return as misrouted"),
            services.case_return_transfer,
            forms.ReasonForm,
            _("Returned to the sender."),
            fields("reason"),
            transition="return_transfer",
        ),
        Action(
            "start_work",
            _("Start work"),
            services.case_start_work,
            forms.EmptyForm,
            _("Work started."),
            transition="start_work",
        ),
        Action(
            "feedback",
            _("Log a contact"),
            services.case_log_feedback,
            forms.FeedbackForm,
            _("Contact logged."),
            fields("audience", "channel", "content"),
            perm="deadlines.log_feedback",
        ),
        Action(
            "transfer",
            _("Transfer to another department"),
            services.case_transfer,
            forms.TransferForm,
            _("Transferred; the receiving head has been given the case."),
            fields("to_department", "handover_note"),
            transition="transfer",
        ),
        Action(
            "assign",
            _("Assign a handler"),
            services.case_assign,
            forms.AssignForm,
            _("Handler assigned."),
            fields("handler", "reason"),
            perm="deadlines.assign_case",
            applies=is_case_open,
        ),
        Action(
            "name_accused",
            _("Name the staff complained about"),
            services.case_name_accused,
            forms.NameAccusedForm,
            _("Recorded; the complainant's identity is now protected."),
            fields("accused", "reason"),
            perm="deadlines.name_accused",
            applies=is_staff_complaint_kind,
        ),
        Action(
            "request_extension",
            _("Ask for an extension"),
            services.case_request_extension,
            forms.ExtensionRequestForm,
            _("Extension requested; it waits for the approver's decision."),
            fields("clock", "amount", "reason"),
            perm="deadlines.request_extension",
            applies=has_extendable_clock,
        ),
        Action(
            "decide_extension",
            _("Decide the extension"),
            services.case_decide_extension,
            forms.ExtensionDecisionForm,
            _("Extension decided."),
            fields("extension", "approve", "note", "citizen_told_at", "notice_channel", "notice"),
            # Who approves depends on each pending request's policy, not on one permission.
            applies=decides_pending_extension,
        ),
        Action(
            "mark_complex",
            _("Mark the complaint complex"),
            services.case_mark_complex,
            forms.ComplexForm,
            _("Marked complex; the result is due in 7 days."),
            fields("reason"),
            perm="deadlines.mark_complex",
            applies=may_become_complex,
        ),
        Action(
            "record_agreement",
            _("Record that both sides accepted the proposed handling"),
            services.case_record_agreement,
            forms.AgreementForm,
            _("Agreement recorded; the closure time limit runs from now."),
            fields("note"),
            perm="deadlines.record_agreement",
            applies=is_open_report,
        ),
        Action(
            "suspend",
            _("Suspend for a special procedure"),
            services.case_suspend,
            forms.SuspendForm,
            _("Suspended; the time limits are paused."),
            fields("kind", "expected_end", "place", "citizen_notice"),
            transition="suspend",
        ),
        Action(
            "resume",
            _("Resume"),
            services.case_resume,
            forms.EmptyForm,
            _("Resumed; the time limits run again."),
            transition="resume",
        ),
        Action(
            "supervise",
            _("Supervise (督办)"),
            services.case_supervise,
            forms.SuperviseForm,
            _("Supervisor named."),
            fields("supervisor", "reason"),
            perm="deadlines.supervise_case",
            applies=is_case_open,
        ),
        Action(
            "escalate",
            _("Escalate to leadership (呈办)"),
            services.case_escalate,
            forms.EscalateForm,
            _("Escalated."),
            fields("leader", "reason"),
            perm="deadlines.escalate_case",
            applies=is_case_open,
        ),
        Action(
            "instruct",
            _("Give an instruction"),
            services.case_instruct,
            forms.InstructForm,
            _("Instruction recorded."),
            fields("instruction", "department", "amount", "unit"),
            perm="deadlines.instruct_case",
            applies=is_case_open,
        ),
        Action(
            "resolve",
            _("Record the result"),
            services.case_resolve,
            forms.ResolveForm,
            _("Result recorded; the head signs it off."),
            fields("resolution"),
            transition="resolve",
        ),
        Action(
            "close",
            _("Sign off and close"),
            services.case_close,
            forms.NoteForm,
            _("Closed."),
            fields("note"),
            transition="close",
        ),
        Action(
            "send_back",
            _("Send back to the handler"),
            services.case_send_back,
            forms.ReasonForm,
            _("Sent back."),
            fields("reason"),
            transition="send_back",
        ),
        # The rating after closing is recorded on the case page's callback section
        # (intake's callback views): from the call or the citizen's link, a poor grade
        # reopened only on the head's finding.
        Action(
            "request_review",
            _("Record a review request"),
            services.case_request_review,
            forms.ReasonForm,
            _("Reopened for review."),
            fields("reason"),
            transition="reopen",
        ),
        Action(
            "terminate",
            _("Terminate"),
            services.case_terminate,
            forms.ReasonForm,
            _("Terminated."),
            fields("reason"),
            transition="terminate",
        ),
        Action(
            "withdraw",
            _("Record a withdrawal"),
            services.case_withdraw,
            forms.ReasonForm,
            _("Withdrawn."),
            fields("reason"),
            transition="withdraw",
        ),
    ),
)


# -- lists --------------------------------------------------------------------------------


def _list_page(request: HttpRequest, cases: Any, context: dict[str, Any]) -> HttpResponse:
    page = Paginator(cases, PAGE_SIZE).get_page(request.GET.get("page"))
    now = timezone.now()
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "deadlines/case_list.html",
        {
            **context,
            "page": page,
            "rows": [(case, case_colour(case, now)) for case in page],
            "query": query.urlencode(),
            "more": cases.more,
        },
    )


@login_required
@require_GET
def my_cases(request: AuthenticatedHttpRequest) -> HttpResponse:
    filter_form = forms.CaseFilterForm(request.GET)
    cases = case_list_for_person(
        user=request.user, filters=filter_form.filters(), now=timezone.now()
    )
    return _list_page(request, cases, {"title": _("My cases"), "filter_form": filter_form})


@login_required
@require_GET
def department_cases(request: HttpRequest) -> HttpResponse:
    """A department's cases: staff see their own; leadership and the inspection office may
    pick any department."""
    user = request.user
    sees_all = is_leadership(user) or is_inspection_office(user)
    profile = StaffProfile.objects.select_related("department").filter(user=user.pk).first()
    department = profile.department if profile is not None else None
    choices = Department.objects.order_by("code") if sees_all else None
    code = request.GET.get("department")
    if sees_all and code:
        department = Department.objects.filter(code=code).first()
        if department is None:
            raise Http404(_("No such department."))
    if department is None:
        return render(
            request,
            "deadlines/case_list.html",
            {
                "title": _("Department cases"),
                "problem": _("Your account belongs to no department. Ask an administrator."),
            },
        )
    filter_form = forms.CaseFilterForm(request.GET)
    cases = case_list_for_department(
        department=department, filters=filter_form.filters(), now=timezone.now(), viewer=user
    )
    return _list_page(
        request,
        cases,
        {
            "title": _("Cases of %(department)s") % {"department": department.name},
            "filter_form": filter_form,
            "departments": choices,
            "department": department,
        },
    )


@login_required
@require_GET
def case_search_page(request: HttpRequest) -> HttpResponse:
    """The header's search box: every case the user may see that the text finds, with
    the fields it matched (their names, never a protected value)."""
    text = request.GET.get("q", "")
    hits = case_search_hits(user=request.user, text=text)
    # The paginator only counts and slices; its stubs ask for a whole sequence.
    page = Paginator(cast(Any, hits), PAGE_SIZE).get_page(request.GET.get("page"))
    now = timezone.now()
    return render(
        request,
        "deadlines/search.html",
        {
            "search_text": text.strip(),
            "page": page,
            "more": hits.more,
            "hits": [(case, case_colour(case, now), match_reasons(case)) for case in page],
            "query": urlencode({"q": text}),
        },
    )


# -- the case page -------------------------------------------------------------------------


def _viewable(request: HttpRequest, number: str) -> Case:
    return case_get_for(
        user=request.user,
        number=number,
        perm="deadlines.view_case",
        queryset=case_loaded(),
        recuse=False,
    )


def _page(
    request: AuthenticatedHttpRequest,
    case: Case,
    *,
    bound: tuple[str, Form] | None = None,
    status: int = 200,
) -> HttpResponse:
    now = timezone.now()
    user = request.user
    # The complainant's identity and materials, only for whom deadlines.rules allows; each
    # page that shows a protected one is logged.
    show_identity = services.case_identity_shown(actor=user, case=case, where="case_page")
    return render(
        request,
        "deadlines/case_detail.html",
        {
            "case": case,
            "clocks": [clock_status(clock, now) for clock in case.clocks.all()],
            "events": case.events.all(),
            "messages_sent": case_messages(case),
            "explanations": case_clock_explanations(case, calendar=calendar_snapshot()),
            "actions": ACTIONS.offers(user, case, bound=bound),
            "now": now,
            "show_identity": show_identity,
            "show_accused": case.is_about_staff
            and (show_identity or may(user, "deadlines.name_accused", case)),
        },
        status=status,
    )


@login_required
@require_GET
def case_detail(request: AuthenticatedHttpRequest, number: str) -> HttpResponse:
    return _page(request, _viewable(request, number))


@login_required
@require_POST
def case_act(request: AuthenticatedHttpRequest, number: str, action: str) -> HttpResponse:
    """Run one action on a case. Invalid entries, a refusal or a conflict re-show the
    page, read afresh, with the form as the user filled it in and the reason."""
    chosen = ACTIONS.get(action)
    case = _viewable(request, number)
    form = ACTIONS.form(chosen, case, request.POST)
    return ACTIONS.run(
        request,
        chosen,
        case,
        form,
        reshow=lambda status, fresh: _page(
            request, case_get(number=number) if fresh else case, bound=(action, form), status=status
        ),
        success=reverse("deadlines:case_detail", kwargs={"number": number}),
    )
