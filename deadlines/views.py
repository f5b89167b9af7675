"""Staff pages for cases: my cases, my department's cases, and the case page with the
actions the viewer may take. Each action posts a form to one view, which calls the
service; a refusal re-shows the page with the user's entries and the reason."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST
from django_fsm import has_transition_perm

from accountability.models import Department, StaffProfile
from accountability.rules import is_inspection_office, is_leadership, may
from deadlines import forms
from deadlines.models import Case, ExtensionRequest, MatterKind
from deadlines.rules import extension_decision_perm, sees_complainant
from deadlines.selectors.calendar import calendar_snapshot
from deadlines.selectors.cases import (
    case_get,
    case_list_for_department,
    case_list_for_person,
)
from deadlines.selectors.clocks import case_colour, clock_status, clocks_extendable
from deadlines.selectors.explain import case_clock_explanations
from deadlines.selectors.public import case_messages
from deadlines.selectors.search import SearchHits, case_search, match_reasons
from deadlines.services import cases as services

PAGE_SIZE = 25

Run = Callable[[Any, Case, dict[str, Any]], Any]
Allowed = Callable[[Any, Case], bool]


@dataclass(frozen=True)
class Action:
    name: str
    label: str | Promise
    form: type[forms.ActionForm]
    allowed: Allowed
    run: Run
    done: str | Promise


def _transition(name: str) -> Allowed:
    return lambda user, case: has_transition_perm(getattr(case, name), user)


def _perm(perm: str, *, when: Callable[[Case], bool] = lambda case: not case.is_ended) -> Allowed:
    return lambda user, case: when(case) and may(user, perm, case)


def _decides_an_extension(user: Any, case: Case) -> bool:
    """A request waits that the user approves: the head, or the supervising leader where
    the clock's policy names the leader (DOMAIN §3)."""
    for extension in case.extensions.all():
        if extension.decision != ExtensionRequest.Decision.PENDING:
            continue
        if may(user, extension_decision_perm(extension.clock.policy), case):
            return True
    return False


