"""Deciding: approval or refusal by the deciding authority, and for disciplinary kinds
the referral out and the outcome that comes back."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accountability import audit
from sanctions import authority
from sanctions.models import SanctionDecision, SanctionNotification, SanctionNotificationKind
from sanctions.services.aggregates import aggregates_fire
from sanctions.services.common import history_append, lock_decision, require

if TYPE_CHECKING:
    from django.contrib.auth.models import User
from sanctions.services.decisions._common import _move, _state


def _awaiting_done(decision: SanctionDecision) -> None:
    """Decided: the others who were told it awaited them need not look any more."""
    SanctionNotification.objects.filter(
        decision=decision,
        kind=SanctionNotificationKind.DECISION_AWAITING,
        read_at__isnull=True,
    ).update(read_at=timezone.now())


# -- approval ------------------------------------------------------------------------------


@transaction.atomic
def sanction_approve(
    *, actor: User, decision: SanctionDecision, note: str = ""
) -> SanctionDecision:
    """Approve, by the deciding authority of the chosen kinds (sanctions.authority;
    never the proposer nor anyone named in the matter). The aggregate rules on warnings
    then run for the person and the department."""
    decision = lock_decision(decision)
    require(actor, "sanctions.approve_sanction", decision)
    before = _state(decision)
    from_state = _move(decision, "approve")
    decision.decided_by = actor
    decision.decided_at = timezone.now()
    history_append(decision, actor=actor, action="approve", from_state=from_state, reason=note)
    _awaiting_done(decision)
    audit.record(
        actor=actor,
        action="sanction.approve",
        obj=decision,
        before=before,
        after=_state(decision),
        reason=note,
    )
    aggregates_fire(
        via="approve", persons=[decision.person_id], departments=[decision.department_id]
    )
    return decision


@transaction.atomic
def sanction_refuse(*, actor: User, decision: SanctionDecision, reason: str) -> SanctionDecision:
    """Refuse, with a reason; the office may propose again."""
    decision = lock_decision(decision)
    require(actor, "sanctions.approve_sanction", decision)
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason for refusing.")})
    before = _state(decision)
    from_state = _move(decision, "refuse")
    decision.decided_by = actor
    decision.decided_at = timezone.now()
    decision.refusal_reason = reason.strip()
    history_append(decision, actor=actor, action="refuse", from_state=from_state, reason=reason)
    _awaiting_done(decision)
    audit.record(
        actor=actor,
        action="sanction.refuse",
        obj=decision,
        before=before,
        after=_state(decision),
        reason=reason,
    )
    return decision


# -- referral (discipline and criminal matters, seed 000 §11(4), §13) ----------------------


@transaction.atomic
def sanction_refer(
    *,
    actor: User,
    decision: SanctionDecision,
    referred_to: str,
    referred_at: datetime | None = None,
    note: str = "",
) -> SanctionDecision:
    """Record that a decision with disciplinary kinds (or a referral) went out to the body
    that decides it (the discipline inspection commission, the judiciary): to whom and
    when. The portal approves nothing here."""
    decision = lock_decision(decision)
    require(actor, "sanctions.record_referral", decision)
    if authority.authority_for(decision.chosen_kinds) != authority.Authority.REFERRED:
        raise ValidationError(authority.who_decides(decision))
    referred_to = referred_to.strip()
    if not referred_to:
        raise ValidationError({"referred_to": _("Say to whom the matter was referred.")})
    before = _state(decision)
    from_state = _move(decision, "refer")
    decision.referred_to = referred_to
    decision.referred_at = referred_at or timezone.now()
    history_append(
        decision,
        actor=actor,
        action="refer",
        from_state=from_state,
        at=decision.referred_at,
        reason=note,
        referred_to=referred_to,
    )
    audit.record(
        actor=actor,
        action="sanction.refer",
        obj=decision,
        before=before,
        after=_state(decision),
        reason=note,
    )
    return decision


@transaction.atomic
def referral_outcome_record(
    *,
    actor: User,
    decision: SanctionDecision,
    sanctioned: bool,
    outcome: str,
    received_at: datetime | None = None,
) -> SanctionDecision:
    """Record what the body the matter was referred to decided: a sanction imposed (the
    decision then stands, from that day) or none (the office may propose again)."""
    decision = lock_decision(decision)
    require(actor, "sanctions.record_referral", decision)
    outcome = outcome.strip()
    if not outcome:
        raise ValidationError({"outcome": _("Write down what was decided.")})
    before = _state(decision)
    from_state = _move(decision, "referral_sanctioned" if sanctioned else "referral_not_sanctioned")
    decision.referral_outcome = outcome
    decision.referral_outcome_at = received_at or timezone.now()
    decision.decided_at = decision.referral_outcome_at  # decided elsewhere: decided_by empty
    if sanctioned:
        decision.completed_at = decision.referral_outcome_at
    history_append(
        decision,
        actor=actor,
        action="referral_outcome",
        from_state=from_state,
        at=decision.referral_outcome_at,
        reason=outcome,
        sanctioned=sanctioned,
    )
    audit.record(
        actor=actor,
        action="sanction.referral_outcome",
        obj=decision,
        before=before,
        after=_state(decision),
        reason=outcome,
    )
    if sanctioned:
        aggregates_fire(
            via="approve", persons=[decision.person_id], departments=[decision.department_id]
        )
    return decision
