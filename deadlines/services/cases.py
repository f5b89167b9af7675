"""Every change to a case: open, accept, transfer, suspend, extend, resolve, close, ….

Each service locks the case row, refuses a stale copy (someone else acted first), checks
the actor's permission, moves the state, records a case event and starts, stops, pauses
or extends the clocks, all in one transaction. The case event is the case's audit row.

Pages pass the case as they showed it (with its ``version``); a service that finds a
newer version raises CaseConflict, and the page shows the message with the user's
entries kept.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django_fsm import can_proceed, has_transition_perm

from accountability import audit
from accountability.models import Department
from accountability.regulations import cite_code
from accountability.roles import Role
from accountability.rules import has_role, may
from accountability.selectors import who_covers
from accountability.services import require_permission
from deadlines import lookup
from deadlines.models import (
    ENDED_STATES,
    Case,
    CaseEvent,
    CaseState,
    Clock,
    ClockKind,
    ClockPause,
    EventAction,
    ExtensionApprover,
    ExtensionRequest,
    FeedbackEntry,
    HandlingMode,
    MatterKind,
    NotificationKind,
    Suspension,
    TimeLimitPolicy,
    Transfer,
    UnitChoices,
)
from deadlines.models.cases import CaseSequence
from deadlines.rules import extension_decision_perm
from deadlines.selectors.calendar import calendar_snapshot
from deadlines.selectors.policies import policy_for
from deadlines.services.clocks import (
    DUE_FIELDS,
    clock_extend,
    clock_extension_room,
    clock_start,
    clock_store_due,
    clocks_pause,
    clocks_resume,
    closed_pauses,
)
from deadlines.services.messages import (
    message_for_extension,
    message_for_receipt,
    message_for_result,
    message_for_suspension,
)
from deadlines.services.notifications import handover_notify
from deadlines.templatetags.moments import deadline_text

# A rating at or below this, caused by the unit, reopens the case for rework (DOMAIN §10).
POOR_RATING = 2

# Progress-report clocks of an escalated case; the audience is the policy's variant.
TO_LEADER = "escalated_to_leader"
TO_CITIZEN = "escalated_to_citizen"


class CaseConflict(Exception):
    """The case changed under the user (or is no longer in a state that allows the action).

    The message is for the user, in their language."""


# -- plumbing ---------------------------------------------------------------------------


def _next_number(year: int) -> str:
    """The next number of `year`, safe when two cases open at once: one upsert bumps the
    year's counter under its row lock, and the counter is part of the transaction."""
    table = CaseSequence._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (year, last) VALUES (%s, 1) "
            f"ON CONFLICT (year) DO UPDATE SET last = {table}.last + 1 RETURNING last",
            [year],
        )
        (last,) = cursor.fetchone()
    return f"{year}-{last:06d}"


def case_lock(case: Case) -> Case:
    """The case row, locked until the transaction ends; CaseConflict if `case` is stale."""
    # No join in the locking query: a waiting action re-reads only the case row, so a
    # transfer that moved the case to another department makes it a conflict, not a miss.
    current = Case.objects.select_for_update().get(pk=case.pk)
    if current.version != case.version:
        raise CaseConflict(
            _(
                "Case %(number)s was changed by someone else while you were working on it. "
                "Your entries are kept below: look at the case again and then resubmit."
            )
            % {"number": current.number}
        )
    return current


def _move(case: Case, actor: Any, transition: str, *, by_system: bool = False) -> str:
    """Run the named transition after checking state and permission (none when the system
    acts on a rule, `by_system`); return the old state."""
    method = getattr(case, transition)
    if not can_proceed(method):
        raise CaseConflict(
            _("Case %(number)s is “%(state)s” now, so this action no longer applies.")
            % {"number": case.number, "state": case.get_state_display()}
        )
    if not by_system and not has_transition_perm(method, actor):
        raise PermissionDenied(_("You are not allowed to do this."))
    before = case.state
    method()
    return before


def _allowed(case: Case, actor: Any, perm: str) -> None:
    require_permission(actor, perm, case)


def _open_or_conflict(case: Case) -> None:
    if case.is_ended:
        raise CaseConflict(
            _("Case %(number)s is “%(state)s” now, so this action no longer applies.")
            % {"number": case.number, "state": case.get_state_display()}
        )


def _record(
    case: Case,
    *,
    actor: Any,
    action: str,
    from_state: str,
    at: datetime,
    reason: str = "",
    **data: Any,
) -> CaseEvent:
    """Save the case with its next version and append the event."""
    case.version += 1
    case.save()
    return CaseEvent.objects.create(
        case=case,
        actor=actor,
        action=action,
        from_state=from_state,
        to_state=case.state,
        reason=reason,
        data=data,
        at=at,
    )


