"""How a case ends: the result and the head's sign-off (resolve, send back, close); after
closing, the callback and the citizen's rating, and a review or rework that reopens it;
and the endings without a result (rejected, terminated, withdrawn, a lapsed pledge),
which wind up whatever was pending.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accountability.models import Department
from deadlines.models import (
    Case,
    CaseState,
    Clock,
    ClockKind,
    ExtensionRequest,
    NotificationKind,
    Suspension,
    Transfer,
)
from deadlines.services.cases._common import (
    CaseConflict,
    _allowed,
    _department_of,
    _move,
    _record,
    _required,
    _running,
    _start,
    _stop,
    case_lock,
)
from deadlines.services.messages import message_for_result
from deadlines.services.notifications import handover_notify

if TYPE_CHECKING:
    from django.contrib.auth.models import User

# -- the result and its sign-off --------------------------------------------------------


@transaction.atomic
def case_resolve(*, actor: User, case: Case, resolution: str) -> Case:
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
def case_send_back(*, actor: User, case: Case, reason: str) -> Case:
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
def case_close(*, actor: User, case: Case, note: str = "") -> Case:
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


# -- after closing: callback and rating (回访, 好差评), review, rework -------------------


# A rating at or below this, caused by the unit, reopens the case for rework (DOMAIN §10).
POOR_RATING = 2


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


@transaction.atomic
def case_rate(
    *, actor: User, case: Case, rating: int, caused_by_unit: bool, note: str = ""
) -> Case:
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
def case_request_review(*, actor: User, case: Case, reason: str) -> Case:
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


def _closed_or_conflict(case: Case) -> None:
    if case.state != CaseState.CLOSED:
        raise CaseConflict(
            _("The citizen rates a case once it is closed; case %(number)s is “%(state)s”.")
            % {"number": case.number, "state": case.get_state_display()}
        )


@transaction.atomic
def case_rating_record(
    *,
    actor: User | None,
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
        assert actor is not None, "only a rating by the citizen comes without an actor"
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
def case_callback_log(*, actor: User, case: Case, reached: bool, note: str, **data: Any) -> Case:
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
def case_rework(*, actor: User, case: Case, reason: str, **data: Any) -> Case:
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


# -- ending without a result ------------------------------------------------------------


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
    actor: User | None,
    transition: str,
    reason: str,
    missing: str,
    notice: tuple[str, Department, User] | None = None,
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
def case_lapse(*, case: Case, reason: str, responsible: User) -> Case:
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
def case_reject(*, actor: User, case: Case, reason: str) -> Case:
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
def case_terminate(*, actor: User, case: Case, reason: str) -> Case:
    """End the case without a result (the head decides)."""
    return _finish(
        case,
        actor=actor,
        transition="terminate",
        reason=reason,
        missing=_("Say why the case ends."),
    )


@transaction.atomic
def case_withdraw(*, actor: User, case: Case, reason: str) -> Case:
    """Record that the citizen withdrew the matter."""
    return _finish(
        case,
        actor=actor,
        transition="withdraw",
        reason=reason,
        missing=_("Write down how the citizen withdrew."),
    )
