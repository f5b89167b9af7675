"""The proposal: what the rulebook proposes for a person responsible for a violation
(``sanction_proposal``), proposing a sanction (``sanction_propose``) and telling whoever
may decide it (``deciders_notify``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from accountability import audit
from sanctions import authority
from sanctions.engine import Proposal, ProposalFacts, propose
from sanctions.models import (
    Responsibility,
    Rule,
    SanctionDecision,
    SanctionNotification,
    SanctionNotificationKind,
    SourceKind,
    ViolationState,
)
from sanctions.services.common import SanctionConflict, history_append, require
from sanctions.services.facts import (
    not_counted_from_json,
    person_history,
    refs_from_json,
    violation_fact,
)
from sanctions.services.rulebook import rulebook_spec

if TYPE_CHECKING:
    from django.contrib.auth.models import User
from sanctions.services.decisions._common import _clean_kinds, _state

# -- the proposal ------------------------------------------------------------------------


def sanction_proposal(*, responsibility: Responsibility) -> Proposal | None:
    """What the rulebook the violation was raised under proposes for this person (a
    read: nothing is written). None when no rule applies."""
    violation = responsibility.violation
    firing = violation.firing if violation.source_kind == SourceKind.AGGREGATE else None
    facts = ProposalFacts(
        violation=violation_fact(violation, person_id=responsibility.person_id),
        counted=refs_from_json(firing.counted) if firing is not None else (),
        not_counted=not_counted_from_json(firing.not_counted) if firing is not None else (),
    )
    history = person_history(person_id=responsibility.person_id, exclude=violation.pk)
    return propose(facts, history, rulebook_spec(violation.rulebook_version))


@transaction.atomic
def sanction_propose(
    *,
    actor: User,
    responsibility: Responsibility,
    chosen_kinds: list[str] | tuple[str, ...],
    departure_reason: str = "",
) -> SanctionDecision:
    """Propose a sanction for a person responsible for a confirmed violation: the kinds
    the rulebook proposes (all of them, or one or more where it offers a choice), or
    others with the reason for departing. No rule, no sanction."""
    responsibility = Responsibility.objects.select_related(
        "violation__type",
        "violation__department",
        "violation__rulebook_version",
        "violation__firing",
    ).get(pk=responsibility.pk)
    violation = responsibility.violation
    require(actor, "sanctions.propose_sanction", violation)
    if violation.state != ViolationState.CONFIRMED:
        raise SanctionConflict(_("A sanction is proposed once the violation is confirmed."))
    chosen = _clean_kinds(chosen_kinds, "chosen_kinds")
    proposal = sanction_proposal(responsibility=responsibility)
    if proposal is None or proposal.rule_id is None:
        raise ValidationError(
            _("No rule of the rulebook applies to this violation, so no sanction can be proposed.")
        )
    departure_reason = departure_reason.strip()
    if not proposal.allows(chosen) and not departure_reason:
        raise ValidationError(
            {
                "departure_reason": _(
                    "The sanctions chosen depart from the rulebook's proposal: give the reason."
                )
            }
        )
    if proposal.allows(chosen):
        departure_reason = ""
    decision = SanctionDecision(
        violation=violation,
        responsibility=responsibility,
        person_id=responsibility.person_id,
        department=violation.department,
        rulebook_version=violation.rulebook_version,
        rule=Rule.objects.get(pk=proposal.rule_id),
        proposed_kinds=list(proposal.kinds),
        proposal_mode=proposal.mode,
        explanation=proposal.explanation,
        counted=[ref.as_json() for ref in proposal.counted],
        chosen_kinds=chosen,
        subject_is_department=proposal.subject_is_department,
        departure_reason=departure_reason,
        proposed_by=actor,
        version=0,
    )
    try:
        with transaction.atomic():
            decision.save()
    except IntegrityError as error:
        raise SanctionConflict(
            _("A sanction for this person and violation is pending or decided already.")
        ) from error
    history_append(
        decision,
        actor=actor,
        action="propose",
        from_state="",
        reason=departure_reason,
        rule=proposal.rule_number,
        kinds=chosen,
    )
    audit.record(
        actor=actor,
        action="sanction.propose",
        obj=decision,
        after=_state(decision),
        reason=departure_reason or proposal.explanation,
    )
    deciders_notify(decision=decision)
    return decision


def deciders_notify(*, decision: SanctionDecision) -> list[SanctionNotification]:
    """Tell each person who may decide the proposed decision that it awaits them (once
    per person; a referred decision waits for nobody)."""
    return [
        SanctionNotification.objects.get_or_create(
            recipient=decider,
            decision=decision,
            kind=SanctionNotificationKind.DECISION_AWAITING,
            defaults={"created_at": decision.proposed_at},
        )[0]
        for decider in authority.deciders_for(decision)
    ]