ACTIONS: dict[str, Action] = {
    action.name: action
    for action in [
        Action(
            "answer",
            _("Answer on the spot"),
            forms.AnswerForm,
            _transition("answer"),
            lambda u, c, d: services.case_answer(
                actor=u, case=c, answer=d["answer"], referred_to=d["referred_to"]
            ),
            _("Answered and closed."),
        ),
        Action(
            "accept",
            _("Accept"),
            forms.AcceptForm,
            _transition("accept"),
            lambda u, c, d: services.case_accept(actor=u, case=c, handler=d["handler"]),
            _("Accepted."),
        ),
        Action(
            "accept_transfer",
            _("Accept the transfer"),
            forms.AcceptTransferForm,
            _transition("accept_transfer"),
            lambda u, c, d: services.case_accept_transfer(actor=u, case=c, handler=d["handler"]),
            _("Transfer accepted."),
        ),
        Action(
            "return_transfer",
            _("Return as misrouted"),
            forms.ReasonForm,
            _transition("return_transfer"),
            lambda u, c, d: services.case_return_transfer(actor=u, case=c, reason=d["reason"]),
            _("Returned to the sender."),
        ),
        Action(
            "start_work",
            _("Start work"),
            forms.EmptyForm,
            _transition("start_work"),
            lambda u, c, d: services.case_start_work(actor=u, case=c),
            _("Work started."),
        ),
        Action(
            "feedback",
            _("Log a contact"),
            forms.FeedbackForm,
            _perm("deadlines.log_feedback", when=lambda case: True),
            lambda u, c, d: services.case_log_feedback(
                actor=u, case=c, audience=d["audience"], channel=d["channel"], content=d["content"]
            ),
            _("Contact logged."),
        ),
        Action(
            "transfer",
            _("Transfer to another department"),
            forms.TransferForm,
            _transition("transfer"),
            lambda u, c, d: services.case_transfer(
                actor=u, case=c, to_department=d["to_department"], handover_note=d["handover_note"]
            ),
            _("Transferred; the receiving head has been given the case."),
        ),
        Action(
            "assign",
            _("Assign a handler"),
            forms.AssignForm,
            _perm("deadlines.assign_case"),
            lambda u, c, d: services.case_assign(
                actor=u, case=c, handler=d["handler"], reason=d["reason"]
            ),
            _("Handler assigned."),
        ),
        Action(
            "name_accused",
            _("Name the staff complained about"),
            forms.NameAccusedForm,
            _perm(
                "deadlines.name_accused",
                when=lambda case: case.matter_kind in services.ABOUT_STAFF_KINDS,
            ),
            lambda u, c, d: services.case_name_accused(
                actor=u, case=c, accused=d["accused"], reason=d["reason"]
            ),
            _("Recorded; the complainant's identity is now protected."),
        ),
        Action(
            "request_extension",
            _("Ask for an extension"),
            forms.ExtensionRequestForm,
            _perm(
                "deadlines.request_extension",
                when=lambda case: (
                    not case.is_ended and bool(clocks_extendable(case, timezone.now()))
                ),
            ),
            lambda u, c, d: services.case_request_extension(
                actor=u, case=c, clock=d["clock"], amount=d["amount"], reason=d["reason"]
            ),
            _("Extension requested; it waits for the approver's decision."),
        ),
        Action(
            "decide_extension",
            _("Decide the extension"),
            forms.ExtensionDecisionForm,
            lambda user, case: not case.is_ended and _decides_an_extension(user, case),
            lambda u, c, d: services.case_decide_extension(
                actor=u,
                case=c,
                extension=d["extension"],
                approve=d["approve"],
                note=d["note"],
                citizen_told_at=d["citizen_told_at"],
                notice_channel=d["notice_channel"],
                notice=d["notice"],
            ),
            _("Extension decided."),
        ),
        Action(
            "mark_complex",
            _("Mark the complaint complex"),
            forms.ComplexForm,
            _perm(
                "deadlines.mark_complex",
                when=lambda case: (
                    not case.is_ended
                    and case.matter_kind == MatterKind.COMPLAINT
                    and case.variant != services.COMPLEX
                ),
            ),
            lambda u, c, d: services.case_mark_complex(actor=u, case=c, reason=d["reason"]),
            _("Marked complex; the result is due in 7 days."),
        ),
        Action(
            "record_agreement",
            _("Record that both sides accepted the proposed handling"),
            forms.AgreementForm,
            _perm(
                "deadlines.record_agreement",
                when=lambda case: not case.is_ended and case.matter_kind == MatterKind.REPORT,
            ),
            lambda u, c, d: services.case_record_agreement(actor=u, case=c, note=d["note"]),
            _("Agreement recorded; the closure time limit runs from now."),
        ),
        Action(
            "suspend",
            _("Suspend for a special procedure"),
            forms.SuspendForm,
            _transition("suspend"),
            lambda u, c, d: services.case_suspend(
                actor=u,
                case=c,
                kind=d["kind"],
                expected_end=d["expected_end"],
                place=d["place"],
                citizen_notice=d["citizen_notice"],
            ),
            _("Suspended; the time limits are paused."),
        ),
        Action(
            "resume",
            _("Resume"),
            forms.EmptyForm,
            _transition("resume"),
            lambda u, c, d: services.case_resume(actor=u, case=c),
            _("Resumed; the time limits run again."),
        ),
        Action(
            "supervise",
            _("Supervise (督办)"),
            forms.SuperviseForm,
            _perm("deadlines.supervise_case"),
            lambda u, c, d: services.case_supervise(
                actor=u, case=c, supervisor=d["supervisor"], reason=d["reason"]
            ),
            _("Supervisor named."),
        ),
        Action(
            "escalate",
            _("Escalate to leadership (呈办)"),
            forms.EscalateForm,
            _perm("deadlines.escalate_case"),
            lambda u, c, d: services.case_escalate(
                actor=u, case=c, leader=d["leader"], reason=d["reason"]
            ),
            _("Escalated."),
        ),
        Action(
            "instruct",
            _("Give an instruction"),
            forms.InstructForm,
            _perm("deadlines.instruct_case"),
            lambda u, c, d: services.case_instruct(
                actor=u,
                case=c,
                instruction=d["instruction"],
                department=d["department"],
                amount=d["amount"],
                unit=d["unit"],
            ),
            _("Instruction recorded."),
        ),
        Action(
            "resolve",
            _("Record the result"),
            forms.ResolveForm,
            _transition("resolve"),
            lambda u, c, d: services.case_resolve(actor=u, case=c, resolution=d["resolution"]),
            _("Result recorded; the head signs it off."),
        ),
        Action(
            "close",
            _("Sign off and close"),
            forms.NoteForm,
            _transition("close"),
            lambda u, c, d: services.case_close(actor=u, case=c, note=d["note"]),
            _("Closed."),
        ),
        Action(
            "send_back",
            _("Send back to the handler"),
            forms.ReasonForm,
            _transition("send_back"),
            lambda u, c, d: services.case_send_back(actor=u, case=c, reason=d["reason"]),
            _("Sent back."),
        ),
        # The rating after closing is recorded on the case page's callback section
        # (intake.views_callback): from the call or the citizen's link, a poor grade
        # reopened only on the head's finding.
        Action(
            "request_review",
            _("Record a review request"),
            forms.ReasonForm,
            _transition("reopen"),
            lambda u, c, d: services.case_request_review(actor=u, case=c, reason=d["reason"]),
            _("Reopened for review."),
        ),
        Action(
            "terminate",
            _("Terminate"),
            forms.ReasonForm,
            _transition("terminate"),
            lambda u, c, d: services.case_terminate(actor=u, case=c, reason=d["reason"]),
            _("Terminated."),
        ),
        Action(
            "withdraw",
            _("Record a withdrawal"),
            forms.ReasonForm,
            _transition("withdraw"),
            lambda u, c, d: services.case_withdraw(actor=u, case=c, reason=d["reason"]),
            _("Withdrawn."),
        ),
    ]
}


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
def my_cases(request: HttpRequest) -> HttpResponse:
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
    hits = SearchHits(case_search(user=request.user, text=text))
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
    try:
        case = case_get(number=number)
    except Case.DoesNotExist:
        raise Http404(_("No case has this number.")) from None
    if not may(request.user, "deadlines.view_case", case):
        raise PermissionDenied(_("This case is not one you may see."))
    return case


