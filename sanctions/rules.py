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

from typing import Any

import rules

from accountability.models import LeadingGroup
from accountability.rules import is_inspection_office, is_leadership
from sanctions import authority


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
def is_accused(user: Any, obj: Any) -> bool:
    """The user is the staff member of the matter or answers for it."""
    if obj is None or user.pk is None:
        return False
    if getattr(obj, "person_id", None) == user.pk:  # a decision's person
        return True
    return user.pk in accused_ids(_violation(obj))


@rules.predicate
def is_proposer(user: Any, decision: Any) -> bool:
    return decision is not None and user.pk is not None and decision.proposed_by_id == user.pk


@rules.predicate
def may_decide(user: Any, decision: Any) -> bool:
    """The user is who decides this proposed decision (sanctions.authority)."""
    return authority.may_decide(user, decision)


@rules.predicate
def is_leading_group_member(user: Any) -> bool:
    if user.pk is None:
        return False
    member = getattr(user, "_leading_group_member", None)
    if member is None:
        member = LeadingGroup.objects.filter(members=user).exists()
        user._leading_group_member = member
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
