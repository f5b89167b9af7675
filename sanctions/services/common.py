"""Plumbing shared by the sanctions services: permission checks that also explain
recusal and maker-checker refusals, row locks that detect stale copies, history rows."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import rules
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext as _

from accountability.audit import user_or_none
from sanctions.authority import who_decides
from sanctions.models import DecisionEvent, SanctionDecision, Violation, ViolationEvent
from sanctions.rules import is_accused, is_proposer

if TYPE_CHECKING:
    from django.contrib.auth.models import User


class SanctionConflict(Exception):
    """The violation or decision changed under the user, or its state no longer allows
    the action. The message is for the user, in their language."""


def require(actor: User | None, perm: str, obj: Any = None) -> None:
    """PermissionDenied unless the rule `perm` allows `actor` on `obj`.

    The rule is asked directly (rules.has_perm), not through Django's backends: a
    superuser is granted every permission there, and an administrator is not thereby
    allowed to act on a matter about themselves or approve their own proposal."""
    if actor is None or not actor.is_authenticated:
        raise PermissionDenied(_("You are not allowed to do this."))
    if obj is not None and is_accused.test(actor, obj):
        raise PermissionDenied(
            _("You are named in this matter, so you cannot act on it (recusal).")
        )
    if (
        isinstance(obj, SanctionDecision)
        and perm in ("sanctions.approve_sanction", "sanctions.record_review")
        and is_proposer.test(actor, obj)
    ):
        raise PermissionDenied(_("You proposed this sanction, so someone else must decide on it."))
    if not rules.has_perm(perm, actor, obj):
        if perm == "sanctions.approve_sanction" and isinstance(obj, SanctionDecision):
            raise PermissionDenied(who_decides(obj))  # says who decides instead
        raise PermissionDenied(_("You are not allowed to do this."))


def lock_violation(violation: Violation) -> Violation:
    current = Violation.objects.select_for_update().get(pk=violation.pk)
    if current.version != violation.version:
        raise SanctionConflict(
            _(
                "This violation was changed by someone else while you were working on it. "
                "Look at it again and then resubmit."
            )
        )
    return current


def lock_decision(decision: SanctionDecision) -> SanctionDecision:
    current = SanctionDecision.objects.select_for_update().get(pk=decision.pk)
    if current.version != decision.version:
        raise SanctionConflict(
            _(
                "This sanction decision was changed by someone else while you were working "
                "on it. Look at it again and then resubmit."
            )
        )
    return current


def state_conflict(state_label: str) -> SanctionConflict:
    return SanctionConflict(
        _("It is “%(state)s” now, so this action no longer applies.") % {"state": state_label}
    )


# Each kind of record with its history: the event model and its foreign key to the record.
_HISTORY: dict[type[Any], tuple[type[Any], str]] = {
    Violation: (ViolationEvent, "violation"),
    SanctionDecision: (DecisionEvent, "decision"),
}


def history_append(
    subject: Violation | SanctionDecision,
    *,
    actor: User | None,
    action: str,
    from_state: str,
    at: datetime | None = None,
    reason: str = "",
    **data: Any,
) -> None:
    """Save the violation or decision with its next version and append its history event."""
    event_model, field = _HISTORY[type(subject)]
    subject.version += 1
    subject.save()
    event_model.objects.create(
        **{field: subject},
        actor=user_or_none(actor),
        action=action,
        from_state=from_state,
        to_state=subject.state,
        reason=reason,
        data=data,
        at=at or timezone.now(),
    )