def _required(value: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError(message)
    return value


def _staff_of(user: Any, department: Department) -> None:
    profile = getattr(user, "staff", None)
    if profile is None or profile.department_id != department.pk:
        raise ValidationError(
            _("%(person)s is not on the staff of %(department)s.")
            % {"person": user.get_full_name() or user.get_username(), "department": department}
        )


def _name(person: Any) -> str:
    return str(person.get_full_name() or person.get_username())


def _not_accused(case: Case, person: Any) -> None:
    """Recusal (seed 002 附件10 §6): nobody handles a complaint about themselves."""
    if person is not None and person.pk in case.accused_ids:
        raise ValidationError(
            _(
                "%(person)s is named in the complaint on case %(number)s and cannot handle, "
                "supervise or be given it (recusal)."
            )
            % {"person": _name(person), "number": case.number}
        )


def _handler_for(case: Case, handler: Any, at: datetime) -> tuple[Any, dict[str, Any]]:
    """The handler who gets the case (or their substitute), neither of them accused."""
    _not_accused(case, handler)
    person, cover = _covering(handler, at)
    _not_accused(case, person)
    return person, cover


def _covering(handler: Any, at: datetime) -> tuple[Any, dict[str, Any]]:
    """Who actually gets the work: the handler, or their substitute while they are away
    (同岗替代, seed 004). The event records the hand-over."""
    cover = who_covers(user=handler, at=at)
    if cover.user is None or cover.user.pk == handler.pk:
        return handler, {}
    return cover.user, {"named_handler": handler.pk, "covered_by": cover.user.pk}


# -- clocks of a case -------------------------------------------------------------------


def _policy(case: Case, kind: str, variant: str | None = None) -> TimeLimitPolicy | None:
    return policy_for(
        clock_kind=kind,
        matter_kind=case.matter_kind,
        channel=case.channel,
        urgency=case.urgency,
        service_item_code=case.service_item_code,
        variant=case.variant if variant is None else variant,
    )


def _start(
    case: Case,
    kind: str,
    *,
    at: datetime,
    department: Department,
    responsible: Any,
    variant: str | None = None,
    amount: int | None = None,
    unit: str = "",
    stage: bool = False,
) -> Clock | None:
    """Start the clock of `kind` the case's policy calls for, if any policy does. With
    `stage`, only a policy that names the variant (a stage: accepted, agreed) counts,
    not one for any variant."""
    policy = _policy(case, kind, variant)
    if policy is None or (stage and policy.variant != variant):
        return None
    clock = clock_start(
        case=case,
        kind=kind,
        policy=policy,
        department=department,
        responsible=responsible,
        started_at=at,
        amount=amount,
        unit=unit,
    )
    if case.state == CaseState.SUSPENDED:
        # Started during a special procedure: paused with the others until it ends.
        clocks_pause([clock], at=at)
    return clock


def _running(case: Case, kinds: Iterable[str] | None = None, variant: str | None = None) -> Any:
    clocks = Clock.objects.filter(case=case, stopped_at__isnull=True)
    if kinds is not None:
        clocks = clocks.filter(kind__in=list(kinds))
    if variant is not None:
        clocks = clocks.filter(policy__variant=variant)
    return clocks


def _stop(
    case: Case, at: datetime, kinds: Iterable[str] | None = None, variant: str | None = None
) -> int:
    """Stop running clocks; a paused one has its pause closed at the same moment."""
    clocks = _running(case, kinds, variant)
    ClockPause.objects.filter(clock__in=clocks, ended_at__isnull=True).update(ended_at=at)
    return clocks.update(stopped_at=at)


def _hand_clocks_to(case: Case, handler: Any) -> None:
    """The handling department's clocks now answer to the handler."""
    _running(case, [ClockKind.RESULT, ClockKind.CLOSURE, ClockKind.REVIEW]).update(
        responsible=handler
    )


# Variants of the policies whose clock starts at a stage rather than at registration
# (DOMAIN §3): an application's promised limit runs from its acceptance, a report's
# closure from the day both sides accepted the proposed handling (seed 002 附件10 §12).
ACCEPTED = "accepted"
AGREED = "agreed"
COMPLEX = "complex"


def _start_stage(case: Case, stage: str, at: datetime) -> Clock | None:
    """Start the handling department's closure clock that `stage` (a policy variant such
    as ACCEPTED or AGREED) calls for, if a policy names that stage for the case."""
    return _start(
        case,
        ClockKind.CLOSURE,
        at=at,
        department=case.department,
        responsible=case.handler,
        variant=stage,
        stage=True,
    )


def _start_on_acceptance(case: Case, at: datetime) -> Clock | None:
    """An accepted application starts its catalogue item's promised limit (承诺时限,
    seed 002 附件9 三3), once: a case accepted again after a transfer keeps its clock."""
    if Clock.objects.filter(case=case, kind=ClockKind.CLOSURE, policy__variant=ACCEPTED).exists():
        return None
    return _start_stage(case, ACCEPTED, at)


# The callback after closing (回访, DOMAIN §10): a follow-up clock selected by this stage,
# owed by the first responder, who follows the matter until the citizen has had an answer
# (seed 004 首问负责制). intake records the callback and the rating
# (intake.services.callback).
AFTER_CLOSE = "after_close"


def _start_callback(case: Case, at: datetime) -> Clock | None:
    """Start the callback clock a closing owes the citizen, if a policy names it."""
    responsible = case.first_responder
    profile = getattr(responsible, "staff", None)
    department = profile.department if profile is not None else case.department
    return _start(
        case,
        ClockKind.FOLLOW_UP,
        at=at,
        department=department,
        responsible=responsible,
        variant=AFTER_CLOSE,
        stage=True,
    )


def _stop_callback(case: Case, at: datetime) -> int:
    """The callback after closing is done (or moot): its clock stops."""
    return _stop(case, at, [ClockKind.FOLLOW_UP], AFTER_CLOSE)


def _start_rework(case: Case, at: datetime) -> Clock | None:
    """A poor rating caused by the unit: the case is worked again within 15 working days
    (the ``rework`` policy, DOMAIN §10)."""
    return _start(
        case,
        ClockKind.REVIEW,
        at=at,
        department=case.department,
        responsible=case.handler,
        variant="rework",
    )


def _department_of(user: Any) -> Department:
    profile = getattr(user, "staff", None)
    if profile is None:
        raise ValidationError(_("Only staff with a department can register cases."))
    return profile.department


# -- opening ----------------------------------------------------------------------------


@transaction.atomic
def case_open(
    *,
    actor: Any,
    department: Department,
    channel: str,
    matter_kind: str,
    subject: str,
    content: str,
    citizen_name: str,
    urgency: str = "normal",
    variant: str = "",
    service_item_code: str = "",
    citizen_phone: str = "",
    citizen_address: str = "",
    citizen_account: str = "",
    citizen_email: str = "",
) -> Case:
    """Register a case with the actor as its first responder (首问负责制) and start the
    clocks its policies call for: feedback to the citizen (the first responder's), and
    result and closure (the handling department's).

    The returned case carries ``lookup_secret`` for the receipt; it is not stored. The
    receipt also goes to the citizen by SMS (and email), its secret sealed."""
    if not (
        has_role(actor, Role.FRONT_DESK)
        or has_role(actor, Role.HANDLER)
        or has_role(actor, Role.DEPARTMENT_HEAD)
    ):
        raise PermissionDenied(_("You are not allowed to do this."))
    own_department = _department_of(actor)
    at = timezone.now()
    case = Case(
        opened_at=at,
        channel=channel,
        matter_kind=matter_kind,
        urgency=urgency,
        variant=variant,
        service_item_code=service_item_code,
        subject=subject.strip(),
        content=content.strip(),
        citizen_name=citizen_name.strip(),
        citizen_phone=citizen_phone.strip(),
        citizen_address=citizen_address.strip(),
        citizen_account=citizen_account.strip(),
        citizen_email=citizen_email.strip(),
        first_responder=actor,
        department=department,
    )
    # The state is the machine's (a protected field that full_clean would reassign).
    case.full_clean(exclude=["number", "state"])
    case.number = _next_number(timezone.localtime(at).year)
    case.lookup_secret = lookup.new_secret()  # for the receipt; only its digest is kept
    case.lookup_digest = lookup.digest(case.number, case.lookup_secret)
    case.save()
    event = CaseEvent.objects.create(
        case=case, actor=actor, action="open", from_state="", to_state=case.state, at=at
    )
    _start(case, ClockKind.FIRST_FEEDBACK, at=at, department=own_department, responsible=actor)
    for kind in (ClockKind.RESULT, ClockKind.CLOSURE):
        _start(case, kind, at=at, department=department, responsible=None)
    if department.pk != own_department.pk:
        # Handed at once to another unit (urgent matters go to dispatch): that unit owes
        # the first responder word within 40 minutes (seed 003 投诉反馈制度 (1)).
        _start(
            case,
            ClockKind.UNIT_TO_FIRST_RESPONDER,
            at=at,
            department=department,
            responsible=department.head,
        )
        handover_notify(event, NotificationKind.ARRIVED, department.head)
    message_for_receipt(actor=actor, case=case)
    return case


@transaction.atomic
def case_new_lookup_secret(*, actor: Any, case: Case) -> str:
    """Issue a new receipt secret (the citizen lost the receipt); the old one stops working."""
    case = case_lock(case)
    _allowed(case, actor, "deadlines.log_feedback")
    secret = lookup.new_secret()
    case.lookup_digest = lookup.digest(case.number, secret)
    _record(case, actor=actor, action="new_lookup_secret", from_state=case.state, at=timezone.now())
    return secret


@transaction.atomic
def case_answer(*, actor: Any, case: Case, answer: str, referred_to: str = "") -> Case:
    """The first responder answers on the spot, or, for a matter outside the utility's
    scope, records the guidance given: which body and how to reach it (seed 004 首问 三4).
    The case closes at once and still counts; the answer is the citizen's feedback."""
    case = case_lock(case)
    before = _move(case, actor, "answer")
    answer = _required(answer, _("Write down the answer given."))
    at = timezone.now()
    case.resolution, case.referred_to = answer, referred_to.strip()
    case.resolved_at = case.closed_at = at
    _stop(case, at)
    _record(
        case,
        actor=actor,
        action="answer",
        from_state=before,
        at=at,
        reason=answer,
        referred_to=case.referred_to,
    )
    return case


# -- accepting, assigning, transferring -------------------------------------------------


@transaction.atomic
def case_accept(*, actor: Any, case: Case, handler: Any | None = None) -> Case:
    """The handling department takes the case on; the handler defaults to the actor."""
    case = case_lock(case)
    before = _move(case, actor, "accept")
    handler = handler or actor
    _staff_of(handler, case.department)
    at = timezone.now()
    case.handler, cover = _handler_for(case, handler, at)
    _hand_clocks_to(case, case.handler)
    _start_on_acceptance(case, at)
    event = _record(
        case,
        actor=actor,
        action="accept",
        from_state=before,
        at=at,
        handler=case.handler.pk,
        **cover,
    )
    # Passed on to a colleague (or their substitute, who actually gets it).
    handover_notify(event, NotificationKind.HANDED_OVER, case.handler)
    return case


@transaction.atomic
def case_assign(*, actor: Any, case: Case, handler: Any, reason: str = "") -> Case:
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
    *, actor: Any, case: Case, to_department: Department, handover_note: str
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
def case_accept_transfer(*, actor: Any, case: Case, handler: Any) -> Case:
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
    case.handler, cover = _handler_for(case, handler, at)
    _hand_clocks_to(case, case.handler)
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
        action="accept_transfer",
        from_state=before,
        at=at,
        handler=case.handler.pk,
        **cover,
    )
    handover_notify(event, NotificationKind.HANDED_OVER, case.handler)
    return case


