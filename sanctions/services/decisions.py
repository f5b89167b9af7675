"""Sanction decisions and their procedure (seed 004 告诫程序 1–3; DOMAIN §7):

propose (the inspection office, from the rulebook's proposal, or departing from it with
a recorded reason; whoever must decide is notified) → approve or refuse (by the deciding
authority of sanctions.authority, never the proposer) → serve (a written warning's
numbered notice signed by the leading group's principal leader; the unit head told) →
written self-criticism within 7 days, countersigned by the unit head → completed.
Disciplinary kinds are referred out instead: the referral and, later, its outcome are
recorded. Appeals and reviews are recorded against a decision.

Nobody named in the matter (the violation's staff member or anyone responsible for it)
acts on it; the checks are sanctions.rules predicates, and the maker-checker and
self-approval rules are database constraints too.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import can_proceed

from accountability import audit
from accountability.roles import Role
from accountability.rules import has_role
from deadlines.selectors.calendar import calendar_snapshot
from deadlines.worktime import EndRule, Unit, compute_due
from sanctions import authority
from sanctions.engine import LOCAL_TZ, Proposal, ProposalFacts, propose
from sanctions.models import (
    Appeal,
    AppealKind,
    DecisionState,
    Responsibility,
    Review,
    ReviewOutcome,
    Rule,
    SanctionDecision,
    SanctionKind,
    SanctionNotification,
    SanctionNotificationKind,
    SourceKind,
    ViolationState,
    WarningNoticeSequence,
)
from sanctions.services.aggregates import aggregates_fire, aggregates_reconcile
from sanctions.services.common import (
    SanctionConflict,
    history_append,
    lock_decision,
    require,
    state_conflict,
)
from sanctions.services.facts import (
    not_counted_from_json,
    person_history,
    refs_from_json,
    violation_fact,
)
from sanctions.services.rulebook import rulebook_spec

if TYPE_CHECKING:
    from django.contrib.auth.models import User

# Seed 004 告诫程序 3: the written self-criticism within 7 days of the warning notice.
SELF_CRITICISM_DAYS = 7


def self_criticism_due(served_at: datetime) -> datetime:
    """When the written self-criticism is due: 7 days counted as the Civil Code counts a
    period (民法典 §201–§203, DOMAIN §3) by the working-time engine: from the day after
    the notice is received, to 24:00 of the seventh day, rolled to the next working day
    when that day is a rest day (a weekend or holiday that is not a make-up day)."""
    return compute_due(
        calendar_snapshot(),
        start=served_at,
        amount=SELF_CRITICISM_DAYS,
        unit=Unit.CALENDAR_DAYS,
        end=EndRule.MIDNIGHT,
        roll_off_rest_days=True,
    ).at


FIELDS = [
    "state",
    "referred_to",
    "referred_at",
    "referral_outcome_at",
    "chosen_kinds",
    "departure_reason",
    "decided_by",
    "decided_at",
    "notice_number",
    "served_at",
    "self_criticism_received_at",
    "self_criticism_late",
    "completed_at",
]


def _state(decision: SanctionDecision) -> dict[str, Any]:
    return audit.snapshot(decision, fields=FIELDS)


def _move(decision: SanctionDecision, transition: str) -> str:
    method = getattr(decision, transition)
    if not can_proceed(method):
        raise state_conflict(decision.get_state_display())
    before = decision.state
    method()
    return before


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


def _clean_kinds(kinds: list[str] | tuple[str, ...], field: str) -> list[str]:
    chosen = list(dict.fromkeys(kinds))  # unique, in the order given
    if not chosen:
        raise ValidationError({field: _("Choose at least one sanction.")})
    unknown = [kind for kind in chosen if kind not in SanctionKind.values]
    if unknown:
        raise ValidationError({field: _("Choose sanctions from the list.")})
    return chosen


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


# -- serving and the self-criticism -----------------------------------------------------------


def _next_notice_number(year: int) -> str:
    """The next warning notice number of `year` (GJ2026-0001), safe when two are served
    at once: one upsert bumps the year's counter under its row lock."""
    table = WarningNoticeSequence._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (year, last) VALUES (%s, 1) "
            f"ON CONFLICT (year) DO UPDATE SET last = {table}.last + 1 RETURNING last",
            [year],
        )
        (last,) = cursor.fetchone()
    return f"GJ{year}-{last:04d}"


def unit_head_of(decision: SanctionDecision) -> Any:
    """The head of the person's unit (办、站负责人): the violation's department head, or
    the supervising leader when the person is the head."""
    department = decision.violation.department
    if department.head_id is not None and department.head_id != decision.person_id:
        return department.head
    return department.leader()


