"""Reads of time-limit policies: the current version of a code, and the policy for a case."""

from __future__ import annotations

from deadlines.models import TimeLimitPolicy

# How much a matched (non-blank) criterion counts towards a policy's specificity. Each
# weight is larger than all the smaller ones together, so the criteria rank strictly:
# a service-item match beats a variant (a stage or narrower case) match, which beats a
# kind-of-matter match, which beats a channel match, which beats an urgency match,
# whatever else matches. The kind outranks the channel: a complaint by letter keeps the
# complaint's 2 days, while a consultation by web gets the web's 2 working days because
# that policy names both (DOMAIN §3).
SPECIFICITY_WEIGHTS: dict[str, int] = {
    "service_item_code": 16,
    "variant": 8,
    "matter_kind": 4,
    "channels": 2,
    "urgency": 1,
}


def policy_current(code: str) -> TimeLimitPolicy:
    """The version of `code` in force; raises TimeLimitPolicy.DoesNotExist if there is none."""
    return TimeLimitPolicy.objects.get(code=code, retired_at__isnull=True)


def _fits(policy: TimeLimitPolicy, given: dict[str, str]) -> bool:
    for name, value in given.items():
        if name == "channels":
            if policy.channels and value not in policy.channel_list:
                return False
        elif getattr(policy, name) not in ("", value):
            return False
    return True


def _specificity(policy: TimeLimitPolicy) -> int:
    return sum(weight for name, weight in SPECIFICITY_WEIGHTS.items() if getattr(policy, name))


def policy_for(
    *,
    clock_kind: str,
    matter_kind: str = "",
    channel: str = "",
    urgency: str = "",
    service_item_code: str = "",
    variant: str = "",
) -> TimeLimitPolicy | None:
    """The most specific current policy of `clock_kind` that fits the case, or None.

    A policy fits when each of its criteria is blank ("any") or equal to the value given
    (for channels: lists it). Among those that fit, the one whose non-blank criteria
    weigh most wins (see SPECIFICITY_WEIGHTS); a tie, which means two policies say the
    same thing, goes to the lower code so that the answer never depends on the
    database's row order. One query: a clock kind has a few dozen policies at most.
    """
    given = {
        "service_item_code": service_item_code,
        "variant": variant,
        "matter_kind": matter_kind,
        "channels": channel,
        "urgency": urgency,
    }
    candidates = [
        policy
        for policy in TimeLimitPolicy.objects.filter(
            clock_kind=clock_kind, retired_at__isnull=True
        ).select_related("regulation")
        if _fits(policy, given)
    ]
    if not candidates:
        return None
    return min(candidates, key=lambda policy: (-_specificity(policy), policy.code))
