"""Who may do what in accountability. One predicate per permission, shared by the
services, the pages, the API and the admin.

Recusal (seed 002 附件10 §5–6; DOMAIN §1): the accused of a matter (the violation's
staff member, or anyone assigned responsibility for it) never reviews, confirms,
dismisses, assigns, proposes, approves or serves anything about it. Maker-checker: the
proposer of a sanction never approves or refuses it. Who decides which kind is
sanctions.authority's (DOMAIN §1): the leading group, the inspection office head, or
leadership within cadre authority; disciplinary kinds are referred out.

The violation's responsibilities are read from ``violation.responsibilities``: callers
that check many violations prefetch them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import rules

from accountability.models import LeadingGroup
from accountability.rules import is_inspection_office, is_leadership
from sanctions import authority

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

    from sanctions.models import SanctionDecision, Violation


def _violation(obj: Any) -> Any:
    """The violation a permission is asked about: the object itself, or a decision's."""
    return getattr(obj, "violation", obj)


def accused_ids(violation: Any) -> frozenset[int]:
    ids = {violation.staff_id} if violation.staff_id is not None else set()
    if violation.pk is not None:
        cache = getattr(violation, "_prefetched_objects_cache", {})
        if "responsibilities" in cache:
            ids.update(r.person_id for r in cache["responsibilities"])
        else:
            ids.update(violation.responsibilities.values_list("person_id", flat=True))
    return frozenset(ids)


@rules.predicate
def is_accused(user: User | AnonymousUser, obj: Any) -> bool:
    """The user is the staff member of the matter or answers for it."""
    if obj is None or user.pk is None:
        return False
    if getattr(obj, "person_id", None) == user.pk:  # a decision's person
        return True
    return user.pk in accused_ids(_violation(obj))


@rules.predicate
def is_proposer(user: User | AnonymousUser, decision: Any) -> bool:
    return decision is not None and user.pk is not None and decision.proposed_by_id == user.pk


@rules.predicate
def may_decide(user: User | AnonymousUser, decision: Any) -> bool:
    """The user is who decides this proposed decision (sanctions.authority)."""
    return authority.may_decide(user, decision)


@rules.predicate
def is_leading_group_member(user: User | AnonymousUser) -> bool:
    if user.pk is None:
        return False
    member = getattr(user, "_leading_group_member", None)
    if member is None:
        member = LeadingGroup.objects.filter(members=user).exists()
        user._leading_group_member = member  # type: ignore[attr-defined]
    return bool(member)


office = is_inspection_office
# What the inspection office does on a matter, never on one about themselves.
office_not_accused = is_inspection_office & ~is_accused

# The leading group decides warnings, so its members see the evidence too.
rules.add_perm(
    "sanctions.view_violation", is_inspection_office | is_leadership | is_leading_group_member
)
rules.add_perm("sanctions.raise_violation", is_inspection_office)
rules.add_perm("sanctions.review_violation", office_not_accused)
rules.add_perm("sanctions.assign_responsibility", office_not_accused)
rules.add_perm("sanctions.propose_sanction", office_not_accused)
rules.add_perm("sanctions.approve_sanction", ~is_accused & ~is_proposer & may_decide)
# Disciplinary kinds are referred out: the office records the referral and its outcome.
rules.add_perm("sanctions.record_referral", office_not_accused)
rules.add_perm("sanctions.serve_sanction", office_not_accused)
rules.add_perm("sanctions.record_self_criticism", office_not_accused)
rules.add_perm("sanctions.record_appeal", office_not_accused)
rules.add_perm("sanctions.record_review", office_not_accused & ~is_proposer)


# -- what a page offers (accountability.actions) ------------------------------------------
# A step that fires no transition, or one whose permission is shared with others, is
# offered when the matter itself is what the step is for; a post is checked again by the
# service.


@rules.predicate
def is_referred_out(user: User | AnonymousUser, decision: SanctionDecision | None) -> bool:
    """The decision's kinds are disciplinary ones, decided outside the accountability
    system (sanctions.authority): the office records the referral, nobody here approves
    them."""
    return (
        decision is not None
        and authority.authority_for(decision.chosen_kinds) == authority.Authority.REFERRED
    )


@rules.predicate
def owes_self_criticism(user: User | AnonymousUser, decision: SanctionDecision | None) -> bool:
    """The decision's kinds include one the person answers with a written
    self-criticism: only then is there one to record."""
    return decision is not None and decision.needs_self_criticism


@rules.predicate
def is_decision_standing(user: User | AnonymousUser, decision: SanctionDecision | None) -> bool:
    """The decision is in force (approved, served, its self-criticism received, or
    completed; not proposed, refused or referred out): only a standing decision is
    appealed or reviewed."""
    return decision is not None and decision.is_standing


@rules.predicate
def is_violation_confirmed(user: User | AnonymousUser, violation: Violation | None) -> bool:
    """The violation was found founded: responsibility is assigned only on a confirmed
    one, and sanctions proposed on that responsibility."""
    return violation is not None and violation.is_confirmed


# -- evidence files on violations and appeals (accountability.attachments) -----------------
# Seen by whom sees violations (an appeal's, also by whoever decides its decision); added
# by the inspection office, never on a matter about themselves. A file that identifies
# the complainant is never shown to the people the matter is about, and otherwise as
# the case's complainant is (deadlines.rules.may_see_complainant). Every file on a
# violation, and on a complainant's request for review, is taken as the complainant's
# unless the office says otherwise; an appeal by the person sanctioned is theirs.


def _sees_complainant_of(user: User | AnonymousUser, matter: Any, case: Any) -> bool:
    from deadlines.rules import sees_complainant

    if is_accused.test(user, matter):
        return False
    return case is None or sees_complainant(user, case)


def _register_attachments() -> None:
    from django.urls import reverse

    from accountability.attachments.registry import Attachable, attachable_register
    from accountability.rules import may
    from sanctions.models import Appeal, AppealKind, Violation

    attachable_register(
        Attachable(
            model=Violation,
            may_view=lambda user, violation: may(user, "sanctions.view_violation"),
            may_add=lambda user, violation: may(user, "sanctions.review_violation", violation),
            sees_complainant=lambda user, violation: _sees_complainant_of(
                user, violation, violation.case
            ),
            url=lambda violation: reverse("sanctions:violation", args=[violation.pk]),
            load=lambda pk: (
                Violation.objects.select_related("case__department")
                .prefetch_related("responsibilities", "case__accused")
                .get(pk=pk)
            ),
        )
    )
    attachable_register(
        Attachable(
            model=Appeal,
            may_view=lambda user, appeal: bool(
                may(user, "sanctions.view_violation")
                or may(user, "sanctions.approve_sanction", appeal.decision)
            ),
            may_add=lambda user, appeal: may(user, "sanctions.record_appeal", appeal.decision),
            sees_complainant=lambda user, appeal: _sees_complainant_of(
                user, appeal.decision, appeal.decision.violation.case
            ),
            url=lambda appeal: reverse("sanctions:decision", args=[appeal.decision_id]),
            load=lambda pk: (
                Appeal.objects.select_related(
                    "decision__violation__case__department", "decision__person"
                )
                .prefetch_related("decision__violation__responsibilities")
                .get(pk=pk)
            ),
            protected_by_default=lambda appeal: appeal.kind == AppealKind.REVIEW_REQUEST,
        )
    )


_register_attachments()
