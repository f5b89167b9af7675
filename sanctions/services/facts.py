"""The record as the engine's plain data: confirmed violations and standing decisions
read from the database into sanctions.engine dataclasses (reads only)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db.models import Exists, OuterRef, Q

from sanctions.engine import DecisionFact, History, RecordRef, ViolationFact
from sanctions.models import (
    Responsibility,
    ResponsibilityKind,
    Review,
    ReviewOutcome,
    SanctionDecision,
    Violation,
    ViolationState,
)
from sanctions.models.decisions import STANDING_STATES


def violation_fact(violation: Violation, *, person_id: int | None = None) -> ViolationFact:
    return ViolationFact(
        id=violation.pk,
        family=violation.type.family,
        severity=violation.severity,
        occurred_at=violation.occurred_at,
        person_id=person_id if person_id is not None else violation.staff_id,
        department_id=violation.department_id,
        head_id=violation.department.head_id,
        source_kind=violation.source_kind,
        type_name=violation.type.name,
    )


def confirmed_violations(
    *,
    since: datetime,
    persons: Iterable[int] | None = None,
    departments: Iterable[int] | None = None,
) -> list[ViolationFact]:
    queryset = Violation.objects.filter(
        state=ViolationState.CONFIRMED, occurred_at__gte=since
    ).select_related("type", "department")
    if persons is not None or departments is not None:
        queryset = queryset.filter(
            Q(staff_id__in=list(persons or ())) | Q(department_id__in=list(departments or ()))
        )
    return [violation_fact(v) for v in queryset.order_by("occurred_at", "id")]


def person_history(*, person_id: int, exclude: int | None = None) -> History:
    """The person's confirmed violations where they are the staff member or carry direct
    responsibility: what "the person's second in the year" counts."""
    direct = Responsibility.objects.filter(
        violation=OuterRef("pk"), person_id=person_id, kind=ResponsibilityKind.DIRECT
    )
    queryset = (
        Violation.objects.filter(state=ViolationState.CONFIRMED)
        .filter(Q(staff_id=person_id) | Exists(direct))
        .select_related("type", "department")
        .order_by("occurred_at", "id")
    )
    if exclude is not None:
        queryset = queryset.exclude(pk=exclude)
    return History(violations=tuple(violation_fact(v, person_id=person_id) for v in queryset))


def standing_decisions(
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    persons: Iterable[int] | None = None,
    departments: Iterable[int] | None = None,
) -> list[SanctionDecision]:
    """Decisions that stand: approved (or further), not quashed on review. A varied
    decision's kinds are those of its latest varied review (attribute ``standing_kinds``)."""
    quashed = Review.objects.filter(decision=OuterRef("pk"), outcome=ReviewOutcome.QUASHED)
    queryset = (
        SanctionDecision.objects.filter(state__in=STANDING_STATES, decided_at__isnull=False)
        .exclude(Exists(quashed))
        .select_related("rule", "rulebook_version", "violation__type")
        .prefetch_related("reviews")
        .order_by("decided_at", "id")
    )
    if since is not None:
        queryset = queryset.filter(decided_at__gte=since)
    if until is not None:
        queryset = queryset.filter(decided_at__lt=until)
    if persons is not None or departments is not None:
        queryset = queryset.filter(
            Q(person_id__in=list(persons or ())) | Q(department_id__in=list(departments or ()))
        )
    decisions = list(queryset)
    for decision in decisions:
        varied = [r for r in decision.reviews.all() if r.outcome == ReviewOutcome.VARIED]
        varied.sort(key=lambda r: (r.at, r.pk))
        kinds = list(varied[-1].varied_kinds) if varied else list(decision.chosen_kinds)
        decision.standing_kinds = kinds  # type: ignore[attr-defined]
    return decisions


def decision_fact(decision: Any) -> DecisionFact:
    return DecisionFact(
        id=decision.pk,
        person_id=decision.person_id,
        department_id=decision.department_id,
        kinds=tuple(getattr(decision, "standing_kinds", decision.chosen_kinds)),
        decided_at=decision.decided_at,
        label=decision.violation.type.name,
    )


def refs_from_json(rows: Iterable[dict[str, Any]]) -> tuple[RecordRef, ...]:
    return tuple(
        RecordRef(
            kind=row["kind"],
            id=int(row["id"]),
            at=datetime.fromisoformat(row["at"]),
            label=row.get("label", ""),
        )
        for row in rows
    )