@transaction.atomic
def case_return_transfer(*, actor: Any, case: Case, reason: str) -> Case:
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


# -- steps that choose a time limit ----------------------------------------------------


@transaction.atomic
def case_mark_complex(*, actor: Any, case: Case, reason: str) -> Case:
    """The handling unit's head marks a complaint complex, with a reason: its result is
    then due in 7 days instead of 2, counted from the same start (seed 003 投诉工作程序
    (2)e). Beyond the 7 days only the supervising leader may extend it. Marked before
    the 2 days run out: a deadline already missed stays missed."""
    case = case_lock(case)
    _open_or_conflict(case)
    _allowed(case, actor, "deadlines.mark_complex")
    reason = _required(reason, _("Say what makes the complaint complex."))
    if case.matter_kind != MatterKind.COMPLAINT:
        raise ValidationError(_("Only a complaint is marked complex."))
    if case.variant == COMPLEX:
        raise ValidationError(_("This complaint is already marked complex."))
    clock = (
        _running(case, [ClockKind.RESULT])
        .select_for_update(of=("self",))
        .select_related("policy", "department")
        .first()
    )
    if clock is None:
        raise ValidationError(_("No result time limit is running on this complaint."))
    at = timezone.now()
    if clock.due_at is not None and clock.due_at < at:  # red once the due moment has passed
        raise ValidationError(
            _(
                "The result was due at %(due)s. A complaint is marked complex before its "
                "deadline; this one is overdue and stays so."
            )
            % {"due": deadline_text(clock.due_at)}
        )
    before_due = clock.due_at
    case.variant = COMPLEX
    policy = _policy(case, ClockKind.RESULT)
    if policy is None or policy.variant != COMPLEX:
        raise ValidationError(
            _("No time limit for complex complaints is in force; an administrator must add one.")
        )
    clock.policy = policy
    clock_store_due(calendar_snapshot(), clock, closed_pauses(clock))
    clock.save(update_fields=["policy", *DUE_FIELDS])
    _record(
        case,
        actor=actor,
        action=EventAction.MARK_COMPLEX,
        from_state=case.state,
        at=at,
        reason=reason,
        clock=clock.pk,
        due_before=before_due.isoformat() if before_due else None,
        due_after=clock.due_at.isoformat() if clock.due_at else None,
    )
    return case


