"""Who may do what to a case. One predicate per permission, shared by the state machine,
the services, the pages and (later) the API.

The case's department and its head are read from the case, so callers load the case
with ``select_related("department")``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import rules
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from accountability.rules import (
    is_department_head,
    is_front_desk,
    is_handler,
    is_inspection_office,
    is_leadership,
    may,
)
from deadlines.models.working_time import ExtensionApprover, MatterKind
from deadlines.selectors.clocks import clocks_extendable

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

    from deadlines.models import Case


def _department_id(user: User | AnonymousUser) -> int | None:
    profile = getattr(user, "staff", None) if user.is_authenticated else None
    return profile.department_id if profile is not None else None


@rules.predicate
def in_case_department(user: User | AnonymousUser, case: Any) -> bool:
    return case is not None and _department_id(user) == case.department_id


@rules.predicate
def heads_case_department(user: User | AnonymousUser, case: Any) -> bool:
    return case is not None and user.pk is not None and case.department.head_id == user.pk


@rules.predicate
def is_case_handler(user: User | AnonymousUser, case: Any) -> bool:
    return case is not None and user.pk is not None and case.handler_id == user.pk


@rules.predicate
def is_case_first_responder(user: User | AnonymousUser, case: Any) -> bool:
    return case is not None and user.pk is not None and case.first_responder_id == user.pk


@rules.predicate
def is_case_supervisor(user: User | AnonymousUser, case: Any) -> bool:
    return case is not None and user.pk is not None and case.supervisor_id == user.pk


@rules.predicate
def is_case_leader(user: User | AnonymousUser, case: Any) -> bool:
    return case is not None and user.pk is not None and case.leader_id == user.pk


@rules.predicate
def leads_case_department(user: User | AnonymousUser, case: Any) -> bool:
    """The user is the supervising leader of the case's handling department (inherited
    from the nearest ancestor department that names one: Department.leader)."""
    if case is None or user.pk is None:
        return False
    leader = case.department.leader()
    return leader is not None and leader.pk == user.pk


@rules.predicate
def is_case_accused(user: User | AnonymousUser, case: Any) -> bool:
    """The user is named in the complaint (or report) the case is about."""
    return case is not None and user.pk is not None and user.pk in case.accused_ids


@rules.predicate
def is_about_staff(user: User | AnonymousUser, case: Any) -> bool:
    return case is not None and case.is_about_staff


# The one place that decides who may see a complainant's identity (name, phone, address,
# account) and materials: on a complaint about staff, only the inspection office and the
# assigned handler, and never a person the complaint is about, whatever other role they
# hold (seed 002 附件10 §5–6; seed 000 §13–14). Other cases show it to whoever may see the
# case. Every page, export and admin screen asks this predicate; the REST API never
# carries identities at all.
may_see_complainant = ~is_case_accused & (~is_about_staff | is_inspection_office | is_case_handler)


def sees_complainant(user: User | AnonymousUser, case: Any) -> bool:
    """Ask the predicate itself, not ``user.has_perm``: Django grants every permission to a
    superuser, and an administrator is not thereby allowed to see a protected identity."""
    return bool(user.is_authenticated and may_see_complainant.test(user, case))


is_on_case = is_case_first_responder | is_case_handler | heads_case_department | is_case_supervisor
works_case = is_case_handler | heads_case_department
# Staff of the handling department who take cases in: front desk, handlers, the head.
department_desk = in_case_department & (is_front_desk | is_handler | is_department_head)

rules.add_perm(
    "deadlines.view_case",
    is_on_case | is_case_leader | in_case_department | is_leadership | is_inspection_office,
)


def _act(perm: str, predicate: Any) -> None:
    """Register an action on a case. Recusal (seed 002 附件10 §6) is part of every one: a
    person the complaint or report is about never acts on it, whatever else they are
    (intake's actions on a case add the same predicate)."""
    rules.add_perm(perm, predicate & ~is_case_accused)


_act("deadlines.answer_case", is_case_first_responder)
_act("deadlines.accept_case", department_desk | heads_case_department)
_act("deadlines.transfer_case", is_on_case)
_act("deadlines.decide_transfer", heads_case_department)
_act("deadlines.assign_case", heads_case_department)
_act("deadlines.work_case", works_case)
_act("deadlines.close_case", heads_case_department)
_act("deadlines.reopen_case", is_case_first_responder | works_case)
_act("deadlines.reject_case", is_case_first_responder | department_desk)
_act("deadlines.terminate_case", heads_case_department)
_act("deadlines.withdraw_case", is_case_first_responder | works_case)
_act("deadlines.request_extension", works_case)
_act("deadlines.decide_extension", heads_case_department)
_act("deadlines.approve_leader_extension", leads_case_department)
_act("deadlines.mark_complex", heads_case_department)
_act("deadlines.record_agreement", works_case)
_act("deadlines.log_feedback", is_on_case | in_case_department | is_case_leader)
_act("deadlines.rate_case", is_case_first_responder | in_case_department)
_act("deadlines.supervise_case", heads_case_department | is_leadership)
_act("deadlines.escalate_case", works_case)
_act("deadlines.instruct_case", is_case_leader)
_act(
    "deadlines.name_accused", is_case_first_responder | heads_case_department | is_inspection_office
)


# -- what the case page offers (accountability.actions) -----------------------------------
# An action that fires no transition is offered by its permission and by one of these:
# what the case itself must be for the action to make sense, which neither the state
# machine nor the permission says. A post is checked again by the service.


@rules.predicate
def is_case_open(user: User | AnonymousUser, case: Case | None) -> bool:
    """The case has not ended: assigning a handler, supervising, escalating or instructing
    on a closed, rejected, terminated or withdrawn case would change nothing."""
    return case is not None and not case.is_ended


@rules.predicate
def is_staff_complaint_kind(user: User | AnonymousUser, case: Case | None) -> bool:
    """A complaint or a report, the kinds of matter that may be about staff: only there
    are the staff complained about named (and the complainant's identity protected by
    that, is_about_staff)."""
    from deadlines.services.cases import ABOUT_STAFF_KINDS

    return case is not None and case.matter_kind in ABOUT_STAFF_KINDS


@rules.predicate
def has_extendable_clock(user: User | AnonymousUser, case: Case | None) -> bool:
    """An open case with a deadline more time may still be asked for (DOMAIN §3, §10): a
    running clock, not past due, under a policy that names who approves. Reads the case's
    prefetched clocks."""
    return case is not None and not case.is_ended and bool(clocks_extendable(case, timezone.now()))


@rules.predicate
def decides_pending_extension(user: User | AnonymousUser, case: Case | None) -> bool:
    """A request for more time waits on the open case that the user approves: the head,
    or the supervising leader where the clock's policy names the leader (DOMAIN §3). Who
    approves depends on each request's policy, so no one permission says it. Reads the
    case's prefetched extensions and their clocks."""
    from deadlines.models import ExtensionRequest

    if case is None or case.is_ended:
        return False
    for extension in case.extensions.all():
        if extension.decision != ExtensionRequest.Decision.PENDING:
            continue
        if may(user, extension_decision_perm(extension.clock.policy), case):
            return True
    return False


@rules.predicate
def is_simple_complaint(user: User | AnonymousUser, case: Case | None) -> bool:
    """A complaint not yet marked complex: only a complaint has a complex variant (its
    result due in 7 days), and a complaint is marked so once."""
    from deadlines.services.cases import COMPLEX

    return case is not None and case.matter_kind == MatterKind.COMPLAINT and case.variant != COMPLEX


@rules.predicate
def is_report(user: User | AnonymousUser, case: Case | None) -> bool:
    """A report (举报): only on a report do both sides accept a proposed handling, from
    which the closure time limit runs."""
    return case is not None and case.matter_kind == MatterKind.REPORT


# An open complaint may still be marked complex; an open report may record an agreement.
may_become_complex = is_case_open & is_simple_complaint
is_open_report = is_case_open & is_report


# -- the same permissions as queries, for lists and search --------------------------------
# A list or a search cannot ask a predicate of a million rows: these filters say the same
# as deadlines.view_case and may_see_complainant above, in SQL. Keep each beside its
# predicate; tests/deadlines/test_search.py checks they agree case by case.


def viewable_cases_q(user: User | AnonymousUser) -> Q:
    """deadlines.view_case as a filter on Case."""
    if not user.is_authenticated:
        return Q(pk__in=[])
    if is_leadership(user) or is_inspection_office(user):
        return Q()
    viewable = (
        Q(first_responder=user.pk)
        | Q(handler=user.pk)
        | Q(department__head=user.pk)
        | Q(supervisor=user.pk)
        | Q(leader=user.pk)
    )
    department_id = _department_id(user)
    if department_id is not None:
        viewable |= Q(department=department_id)
    return viewable


def complainant_visible_q(user: User | AnonymousUser) -> Q:
    """may_see_complainant as a filter on Case: the cases whose complainant's identity the
    user may see, and so may find by it."""
    from deadlines.models import Case

    named = Case.accused.through.objects.filter(case=OuterRef("pk"))
    names_user = Q(Exists(named.filter(user=user.pk)))
    if is_inspection_office(user):
        return ~names_user
    return ~names_user & (~Q(Exists(named)) | Q(handler=user.pk))


def extension_decision_perm(policy: Any) -> str:
    """The permission that decides more time under `policy` (DOMAIN §3): the head's, or
    the supervising leader's where the policy names the leader (a complex complaint
    beyond its 7 days, a petition a superior body transferred)."""
    if policy.extension_approver == ExtensionApprover.SUPERVISING_LEADER:
        return "deadlines.approve_leader_extension"
    return "deadlines.decide_extension"


# -- evidence files on a case (accountability.attachments) ---------------------------------
# A contact registered at first contact is a case: its files (photos the citizen brought,
# scanned papers) are the case's. Anyone who works on or oversees the case may add them,
# never a person the complaint is about; every file on a case is taken as the
# complainant's material unless the person adding it says otherwise, so that on a
# complaint about staff it follows may_see_complainant as the text does.
_act(
    "deadlines.attach_to_case",
    is_on_case | in_case_department | is_case_leader | is_inspection_office,
)


def _case_for_attachments(pk: int) -> Any:
    from deadlines.models import Case

    return Case.objects.select_related("department").prefetch_related("accused").get(pk=pk)


def _register_attachments() -> None:
    from django.urls import reverse

    from accountability.attachments.registry import Attachable, attachable_register
    from accountability.rules import may
    from deadlines.models import Case

    attachable_register(
        Attachable(
            model=Case,
            may_view=lambda user, case: may(user, "deadlines.view_case", case),
            may_add=lambda user, case: may(user, "deadlines.attach_to_case", case),
            sees_complainant=sees_complainant,
            url=lambda case: reverse("deadlines:case_detail", args=[case.number]),
            load=_case_for_attachments,
        )
    )


_register_attachments()
