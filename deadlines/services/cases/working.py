"""A case in hand: work starts; a special procedure suspends the clocks and resuming runs
them again; an extension is asked for and decided; a logged contact with the citizen, the
first responder or a leader stops the clocks it satisfies; the steps that choose a time
limit (a complaint marked complex, the agreement on a report); and the steps other apps
record on an open case (case_log_step).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accountability.regulations import cite_code
from accountability.rules import may
from deadlines.models import (
    Case,
    Clock,
    ClockKind,
    EventAction,
    ExtensionApprover,
    ExtensionRequest,
    FeedbackEntry,
    MatterKind,
    NotificationKind,
    Suspension,
    TimeLimitPolicy,
    UnitChoices,
)
from deadlines.rules import extension_decision_perm
from deadlines.selectors.calendar import calendar_snapshot
from deadlines.services.cases._common import (
    AGREED,
    TO_CITIZEN,
    TO_LEADER,
    CaseConflict,
    _allowed,
    _department_of,
    _move,
    _open_or_conflict,
    _policy,
    _record,
    _required,
    _running,
    _start,
    _start_progress,
    _start_stage,
    _stop,
    case_lock,
)
from deadlines.services.clocks import (
    DUE_FIELDS,
    clock_extend,
    clock_extension_room,
    clock_store_due,
    clocks_pause,
    clocks_resume,
    closed_pauses,
)
from deadlines.services.messages import message_for_extension, message_for_suspension
from deadlines.services.notifications import handover_notify
from deadlines.templatetags.moments import deadline_text

if TYPE_CHECKING:
    from django.contrib.auth.models import User


@transaction.atomic
def case_start_work(*, actor: User, case: Case) -> Case:
    case = case_lock(case)
    before = _move(case, actor, "start_work")
    _record(case, actor=actor, action="start_work", from_state=before, at=timezone.now())
    return case


@transaction.atomic
def case_suspend(
    *,
    actor: User,
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
def case_resume(*, actor: User, case: Case) -> Case:
    """End the special procedure; the clocks run again with the paused time left out."""
    case = case_lock(case)
    before = _move(case, actor, "resume")
    at = timezone.now()
    Suspension.objects.filter(case=case, ended_at__isnull=True).update(ended_by=actor, ended_at=at)
    clocks_resume(list(_running(case).select_related("policy", "department")), at=at)
    _record(case, actor=actor, action="resume", from_state=before, at=at)
    return case


# -- extensions -------------------------------------------------------------------------


@transaction.atomic
def case_request_extension(
    *, actor: User, case: Case, clock: Clock, amount: int, reason: str
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


def _may_approve_extension(case: Case, actor: User, policy: TimeLimitPolicy) -> None:
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
    actor: User,
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


# -- feedback ---------------------------------------------------------------------------


@transaction.atomic
def case_log_feedback(
    *, actor: User, case: Case, audience: str, channel: str, content: str
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


# -- steps that choose a time limit -----------------------------------------------------


# The variant of a complaint its handling unit marked complex: its own result limit.
COMPLEX = "complex"


@transaction.atomic
def case_mark_complex(*, actor: User, case: Case, reason: str) -> Case:
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
def case_record_agreement(*, actor: User, case: Case, note: str) -> Case:
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


# -- steps of other apps ----------------------------------------------------------------


@transaction.atomic
def case_log_step(
    *,
    actor: User | None,
    case: Case,
    action: str,
    reason: str = "",
    start: str = "",
    responsible: User | None = None,
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
        assert responsible is not None, "a clock a step starts is owed by someone"
        _start(case, start, at=at, department=_department_of(responsible), responsible=responsible)
    _record(case, actor=actor, action=action, from_state=case.state, at=at, reason=reason, **data)
    return case