@transaction.atomic
def case_record_agreement(*, actor: Any, case: Case, note: str) -> Case:
    """Record the day both sides accepted the proposed handling (双方认可, seed 002 附件10
    §11–§12): the matter is then closed within 30 working days of it. Recorded once."""
    case = case_lock(case)
    _open_or_conflict(case)
    _allowed(case, actor, "deadlines.record_agreement")
    note = _required(note, _("Record the proposed handling both sides accepted."))
    if case.events.filter(action=EventAction.RECORD_AGREEMENT).exists():
        raise ValidationError(_("The agreement on this case is already recorded."))
    at = timezone.now()
    if _running(case, [ClockKind.CLOSURE]).exists():
        clock = None  # a closure limit already runs (a real-name report's 30 days)
    else:
        clock = _start_stage(case, AGREED, at)
        if clock is None:
            raise ValidationError(
                _("No time limit runs from an agreement for this kind of matter.")
            )
    _record(
        case,
        actor=actor,
        action=EventAction.RECORD_AGREEMENT,
        from_state=case.state,
        at=at,
        reason=note,
        clock=clock.pk if clock else None,
    )
    return case


# -- complaints about staff -------------------------------------------------------------

# The kinds of matter that can be about a staff member (投诉, 举报).
ABOUT_STAFF_KINDS = frozenset({MatterKind.COMPLAINT, MatterKind.REPORT})


@transaction.atomic
def case_name_accused(*, actor: Any, case: Case, accused: Iterable[Any], reason: str) -> Case:
    """Record the staff member(s) a complaint or report is about. From then on the
    complainant's identity and materials are protected (deadlines.rules.may_see_complainant)
    and the people named are recused: a named handler or supervisor is taken off the case,
    and none of them can be given it again (seed 002 附件10 §5–6).

    Named people are added to those named before; naming someone twice changes nothing."""
    case = case_lock(case)
    _allowed(case, actor, "deadlines.name_accused")
    if case.matter_kind not in ABOUT_STAFF_KINDS:
        raise ValidationError(
            _(
                "Only a complaint or a report can be about a staff member; "
                "case %(number)s is “%(kind)s”."
            )
            % {"number": case.number, "kind": case.get_matter_kind_display()}
        )
    reason = _required(reason, _("Say what the complaint says about them."))
    people = list({person.pk: person for person in accused}.values())
    if not people:
        raise ValidationError(_("Name at least one staff member."))
    for person in people:
        if getattr(person, "staff", None) is None:
            raise ValidationError(
                _("%(person)s is not a staff member.") % {"person": _name(person)}
            )
    before = sorted(case.accused_ids)
    new = [person for person in people if person.pk not in before]
    if not new:
        return case
    at = timezone.now()
    case.accused.add(*new)
    named = {person.pk for person in people} | set(before)
    recused: dict[str, Any] = {}
    if case.handler_id in named:
        # The clocks the handler answered for go back to the department (its head).
        recused["handler"] = case.handler_id
        case.handler = None
        _hand_clocks_to(case, None)
    if case.supervisor_id in named:
        recused["supervisor"] = case.supervisor_id
        case.supervisor = None
    if hasattr(case, "_prefetched_objects_cache"):
        case._prefetched_objects_cache.pop("accused", None)
    after = sorted(named)
    _record(
        case,
        actor=actor,
        action="name_accused",
        from_state=case.state,
        at=at,
        reason=reason,
        accused=[person.pk for person in new],
        recused=recused,
    )
    audit.record(
        actor=actor,
        action="case.name_accused",
        obj=case,
        before={"accused": before},
        after={"accused": after, "recused": recused},
        reason=reason,
    )
    return case


def case_log_complainant_view(*, actor: Any, case: Case, where: str) -> None:
    """Log that `actor` was shown the protected identity of a complaint about staff (one
    audit row per page view, export or admin screen that showed it). Nothing is logged for
    other cases, whose identities are not protected."""
    if case.is_about_staff:
        audit.record(
            actor=actor,
            action="case.complainant_view",
            obj=case,
            after={"where": where},
        )


# -- working ----------------------------------------------------------------------------


@transaction.atomic
def case_start_work(*, actor: Any, case: Case) -> Case:
    case = case_lock(case)
    before = _move(case, actor, "start_work")
    _record(case, actor=actor, action="start_work", from_state=before, at=timezone.now())
    return case


@transaction.atomic
def case_suspend(
    *,
    actor: Any,
    case: Case,
    kind: str,
    expected_end: datetime,
    place: str,
    citizen_notice: str,
) -> Suspension:
    """Suspend for a special procedure: every running clock of the case pauses, and the
    citizen is told the time, the place, and that it does not count (DOMAIN §3)."""
    case = case_lock(case)
    before = _move(case, actor, "suspend")
    at = timezone.now()
    suspension = Suspension(
        case=case,
        kind=kind,
        expected_end=expected_end,
        place=place.strip(),
        citizen_notice=citizen_notice.strip(),
        started_by=actor,
        started_at=at,
    )
    suspension.full_clean()
    suspension.save()
    clocks_pause(list(_running(case)), at=at)
    _record(
        case,
        actor=actor,
        action="suspend",
        from_state=before,
        at=at,
        reason=suspension.citizen_notice,
        kind=kind,
        expected_end=expected_end.isoformat(),
        place=suspension.place,
    )
    # The message is the "citizen told" evidence once delivered (scans.suspensions_flag_untold).
    message_for_suspension(actor=actor, suspension=suspension)
    return suspension


@transaction.atomic
def case_resume(*, actor: Any, case: Case) -> Case:
    """End the special procedure; the clocks run again with the paused time left out."""
    case = case_lock(case)
    before = _move(case, actor, "resume")
    at = timezone.now()
    Suspension.objects.filter(case=case, ended_at__isnull=True).update(ended_by=actor, ended_at=at)
    clocks_resume(list(_running(case).select_related("policy", "department")), at=at)
    _record(case, actor=actor, action="resume", from_state=before, at=at)
    return case


