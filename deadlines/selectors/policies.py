"""Reads of time-limit policies: the current version of a code, and the policy for a case."""

from __future__ import annotations

from django.db.models import Case, F, IntegerField, Q, Value, When
from django.db.models.expressions import Combinable

from deadlines.models import TimeLimitPolicy

# How much a matched (non-blank) criterion counts towards a policy's specificity. Each
# weight is larger than all the smaller ones together, so the criteria rank strictly:
# a service-item match beats a variant match, which beats a kind-of-matter match, which
# beats an urgency match, whatever else matches.
SPECIFICITY_WEIGHTS: dict[str, int] = {
    "service_item_code": 8,
    "variant": 4,
    "matter_kind": 2,
    "urgency": 1,
}


def policy_current(code: str) -> TimeLimitPolicy:
    """The version of `code` in force; raises TimeLimitPolicy.DoesNotExist if there is none."""
    return TimeLimitPolicy.objects.get(code=code, retired_at__isnull=True)


def policy_for(
    *,
    clock_kind: str,
    matter_kind: str = "",
    urgency: str = "",
    service_item_code: str = "",
    variant: str = "",
) -> TimeLimitPolicy | None:
    """The most specific current policy of `clock_kind` that fits the case, or None.

    A policy fits when each of its criteria is blank ("any") or equal to the value given.
    Among those that fit, the one whose non-blank criteria weigh most wins (see
    SPECIFICITY_WEIGHTS); a tie, which means two policies say the same thing, goes to the
    lower code so that the answer never depends on the database's row order. One query.
    """
    given = {
        "service_item_code": service_item_code,
        "variant": variant,
        "matter_kind": matter_kind,
        "urgency": urgency,
    }
    fits = Q(clock_kind=clock_kind, retired_at__isnull=True)
    score: Combinable = Value(0)
    for name, value in given.items():
        fits &= Q(**{name: ""}) | Q(**{name: value})
        score = score + Case(
            When(~Q(**{name: ""}), then=Value(SPECIFICITY_WEIGHTS[name])),
            default=Value(0),
            output_field=IntegerField(),
        )
    return (
        TimeLimitPolicy.objects.filter(fits)
        .annotate(specificity=score)
        .order_by(F("specificity").desc(), "code")
        .first()
    )
