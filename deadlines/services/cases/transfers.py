"""Who handles a case: the handling department accepts it and names a handler (or their
substitute), the head reassigns it, a transfer (转办) sends it to another department whose
head accepts or returns it; and the handling modes: supervised (督办), escalated to a
leader (呈办) and the leader's instruction. Nobody named in a complaint is given it
(recusal).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accountability.models import Department
from accountability.roles import Role
from accountability.rules import has_role
from accountability.selectors import who_covers
from deadlines.models import Case, Clock, ClockKind, HandlingMode, NotificationKind, Transfer
from deadlines.services.cases._common import (
    ACCEPTED,
    TO_CITIZEN,
    TO_LEADER,
    CaseConflict,
    _allowed,
    _department_of,
    _hand_clocks_to,
    _move,
    _name,
    _open_or_conflict,
    _record,
    _required,
    _running,
    _start,
    _start_progress,
    _start_stage,
    _stop,
    case_lock,
)
from deadlines.services.notifications import handover_notify

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def _staff_of(user: User, department: Department) -> None:
    profile = getattr(user, "staff", None)
    if profile is None or profile.department_id != department.pk:
        raise ValidationError(
            _("%(person)s is not on the staff of %(department)s.")
            % {"person": user.get_full_name() or user.get_username(), "department": department}
        )


def _not_accused(case: Case, person: User | None) -> None:
    """Recusal (seed 002 附件10 §6): nobody handles a complaint about themselves."""
    if person is not None and person.pk in case.accused_ids:
        raise ValidationError(
            _(
                "%(person)s is named in the complaint on case %(number)s and cannot handle, "
                "supervise or be given it (recusal)."
            )
            % {"person": _name(person), "number": case.number}
        )


def _handler_for(case: Case, handler: User, at: datetime) -> tuple[User, dict[str, Any]]:
    """The handler who gets the case (or their substitute), neither of them accused."""
    _not_accused(case, handler)
    person, cover = _covering(handler, at)
    _not_accused(case, person)
    return person, cover


def _covering(handler: User, at: datetime) -> tuple[User, dict[str, Any]]:
    """Who actually gets the work: the handler, or their substitute while they are away
    (同岗替代, seed 004). The event records the hand-over."""
    cover = who_covers(user=handler, at=at)
    if cover.user is None or cover.user.pk == handler.pk:
        return handler, {}
    return cover.user, {"named_handler": handler.pk, "covered_by": cover.user.pk}


def _start_on_acceptance(case: Case, at: datetime) -> Clock | None:
    """An accepted application starts its catalogue item's promised limit (承诺时限,
    seed 002 附件9 三3), once: a case accepted again after a transfer keeps its clock."""
    if Clock.objects.filter(case=case, kind=ClockKind.CLOSURE, policy__variant=ACCEPTED).exists():
        return None
    return _start_stage(case, ACCEPTED, at)


def _take_on(
    case: Case,
    *,
    actor: User,
    handler: User,
    at: datetime,
    before: str,
    action: str,
    report_back: bool = False,
) -> Case:
    """The tail of an acceptance: the handler (or their substitute) gets the case and its
    running clocks; with `report_back`, the unit's report back to the first responder
    starts; an accepted application's promised limit starts; the event is recorded and
    the one who got the case is told."""
    case.handler, cover = _handler_for(case, handler, at)
    _hand_clocks_to(case, case.handler)
    if report_back:
        _start(
            case,
            ClockKind.UNIT_TO_FIRST_RESPONDER,
            at=at,
            department=case.department,
            responsible=case.handler,
        )
    _start_on_acceptance(case, at)
    event = _record(
        case,
        actor=actor,
        action=action,
        from_state=before,
        at=at,
        handler=case.handler.pk,
        **cover,
    )
    # Passed on to a colleague (or their substitute, who actually gets it).
    handover_notify(event, NotificationKind.HANDED_OVER, case.handler)
    return case


# -- accepting, assigning, transferring -------------------------------------------------


@transaction.atomic
def case_accept(*, actor: User, case: Case, handler: User | None = None) -> Case:
    """The handling department takes the case on; the handler defaults to the actor."""
    case = case_lock(case)
    before = _move(case, actor, "accept")
    handler = handler or actor
    _staff_of(handler, case.department)
    at = timezone.now()
    return _take_on(case, actor=actor, handler=handler, at=at, before=before, action="accept")


@transaction.atomic
def case_assign(*, actor: User, case: Case, handler: User, reason: str = "") -> Case:
    """The head (re)assigns the handler of a case in hand."""
    case = case_lock(case)
    _open_or_conflict(case)
    _allowed(case, actor, "deadlines.assign_case")
    _staff_of(handler, case.department)
    at = timezone.now()
    case.handler, cover = _handler_for(case, handler, at)
    _hand_clocks_to(case, case.handler)
    event = _record(
        case,
        actor=actor,
        action="assign",
        from_state=case.state,
        at=at,
        reason=reason.strip(),
        handler=case.handler.pk,
        **cover,
    )
    handover_notify(event, NotificationKind.HANDED_OVER, case.handler)
    return case


@transaction.atomic
def case_transfer(
    *, actor: User, case: Case, to_department: Department, handover_note: str
) -> Transfer:
    """Send the case to another department with a handover record (转办). Its head has
    two working days to accept it or return it (seed 001 §6(二)); the first responder keeps
    a follow-up clock until the citizen has heard back (seed 001 §4, §6)."""
    case = case_lock(case)
    before = _move(case, actor, "transfer")
    handover_note = _required(handover_note, _("Write the handover record."))
    if to_department.pk == case.department_id:
        raise ValidationError(
            _("The case is already with %(department)s.") % {"department": to_department}
        )
    if not to_department.handles_cases:
        raise ValidationError(
            _("%(department)s does not handle cases: transfer to a unit that does.")
            % {"department": to_department}
        )
    if to_department.head_id is None:
        raise ValidationError(
            _("%(department)s has no head to accept transfers. Ask an administrator to name one.")
            % {"department": to_department}
        )
    if to_department.head_id in case.accused_ids:
        # Its head would decide the transfer and pick the handler of a complaint about
        # themselves.
        raise ValidationError(
            _(
                "The head of %(department)s is named in the complaint on case %(number)s, so "
                "it cannot be transferred there (recusal)."
            )
            % {"department": to_department, "number": case.number}
        )
    at = timezone.now()
    transfer = Transfer.objects.create(
        case=case,
        from_department=case.department,
        to_department=to_department,
        handover_note=handover_note,
        sent_by=actor,
        sent_at=at,
    )
    case.department = to_department
    case.handler = None
    if case.handling_mode == HandlingMode.DIRECT:
        case.handling_mode = HandlingMode.TRANSFER
    _start(
        case,
        ClockKind.TRANSFER_ACCEPTANCE,
        at=at,
        department=to_department,
        responsible=to_department.head,
    )
    if not _running(case, [ClockKind.FIRST_FEEDBACK]).exists():
        _start(
            case,
            ClockKind.FIRST_FEEDBACK,
            at=at,
            department=_department_of(case.first_responder),
            responsible=case.first_responder,
            variant="transfer_follow_up",
        )
    event = _record(
        case,
        actor=actor,
        action="transfer",
        from_state=before,
        at=at,
        reason=handover_note,
        from_department=transfer.from_department_id,
        to_department=to_department.pk,
    )
    handover_notify(event, NotificationKind.TRANSFER_AWAITING, to_department.head)
    return transfer


def _pending_transfer(case: Case) -> Transfer:
    return Transfer.objects.select_for_update().get(case=case, outcome=Transfer.Outcome.PENDING)


@transaction.atomic
def case_accept_transfer(*, actor: User, case: Case, handler: User) -> Case:
    """The receiving head accepts the transfer and assigns a handler. For consultations and
    urgent help, the unit's report back to the first responder is on the clock (40 min,
    seed 003 投诉反馈制度 (1))."""
    case = case_lock(case)
    before = _move(case, actor, "accept_transfer")
    _staff_of(handler, case.department)
    at = timezone.now()
    transfer = _pending_transfer(case)
    transfer.outcome = Transfer.Outcome.ACCEPTED
    transfer.decided_by, transfer.decided_at = actor, at
    transfer.save()
    _stop(case, at, [ClockKind.TRANSFER_ACCEPTANCE])
    return _take_on(
        case,
        actor=actor,
        handler=handler,
        at=at,
        before=before,
        action="accept_transfer",
        report_back=True,
    )


@transaction.atomic
def case_return_transfer(*, actor: User, case: Case, reason: str) -> Case:
    """The receiving head returns a misrouted transfer to the sender, with a reason."""
    case = case_lock(case)
    before = _move(case, actor, "return_transfer")
    reason = _required(reason, _("Say why the case is not your department's."))
    at = timezone.now()
    transfer = _pending_transfer(case)
    transfer.outcome = Transfer.Outcome.RETURNED
    transfer.decided_by, transfer.decided_at, transfer.return_reason = actor, at, reason
    transfer.save()
    _stop(case, at, [ClockKind.TRANSFER_ACCEPTANCE])
    case.department = transfer.from_department
    case.handler = None
    event = _record(
        case,
        actor=actor,
        action="return_transfer",
        from_state=before,
        at=at,
        reason=reason,
        to_department=transfer.from_department_id,
    )
    handover_notify(event, NotificationKind.TRANSFER_RETURNED, transfer.sent_by)
    return case


# -- handling modes ---------------------------------------------------------------------


@transaction.atomic
def case_supervise(*, actor: User, case: Case, supervisor: User, reason: str) -> Case:
    """Send a named person to drive the case (督办)."""
    case = case_lock(case)
    _open_or_conflict(case)
    _allowed(case, actor, "deadlines.supervise_case")
    reason = _required(reason, _("Say what the supervisor is to drive."))
    _not_accused(case, supervisor)
    case.supervisor = supervisor
    if case.handling_mode != HandlingMode.ESCALATED:
        case.handling_mode = HandlingMode.SUPERVISED
    event = _record(
        case,
        actor=actor,
        action="supervise",
        from_state=case.state,
        at=timezone.now(),
        reason=reason,
        supervisor=supervisor.pk,
    )
    handover_notify(event, NotificationKind.SUPERVISING, supervisor)
    return case


@transaction.atomic
def case_escalate(*, actor: User, case: Case, leader: User, reason: str) -> Case:
    """Report the case to a leader (呈办): a daily report to the leader and word to the
    citizen every three days are on the clock until it ends (seed 003 投诉反馈制度)."""
    case = case_lock(case)
    _open_or_conflict(case)
    _allowed(case, actor, "deadlines.escalate_case")
    reason = _required(reason, _("Say why the case goes to leadership."))
    _not_accused(case, leader)
    if not has_role(leader, Role.LEADERSHIP):
        raise ValidationError(
            _("%(person)s is not in leadership.") % {"person": leader.get_full_name() or leader}
        )
    if case.handling_mode == HandlingMode.ESCALATED:
        raise CaseConflict(_("Case %(number)s is already escalated.") % {"number": case.number})
    at = timezone.now()
    case.leader = leader
    case.handling_mode = HandlingMode.ESCALATED
    for audience in (TO_LEADER, TO_CITIZEN):
        _start_progress(case, at, audience)
    event = _record(
        case,
        actor=actor,
        action="escalate",
        from_state=case.state,
        at=at,
        reason=reason,
        leader=leader.pk,
    )
    handover_notify(event, NotificationKind.ESCALATED, leader)
    return case


@transaction.atomic
def case_instruct(
    *,
    actor: User,
    case: Case,
    instruction: str,
    department: Department,
    amount: int,
    unit: str,
) -> Case:
    """The leader's instruction sets the handling unit and the limit; it replaces the
    running result clock (seed 003 投诉工作程序 (2) 呈办)."""
    case = case_lock(case)
    _open_or_conflict(case)
    _allowed(case, actor, "deadlines.instruct_case")
    instruction = _required(instruction, _("Write the instruction."))
    if amount < 1:
        raise ValidationError(_("The limit must be at least 1."))
    at = timezone.now()
    case.instruction = instruction
    if department.pk != case.department_id:
        case.department = department
        case.handler = None
    _stop(case, at, [ClockKind.RESULT])
    if (
        _start(
            case,
            ClockKind.RESULT,
            at=at,
            department=department,
            responsible=case.handler,
            variant="leader_instruction",
            amount=amount,
            unit=unit,
        )
        is None
    ):
        raise ValidationError(_("No time-limit policy covers a leader's instruction."))
    _record(
        case,
        actor=actor,
        action="instruct",
        from_state=case.state,
        at=at,
        reason=instruction,
        department=department.pk,
        amount=amount,
        unit=unit,
    )
    return case
