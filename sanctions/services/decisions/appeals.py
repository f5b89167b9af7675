"""Appeals and reviews recorded against a decision; a review that quashes or varies it
reconciles the aggregate rules at once."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accountability import audit
from sanctions.models import Appeal, AppealKind, Review, ReviewOutcome, SanctionDecision
from sanctions.services.aggregates import aggregates_reconcile
from sanctions.services.common import SanctionConflict, history_append, require

if TYPE_CHECKING:
    from django.contrib.auth.models import User
from sanctions.services.decisions._common import _clean_kinds

# -- appeals and reviews ----------------------------------------------------------------------


@transaction.atomic
def appeal_record(
    *,
    actor: User,
    decision: SanctionDecision,
    kind: str,
    grounds: str,
    filed_at: datetime | None = None,
) -> Appeal:
    """Record an appeal by the person sanctioned, or a complainant's request for review."""
    decision = SanctionDecision.objects.select_for_update().get(pk=decision.pk)
    require(actor, "sanctions.record_appeal", decision)
    if kind not in AppealKind.values:
        raise ValidationError({"kind": _("Choose the kind of appeal.")})
    if not grounds.strip():
        raise ValidationError({"grounds": _("Write down the grounds.")})
    if not decision.is_standing:
        raise SanctionConflict(_("Only an approved decision can be appealed."))
    appeal = Appeal.objects.create(
        decision=decision,
        kind=kind,
        grounds=grounds.strip(),
        filed_at=filed_at or timezone.now(),
        recorded_by=actor,
    )
    history_append(
        decision, actor=actor, action="appeal", from_state=decision.state, appeal=appeal.pk
    )
    audit.record(actor=actor, action="sanction.appeal", obj=appeal, after=audit.snapshot(appeal))
    return appeal


@transaction.atomic
def review_record(
    *,
    actor: User,
    decision: SanctionDecision,
    outcome: str,
    note: str,
    appeal: Appeal | None = None,
    varied_kinds: list[str] | tuple[str, ...] = (),
) -> Review:
    """Record the outcome of a review (on an appeal, or on the office's own motion): a
    quashed decision stops counting; a varied one counts with its new kinds. The
    reviewer is neither the accused nor the proposer."""
    decision = SanctionDecision.objects.select_for_update().get(pk=decision.pk)
    require(actor, "sanctions.record_review", decision)
    if outcome not in ReviewOutcome.values:
        raise ValidationError({"outcome": _("Choose the outcome of the review.")})
    if not note.strip():
        raise ValidationError({"note": _("Write down the reasons of the review.")})
    if appeal is not None and appeal.decision_id != decision.pk:
        raise ValidationError({"appeal": _("The appeal is about another decision.")})
    kinds = _clean_kinds(varied_kinds, "varied_kinds") if outcome == ReviewOutcome.VARIED else []
    if not decision.is_standing:
        raise SanctionConflict(_("Only an approved decision can be reviewed."))
    if decision.reviews.filter(outcome=ReviewOutcome.QUASHED).exists():
        raise SanctionConflict(_("This decision was quashed already."))
    review = Review.objects.create(
        decision=decision,
        appeal=appeal,
        outcome=outcome,
        note=note.strip(),
        varied_kinds=kinds,
        reviewer=actor,
    )
    history_append(
        decision,
        actor=actor,
        action="review",
        from_state=decision.state,
        outcome=outcome,
        review=review.pk,
    )
    audit.record(actor=actor, action="sanction.review", obj=review, after=audit.snapshot(review))
    if outcome != ReviewOutcome.UPHELD:
        # Quashed or reduced: it stops counting (or counts with its new kinds) at once.
        aggregates_reconcile(
            actor=actor,
            cause=_("decision #%(id)s %(outcome)s on review: %(note)s")
            % {"id": decision.pk, "outcome": review.get_outcome_display(), "note": review.note},
            records=[("decision", decision.pk)] if outcome == ReviewOutcome.QUASHED else [],
            persons=[decision.person_id],
            departments=[decision.department_id],
            now=review.at,
        )
    return review