@transaction.atomic
def case_request_extension(
    *, actor: Any, case: Case, clock: Clock, amount: int, reason: str
) -> ExtensionRequest:
    """Ask for more time on one clock, before its deadline, with a reason; bounded by the
    clock's policy (DOMAIN §3, §10)."""
    case = case_lock(case)
    _open_or_conflict(case)
    _allowed(case, actor, "deadlines.request_extension")
    reason = _required(reason, _("Give the reason for the extension."))
    clock = (
        Clock.objects.select_for_update(of=("self",))
        .select_related("policy__regulation", "department")
        .get(pk=clock.pk, case=case)
    )
    at = timezone.now()
    if clock.stopped_at is not None:
        raise ValidationError(_("This time limit has already stopped; there is nothing to extend."))
    if clock.due_at is None:
        raise ValidationError(_("The case is suspended; ask for an extension once it resumes."))
    if clock.due_at < at:  # red once the due moment has passed, as on every page
        raise ValidationError(
            _(
                "The deadline passed at %(due)s. An extension has to be asked for before the "
                "deadline (%(regulation)s); this one is overdue and stays so."
            )
            % {
                "due": deadline_text(clock.due_at),
                "regulation": cite_code("service-accountability-systems", "限时办结制 第六条(二)"),
            }
        )
    policy = clock.policy
    room = clock_extension_room(calendar_snapshot(), clock, closed_pauses(clock) or [])
    if room is None:
        raise ValidationError(
            _("“%(policy)s” cannot be extended: its regulation allows no extension.")
            % {"policy": policy.name}
        )
    # An unbounded room (the regulation sets no bound) has neither left nor bound.
    if room.left is not None and room.bound is not None and room.bound_unit and amount > room.left:
        bound = {
            "left": room.left,
            "unit": UnitChoices(clock.extension_unit.value).label,
            "policy": policy.name,
            "citation": policy.citation,
            "bound": room.bound,
            "bound_unit": UnitChoices(room.bound_unit.value).label,
        }
        if room.until is None:
            message = _(
                "At most %(left)s %(unit)s more can be granted on “%(policy)s”: "
                "%(citation)s allows %(bound)s %(bound_unit)s in all."
            )
        else:
            message = _(
                "At most %(left)s %(unit)s more can be granted on “%(policy)s”: "
                "%(citation)s allows %(bound)s %(bound_unit)s in all, to %(until)s."
            )
            bound["until"] = deadline_text(room.until)
        raise ValidationError(message % bound)
    if ExtensionRequest.objects.filter(
        clock=clock, decision=ExtensionRequest.Decision.PENDING
    ).exists():
        raise ValidationError(
            _("An extension of this time limit is already waiting for a decision.")
        )
    extension = ExtensionRequest(
        case=case,
        clock=clock,
        amount=amount,
        unit=clock.extension_unit.value,
        reason=reason,
        requested_by=actor,
        requested_at=at,
        due_when_requested=clock.due_at,
    )
    extension.full_clean()
    extension.save()
    event = _record(
        case,
        actor=actor,
        action="request_extension",
        from_state=case.state,
        at=at,
        reason=reason,
        clock=clock.pk,
        amount=amount,
        unit=extension.unit,
    )
    handover_notify(event, NotificationKind.EXTENSION_AWAITING, _extension_approver(case, policy))
    return extension


def _extension_approver(case: Case, policy: TimeLimitPolicy) -> Any:
    """Who decides an extension under `policy`: the person _may_approve_extension lets."""
    if policy.extension_approver == ExtensionApprover.SUPERVISING_LEADER:
        return case.department.leader()
    return case.department.head


def _may_approve_extension(case: Case, actor: Any, policy: TimeLimitPolicy) -> None:
    """The policy names the approver (deadlines.rules.extension_decision_perm)."""
    if may(actor, extension_decision_perm(policy), case):
        return
    if policy.extension_approver == ExtensionApprover.SUPERVISING_LEADER:
        raise PermissionDenied(
            _(
                "More time on “%(policy)s” is approved by the supervising leader of "
                "the handling department (%(citation)s)."
            )
            % {"policy": policy.name, "citation": policy.citation}
        )
    raise PermissionDenied(_("You are not allowed to do this."))


def _extend(extension: ExtensionRequest) -> None:
    """Move the approved extension's clock by its amount, unless it stopped meanwhile."""
    clock = (
        Clock.objects.select_for_update()
        .select_related("policy", "department")
        .get(pk=extension.clock_id)
    )
    if clock.stopped_at is not None:
        raise CaseConflict(_("This time limit has stopped since the request; nothing to extend."))
    clock_extend(clock, amount=extension.amount)


@transaction.atomic
def case_decide_extension(
    *,
    actor: Any,
    case: Case,
    extension: ExtensionRequest,
    approve: bool,
    note: str = "",
    citizen_told_at: datetime | None = None,
    notice_channel: str = "",
    notice: str = "",
) -> ExtensionRequest:
    """The head (DOMAIN §1, §3) approves or refuses an extension. Approving records the
    notice to the citizen (when, how and what they were told: the new deadline and the
    reason, seed 001 §5(六)1) as a logged contact, which stops the clocks a word to the
    citizen satisfies and is what the scan for extensions not told looks for.

    Approving also sends the citizen the new deadline by SMS (and email). With
    `notice_channel` "sms" and nothing else recorded, that message is the notice: its
    delivery is the evidence the scan looks for, and ``citizen_told_at`` is the moment it
    was issued."""
    case = case_lock(case)
    extension = (
        ExtensionRequest.objects.select_for_update(of=("self",))
        .select_related("clock__policy")
        .get(pk=extension.pk, case=case)
    )
    _may_approve_extension(case, actor, extension.clock.policy)
    if extension.decision != ExtensionRequest.Decision.PENDING:
        raise CaseConflict(_("This extension request has already been decided."))
    at = timezone.now()
    entry, stopped = None, 0
    by_message = (
        approve
        and notice_channel == FeedbackEntry.Channel.SMS
        and citizen_told_at is None
        and not (notice or "").strip()
    )
    if by_message:
        if not (case.citizen_phone or case.citizen_email):
            raise ValidationError(
                _("The citizen gave no phone number or email address to send the notice to.")
            )
        _extend(extension)
        citizen_told_at = at
    elif approve:
        if citizen_told_at is None:
            raise ValidationError(_("Record when the citizen was told of the new deadline."))
        if citizen_told_at > at:
            raise ValidationError(_("The citizen cannot have been told in the future."))
        if citizen_told_at < extension.requested_at:
            raise ValidationError(
                _("The citizen is told of an extension once it is asked for (%(asked)s).")
                % {
                    "asked": date_format(
                        timezone.localtime(extension.requested_at), "DATETIME_FORMAT"
                    )
                }
            )
        if not notice_channel:
            raise ValidationError(_("Say how the citizen was told of the new deadline."))
        notice = _required(
            notice, _("Record what the citizen was told: the new deadline and the reason.")
        )
        _extend(extension)
        entry = FeedbackEntry(
            case=case,
            audience=FeedbackEntry.Audience.CITIZEN,
            channel=notice_channel,
            content=notice,
            by=actor,
            at=citizen_told_at,
        )
        entry.full_clean()
        entry.save()
        stopped = _contact_stops(case, at, entry.audience, entry.channel)
    else:
        note = _required(note, _("Say why the extension is refused."))
    extension.decision = (
        ExtensionRequest.Decision.APPROVED if approve else ExtensionRequest.Decision.REFUSED
    )
    extension.decided_by, extension.decided_at = actor, at
    if approve:
        extension.clock.refresh_from_db(fields=["due_at"])
        messages = message_for_extension(actor=actor, extension=extension, at=at)
        if by_message and not messages:
            raise ValidationError(
                _("The citizen opted out of messages; record how else they were told.")
            )
    extension.decision_note, extension.citizen_told_at = note.strip(), citizen_told_at
    extension.citizen_notice = entry
    extension.save()
    _record(
        case,
        actor=actor,
        action="approve_extension" if approve else "refuse_extension",
        from_state=case.state,
        at=at,
        reason=extension.decision_note,
        extension=extension.pk,
        citizen_told_at=citizen_told_at.isoformat() if citizen_told_at else None,
        **({"channel": FeedbackEntry.Channel.SMS, "by_message": True} if by_message else {}),
        **(
            {"notice": entry.pk, "channel": entry.channel, "clocks_stopped": stopped}
            if entry
            else {}
        ),
    )
    return extension


