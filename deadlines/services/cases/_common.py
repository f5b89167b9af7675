"""What every case service shares: the locked row and its stale-copy check, the state move
with its permission, the case event (the case's audit row) and the clock helpers.

Private to the package: opening, transfers, working and finishing build on it. Other code
imports CaseConflict and case_lock from deadlines.services.cases.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _
from django_fsm import can_proceed, has_transition_perm

from accountability.models import Department
from accountability.services import require_permission
from deadlines.models import (
    Case,
    CaseEvent,
    CaseState,
    Clock,
    ClockKind,
    ClockPause,
    TimeLimitPolicy,
)
from deadlines.selectors.policies import policy_for
from deadlines.services.clocks import clock_start, clocks_pause

if TYPE_CHECKING:
    from django.contrib.auth.models import User


class CaseConflict(Exception):
    """The case changed under the user (or is no longer in a state that allows the action).

    The message is for the user, in their language."""


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


def _move(case: Case, actor: User | None, transition: str, *, by_system: bool = False) -> str:
    """Run the named transition after checking state and permission (none when the system
    acts on a rule, `by_system`); return the old state."""
    method = getattr(case, transition)
    if not can_proceed(method):
        raise CaseConflict(
            _("Case %(number)s is “%(state)s” now, so this action no longer applies.")
            % {"number": case.number, "state": case.get_state_display()}
        )
    if not by_system and (actor is None or not has_transition_perm(method, actor)):
        raise PermissionDenied(_("You are not allowed to do this."))
    before = case.state
    method()
    return before


def _allowed(case: Case, actor: User, perm: str) -> None:
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
    actor: User | None,
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


def _name(person: User) -> str:
    return str(person.get_full_name() or person.get_username())


def _department_of(user: User) -> Department:
    profile = getattr(user, "staff", None)
    if profile is None:
        raise ValidationError(_("Only staff with a department can register cases."))
    return profile.department


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
    responsible: User | None,
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


def _hand_clocks_to(case: Case, handler: User | None) -> None:
    """The handling department's clocks now answer to the handler (None: to the department)."""
    _running(case, [ClockKind.RESULT, ClockKind.CLOSURE, ClockKind.REVIEW]).update(
        responsible=handler
    )


# Variants of the policies whose clock starts at a stage rather than at registration
# (DOMAIN §3): an application's promised limit runs from its acceptance, a report's
# closure from the day both sides accepted the proposed handling (seed 002 附件10 §12).
ACCEPTED = "accepted"
AGREED = "agreed"


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


# Progress-report clocks of an escalated case; the audience is the policy's variant.
TO_LEADER = "escalated_to_leader"
TO_CITIZEN = "escalated_to_citizen"


def _start_progress(case: Case, at: datetime, audience: str) -> None:
    _start(
        case,
        ClockKind.PROGRESS_REPORT,
        at=at,
        department=case.department,
        responsible=case.handler,
        variant=audience,
    )