@transaction.atomic
def sanction_serve(
    *,
    actor: User,
    decision: SanctionDecision,
    signed_by: Any,
    served_at: datetime | None = None,
) -> SanctionDecision:
    """Hand the decision to the person: a written warning gets the next warning notice
    number (告诫通知书), signed by the leading group's principal leader (seed 004 告诫程序
    3); another decision is signed by whoever decided it or a leader (the decider when
    none is named). The unit head is told; a written self-criticism falls due 7 days
    later."""
    decision = lock_decision(decision)
    require(actor, "sanctions.serve_sanction", decision)
    if SanctionKind.WRITTEN_WARNING in decision.chosen_kinds:
        principal = authority.principal_leader()
        if principal is None:
            raise ValidationError(
                {
                    "signed_by": _(
                        "The efficiency leading group has no principal leader to sign the "
                        "warning notice: ask the administrator to name the group."
                    )
                }
            )
        if signed_by is None or signed_by.pk != principal.pk:
            raise ValidationError(
                {
                    "signed_by": _(
                        "The written warning notice is signed by the efficiency leading "
                        "group's principal leader, %(name)s."
                    )
                    % {"name": principal.get_full_name() or principal.get_username()}
                }
            )
    else:
        signed_by = signed_by or decision.decided_by
        if signed_by is None or (
            signed_by.pk != decision.decided_by_id and not has_role(signed_by, Role.LEADERSHIP)
        ):
            raise ValidationError(
                {"signed_by": _("The decision is signed by whoever decided it or a leader.")}
            )
    if signed_by.pk == decision.person_id:
        raise ValidationError({"signed_by": _("Nobody signs a notice addressed to themselves.")})
    before = _state(decision)
    from_state = _move(decision, "serve")
    served_at = served_at or timezone.now()
    if SanctionKind.WRITTEN_WARNING in decision.chosen_kinds:
        decision.notice_number = _next_notice_number(timezone.localtime(served_at, LOCAL_TZ).year)
    decision.signed_by = signed_by
    decision.served_at = served_at
    decision.served_by = actor
    decision.unit_head = unit_head_of(decision)
    decision.unit_head_told_at = served_at if decision.unit_head is not None else None
    if decision.needs_self_criticism:
        decision.self_criticism_due_at = self_criticism_due(served_at)
    if decision.unit_head is not None:
        SanctionNotification.objects.get_or_create(
            recipient=decision.unit_head,
            decision=decision,
            kind=SanctionNotificationKind.UNIT_HEAD_TOLD,
            defaults={"created_at": served_at},
        )
    history_append(
        decision,
        actor=actor,
        action="serve",
        from_state=from_state,
        at=served_at,
        notice_number=decision.notice_number,
        unit_head=decision.unit_head.pk if decision.unit_head is not None else None,
    )
    audit.record(
        actor=actor, action="sanction.serve", obj=decision, before=before, after=_state(decision)
    )
    return decision


@transaction.atomic
def self_criticism_record(
    *,
    actor: User,
    decision: SanctionDecision,
    countersigned_by: Any,
    received_at: datetime | None = None,
) -> SanctionDecision:
    """The written self-criticism reached the office, countersigned by the unit head;
    after the 7 days it is recorded as late."""
    decision = lock_decision(decision)
    require(actor, "sanctions.record_self_criticism", decision)
    if not decision.needs_self_criticism:
        raise ValidationError(_("No written self-criticism is owed on this decision."))
    if countersigned_by is None or countersigned_by.pk != decision.unit_head_id:
        raise ValidationError(
            {"countersigned_by": _("The unit head countersigns the written self-criticism.")}
        )
    before = _state(decision)
    from_state = _move(decision, "receive_self_criticism")
    received_at = received_at or timezone.now()
    decision.self_criticism_received_at = received_at
    decision.self_criticism_countersigned_by = countersigned_by
    decision.self_criticism_late = bool(
        decision.self_criticism_due_at and received_at > decision.self_criticism_due_at
    )
    history_append(
        decision,
        actor=actor,
        action="self_criticism",
        from_state=from_state,
        at=received_at,
        late=decision.self_criticism_late,
    )
    audit.record(
        actor=actor,
        action="sanction.self_criticism",
        obj=decision,
        before=before,
        after=_state(decision),
    )
    return decision


@transaction.atomic
def sanction_complete(*, actor: User, decision: SanctionDecision) -> SanctionDecision:
    """Done: served, and the written self-criticism received where one is owed."""
    decision = lock_decision(decision)
    require(actor, "sanctions.serve_sanction", decision)
    if decision.state == DecisionState.SERVED and decision.needs_self_criticism:
        raise SanctionConflict(_("The written self-criticism has not been received yet."))
    before = _state(decision)
    from_state = _move(decision, "complete")
    decision.completed_at = timezone.now()
    history_append(decision, actor=actor, action="complete", from_state=from_state)
    audit.record(
        actor=actor, action="sanction.complete", obj=decision, before=before, after=_state(decision)
    )
    return decision


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