@transaction.atomic
def case_log_feedback(
    *, actor: Any, case: Case, audience: str, channel: str, content: str
) -> FeedbackEntry:
    """Log a contact and stop the clocks it satisfies: a word to the citizen stops the
    feedback clocks (and, in writing, a written-notice clock); a report to the first
    responder stops the unit's clock; a progress report of an escalated case restarts its
    repeating clock."""
    case = case_lock(case)
    _allowed(case, actor, "deadlines.log_feedback")
    at = timezone.now()
    entry = FeedbackEntry(
        case=case, audience=audience, channel=channel, content=content.strip(), by=actor, at=at
    )
    entry.full_clean()
    entry.save()
    stopped = _contact_stops(case, at, audience, channel)
    _record(
        case,
        actor=actor,
        action="feedback",
        from_state=case.state,
        at=at,
        reason=entry.content,
        audience=audience,
        channel=channel,
        clocks_stopped=stopped,
    )
    return entry


def _contact_stops(case: Case, at: datetime, audience: str, channel: str) -> int:
    """Stop (at `at`) the clocks a logged contact satisfies; how many stopped."""
    A = FeedbackEntry.Audience
    stopped = 0
    if audience == A.CITIZEN:
        kinds = [ClockKind.FIRST_FEEDBACK]
        if channel == FeedbackEntry.Channel.WRITTEN:
            kinds.append(ClockKind.WRITTEN_NOTICE)
        elif channel == FeedbackEntry.Channel.PHONE:
            # A missed pledge may be told "in writing or by phone" (seed 002 附件4 §12);
            # a refusal only in writing (附件1 §8).
            stopped += _stop(case, at, [ClockKind.WRITTEN_NOTICE], "pledge_terminated")
        stopped += _stop(case, at, kinds)
        stopped += _restart_progress(case, at, TO_CITIZEN)
    elif audience == A.FIRST_RESPONDER:
        stopped += _stop(case, at, [ClockKind.UNIT_TO_FIRST_RESPONDER])
    elif audience == A.LEADER:
        stopped += _restart_progress(case, at, TO_LEADER)
    return stopped


def _restart_progress(case: Case, at: datetime, audience: str) -> int:
    stopped = _stop(case, at, [ClockKind.PROGRESS_REPORT], variant=audience)
    if stopped and not case.is_ended:
        _start_progress(case, at, audience)
    return stopped


def _start_progress(case: Case, at: datetime, audience: str) -> None:
    _start(
        case,
        ClockKind.PROGRESS_REPORT,
        at=at,
        department=case.department,
        responsible=case.handler,
        variant=audience,
    )


# -- handling modes ---------------------------------------------------------------------


@transaction.atomic
def case_supervise(*, actor: Any, case: Case, supervisor: Any, reason: str) -> Case:
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
def case_escalate(*, actor: Any, case: Case, leader: Any, reason: str) -> Case:
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
    actor: Any,
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


# -- finishing --------------------------------------------------------------------------


@transaction.atomic
def case_resolve(*, actor: Any, case: Case, resolution: str) -> Case:
    """Record the result; the result and review clocks stop. The head signs off next."""
    case = case_lock(case)
    before = _move(case, actor, "resolve")
    resolution = _required(resolution, _("Write down the result."))
    at = timezone.now()
    case.resolution, case.resolved_at = resolution, at
    _stop(case, at, [ClockKind.RESULT, ClockKind.REVIEW])
    event = _record(
        case, actor=actor, action="resolve", from_state=before, at=at, reason=resolution
    )
    handover_notify(event, NotificationKind.SIGN_OFF_AWAITING, case.department.head)
    return case


@transaction.atomic
def case_send_back(*, actor: Any, case: Case, reason: str) -> Case:
    """The head does not sign off and sends the case back to the handler."""
    case = case_lock(case)
    before = _move(case, actor, "send_back")
    reason = _required(reason, _("Say what is missing from the result."))
    at = timezone.now()
    # The result (or review answer) is owed again, by the deadline it had.
    Clock.objects.filter(
        case=case, kind__in=[ClockKind.RESULT, ClockKind.REVIEW], stopped_at=case.resolved_at
    ).update(stopped_at=None)
    case.resolution, case.resolved_at = "", None
    event = _record(case, actor=actor, action="send_back", from_state=before, at=at, reason=reason)
    handover_notify(event, NotificationKind.SENT_BACK, case.handler)
    return case