def _ids(action: str) -> str:
    """Element ids unique on a page that carries a form per action."""
    return f"id_{action}_%s"


def _page(
    request: HttpRequest,
    case: Case,
    *,
    bound: tuple[str, forms.ActionForm] | None = None,
    status: int = 200,
) -> HttpResponse:
    now = timezone.now()
    user = request.user
    available = []
    for action in ACTIONS.values():
        if bound is not None and bound[0] == action.name:
            available.append((action, bound[1], True))
        elif action.allowed(user, case):
            available.append((action, action.form(case=case, auto_id=_ids(action.name)), False))
    # The complainant's identity and materials, only for whom deadlines.rules allows; each
    # page that shows a protected one is logged.
    show_identity = sees_complainant(user, case)
    if show_identity:
        services.case_log_complainant_view(actor=user, case=case, where="case_page")
    return render(
        request,
        "deadlines/case_detail.html",
        {
            "case": case,
            "clocks": [clock_status(clock, now) for clock in case.clocks.all()],
            "events": case.events.all(),
            "messages_sent": case_messages(case),
            "explanations": case_clock_explanations(case, calendar=calendar_snapshot()),
            "actions": available,
            "now": now,
            "show_identity": show_identity,
            "show_accused": case.is_about_staff
            and (show_identity or may(user, "deadlines.name_accused", case)),
        },
        status=status,
    )


@login_required
@require_GET
def case_detail(request: HttpRequest, number: str) -> HttpResponse:
    return _page(request, _viewable(request, number))


@login_required
@require_POST
def case_act(request: HttpRequest, number: str, action: str) -> HttpResponse:
    """Run one action on a case. Invalid entries, a refusal or a conflict re-show the
    page with the form as the user filled it in and the reason."""
    chosen = ACTIONS.get(action)
    if chosen is None:
        raise Http404(_("No such action."))
    case = _viewable(request, number)
    form = chosen.form(request.POST, case=case, auto_id=_ids(action))
    if not form.is_valid():
        return _page(request, case, bound=(action, form), status=400)
    case.version = form.cleaned_data["version"]
    try:
        chosen.run(request.user, case, form.cleaned_data)
    except services.CaseConflict as conflict:
        messages.error(request, str(conflict))
        return _page(request, case_get(number=number), bound=(action, form), status=409)
    except ValidationError as error:
        for message in error.messages:
            form.add_error(None, message)
        return _page(request, case_get(number=number), bound=(action, form), status=400)
    messages.success(request, str(chosen.done))
    return redirect("deadlines:case_detail", number=number)