@transaction.atomic
def case_close(*, actor: Any, case: Case, note: str = "") -> Case:
    """The head signs off and the case is archived. Its clocks stop, except a feedback
    clock: the first responder still owes the citizen an answer until one is logged."""
    case = case_lock(case)
    before = _move(case, actor, "close")
    at = timezone.now()
    case.closed_at = at
    _running(case).exclude(kind=ClockKind.FIRST_FEEDBACK).update(stopped_at=at)
    # Every closing, a reworked case's second one too, owes the citizen a callback.
    _start_callback(case, at)
    _record(case, actor=actor, action="close", from_state=before, at=at, reason=note.strip())
    if case.resolution.strip():
        message_for_result(actor=actor, case=case, at=at)
    return case


@transaction.atomic
def case_rate(*, actor: Any, case: Case, rating: int, caused_by_unit: bool, note: str = "") -> Case:
    """Record the citizen's rating from the callback (好差评, five grades). A poor rating
    caused by the unit reopens the case for rework within 15 working days (DOMAIN §10)."""
    case = case_lock(case)
    _allowed(case, actor, "deadlines.rate_case")
    if case.state != CaseState.CLOSED:
        raise CaseConflict(
            _("The citizen rates a case once it is closed; case %(number)s is “%(state)s”.")
            % {"number": case.number, "state": case.get_state_display()}
        )
    if case.rated_at is not None and case.closed_at is not None and case.rated_at >= case.closed_at:
        raise CaseConflict(
            _("Case %(number)s has been rated since it was closed.") % {"number": case.number}
        )
    if rating not in range(1, 6):
        raise ValidationError(_("A rating is from 1 (very poor) to 5 (very good)."))
    at = timezone.now()
    case.rating, case.rated_at = rating, at
    before = case.state
    _stop_callback(case, at)
    rework = rating <= POOR_RATING and caused_by_unit
    if rework:
        case.reopen()
        case.closed_at = None
        _start_rework(case, at)
    _record(
        case,
        actor=actor,
        action="rate",
        from_state=before,
        at=at,
        reason=note.strip(),
        rating=rating,
        caused_by_unit=caused_by_unit,
    )
    return case


@transaction.atomic
def case_request_review(*, actor: Any, case: Case, reason: str) -> Case:
    """The citizen asks for a review of the result: answered within 30 days (seed 001
    §5(六)3; seed 002 附件10 §4)."""
    case = case_lock(case)
    before = _move(case, actor, "reopen")
    reason = _required(reason, _("Write down what the citizen disputes."))
    at = timezone.now()
    case.closed_at = None
    _stop_callback(case, at)
    _start(case, ClockKind.REVIEW, at=at, department=case.department, responsible=case.handler)
    _record(case, actor=actor, action="request_review", from_state=before, at=at, reason=reason)
    return case


# -- callback and rating (回访, 好差评; intake.services.callback calls these) -----------


def _closed_or_conflict(case: Case) -> None:
    if case.state != CaseState.CLOSED:
        raise CaseConflict(
            _("The citizen rates a case once it is closed; case %(number)s is “%(state)s”.")
            % {"number": case.number, "state": case.get_state_display()}
        )


@transaction.atomic
def case_rating_record(
    *,
    actor: Any,
    case: Case,
    rating: int,
    note: str = "",
    correction: bool = False,
    by_citizen: bool = False,
    **data: Any,
) -> Case:
    """Put the citizen's grade on the closed case: from the callback call (``actor``, who
    may rate the case), or by the citizen through a rating link (``by_citizen``: no actor;
    the caller has checked the link). The callback clock stops. A ``correction`` (误评)
    replaces the grade given since the closing; otherwise a second grade is a conflict.
    Whether a poor grade reopens the case is the head's call (case_rework)."""
    case = case_lock(case)
    if not by_citizen:
        _allowed(case, actor, "deadlines.rate_case")
    _closed_or_conflict(case)
    rated_since_close = (
        case.rated_at is not None and case.closed_at is not None and case.rated_at >= case.closed_at
    )
    if rated_since_close and not correction:
        raise CaseConflict(
            _("Case %(number)s has been rated since it was closed.") % {"number": case.number}
        )
    if correction and not rated_since_close:
        raise CaseConflict(
            _("Case %(number)s has no grade since its closing to correct.")
            % {"number": case.number}
        )
    if rating not in range(1, 6):
        raise ValidationError(_("A rating is from 1 (very poor) to 5 (very good)."))
    at = timezone.now()
    case.rating, case.rated_at = rating, at
    stopped = _stop_callback(case, at)
    _record(
        case,
        actor=actor,
        action="rate",
        from_state=case.state,
        at=at,
        reason=note.strip(),
        rating=rating,
        correction=correction,
        by_citizen=by_citizen,
        clocks_stopped=stopped,
        **data,
    )
    return case


@transaction.atomic
def case_callback_log(*, actor: Any, case: Case, reached: bool, note: str, **data: Any) -> Case:
    """A callback call after closing that gave no grade: the citizen, reached, declined to
    rate (the callback is done and its clock stops), or was not reached (it runs on)."""
    case = case_lock(case)
    _allowed(case, actor, "deadlines.rate_case")
    _closed_or_conflict(case)
    note = _required(note, _("Write down what came of the call."))
    at = timezone.now()
    stopped = _stop_callback(case, at) if reached else 0
    _record(
        case,
        actor=actor,
        action="callback",
        from_state=case.state,
        at=at,
        reason=note,
        reached=reached,
        clocks_stopped=stopped,
        **data,
    )
    return case


@transaction.atomic
def case_rework(*, actor: Any, case: Case, reason: str, **data: Any) -> Case:
    """The head found a poor grade to be the unit's fault (DOMAIN §10): the case reopens
    for rework within 15 working days, and its next closing owes a second callback. The
    caller checks that the actor may verify the grade."""
    case = case_lock(case)
    before = _move(case, actor, "reopen")
    reason = _required(reason, _("Say why the poor grade is the unit's fault."))
    at = timezone.now()
    case.closed_at = None
    _stop_callback(case, at)
    clock = _start_rework(case, at)
    _record(
        case,
        actor=actor,
        action="rate",
        from_state=before,
        at=at,
        reason=reason,
        rating=case.rating,
        caused_by_unit=True,
        rework_clock=clock.pk if clock is not None else None,
        **data,
    )
    return case


def _end(case: Case, at: datetime) -> None:
    """Wind up what was pending when a case ends; no one decided it, and the note says so."""
    ended = _("The case ended before a decision.")
    Suspension.objects.filter(case=case, ended_at__isnull=True).update(ended_at=at)
    Transfer.objects.filter(case=case, outcome=Transfer.Outcome.PENDING).update(
        outcome=Transfer.Outcome.RETURNED, decided_at=at, return_reason=ended
    )
    ExtensionRequest.objects.filter(case=case, decision=ExtensionRequest.Decision.PENDING).update(
        decision=ExtensionRequest.Decision.REFUSED, decided_at=at, decision_note=ended
    )


def _finish(
    case: Case,
    *,
    actor: Any,
    transition: str,
    reason: str,
    missing: str,
    notice: tuple[str, Department, Any] | None = None,
    by_system: bool = False,
) -> Case:
    """End a case without a result: every clock stops and what was pending is wound up.
    `notice` (variant, department, responsible) starts the written-notice clock the
    citizen is then owed."""
    case = case_lock(case)
    before = _move(case, actor, transition, by_system=by_system)
    reason = _required(reason, missing)
    at = timezone.now()
    _stop(case, at)
    _end(case, at)
    if notice is not None:
        variant, department, responsible = notice
        _start(
            case,
            ClockKind.WRITTEN_NOTICE,
            at=at,
            department=department,
            responsible=responsible,
            variant=variant,
        )
    _record(case, actor=actor, action=transition, from_state=before, at=at, reason=reason)
    return case


@transaction.atomic
def case_lapse(*, case: Case, reason: str, responsible: Any) -> Case:
    """End the case because the citizen missed a pledged deadline (容缺, seed 002 附件4
    §12). The system acts, so no permission applies; `responsible` owes the citizen the
    notice, in writing or by phone, within 3 working days."""
    return _finish(
        case,
        actor=None,
        transition="terminate",
        reason=reason,
        missing=_("Say why the case ends."),
        notice=("pledge_terminated", case.department, responsible),
        by_system=True,
    )


@transaction.atomic
def case_log_step(
    *,
    actor: Any,
    case: Case,
    action: str,
    reason: str = "",
    start: str = "",
    responsible: Any = None,
    stop: Iterable[str] = (),
    **data: Any,
) -> Case:
    """Record a step another app takes on an open case without moving its state (a
    one-time notice, a pledge, an appointment): one event, and the clock of kind `start`
    it owes `responsible`, or the clocks of the kinds in `stop` it satisfies. The caller
    has checked the actor's permission for its own step."""
    case = case_lock(case)
    _open_or_conflict(case)
    at = timezone.now()
    if stop:
        _stop(case, at, list(stop))
    if start:
        _start(case, start, at=at, department=_department_of(responsible), responsible=responsible)
    _record(case, actor=actor, action=action, from_state=case.state, at=at, reason=reason, **data)
    return case


@transaction.atomic
def case_reject(*, actor: Any, case: Case, reason: str) -> Case:
    """Refuse the case with its legal reason (rejection filing, seed 002 附件1)."""
    # The citizen is owed the refusal in writing within 3 working days (seed 002 附件1
    # §8): that clock runs until a written answer is logged.
    return _finish(
        case,
        actor=actor,
        transition="reject",
        reason=reason,
        missing=_("Give the legal reason for the refusal."),
        notice=("rejection", _department_of(actor), actor),
    )


@transaction.atomic
def case_terminate(*, actor: Any, case: Case, reason: str) -> Case:
    """End the case without a result (the head decides)."""
    return _finish(
        case,
        actor=actor,
        transition="terminate",
        reason=reason,
        missing=_("Say why the case ends."),
    )


@transaction.atomic
def case_withdraw(*, actor: Any, case: Case, reason: str) -> Case:
    """Record that the citizen withdrew the matter."""
    return _finish(
        case,
        actor=actor,
        transition="withdraw",
        reason=reason,
        missing=_("Write down how the citizen withdrew."),
    )


# -- clocks the limit selection calls for on cases opened before it ---------------------


def _accepted_at(case: Case) -> datetime | None:
    """When the case was first accepted, from its prefetched events; None if never."""
    moments = [
        event.at
        for event in case.events.all()
        if event.action in (EventAction.ACCEPT, EventAction.ACCEPT_TRANSFER)
    ]
    return min(moments, default=None)


def clocks_start_missing() -> Counter[str]:
    """Start, on every open case, the clocks today's limit selection calls for and the
    case lacks: the clocks registration starts, and an accepted application's promised
    limit. Each starts from the case's acceptance (its registration if never accepted),
    so no time is gained or lost by the late start; each is a case event. Run after the
    policies and the catalogue are loaded; safe to repeat. Returns the count per policy."""
    started: Counter[str] = Counter()
    cases = (
        Case.objects.exclude(state__in=ENDED_STATES)
        .select_related("department", "first_responder__staff__department", "handler")
        .prefetch_related("clocks", "events")
        .order_by("pk")
    )
    for case in cases.iterator(chunk_size=200):
        present = {clock.kind for clock in case.clocks.all()}
        if {ClockKind.FIRST_FEEDBACK, ClockKind.RESULT, ClockKind.CLOSURE} <= present:
            continue
        accepted_at = _accepted_at(case)
        at = accepted_at or case.opened_at
        own = case.first_responder.staff.department
        wanted: list[tuple[str, str | None, Department, Any]] = [
            (ClockKind.FIRST_FEEDBACK, None, own, case.first_responder),
            (ClockKind.RESULT, None, case.department, case.handler),
            (ClockKind.CLOSURE, None, case.department, case.handler),
        ]
        if accepted_at is not None:
            wanted.append((ClockKind.CLOSURE, ACCEPTED, case.department, case.handler))
        with transaction.atomic():
            for kind, variant, department, responsible in wanted:
                if kind in present:
                    continue
                clock = _start(
                    case,
                    kind,
                    at=at,
                    department=department,
                    responsible=responsible,
                    variant=variant,
                    stage=variant is not None,
                )
                if clock is None:
                    continue
                present.add(kind)
                started[clock.policy.code] += 1
                _record(
                    case,
                    actor=None,
                    action=EventAction.START_CLOCK,
                    from_state=case.state,
                    at=timezone.now(),
                    reason=_("Started when the limit selection was brought up to date."),
                    clock=clock.pk,
                    started_at=at.isoformat(),
                )
    return started
