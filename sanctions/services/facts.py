"""The record as the engine's plain data: violations and decisions read from the
database into sanctions.engine dataclasses (reads only).

The record holds what stands and what was set aside, each set-aside record with the
reason it no longer counts, so that every explanation can say what it did not count
and why (DOMAIN §7):
- a violation counts from its confirmation; dismissed on review afterwards, or with
  every sanction decided on it quashed, it stops counting;
- a decision counts from its approval; quashed on review or appeal, or its violation
  dismissed on review, it stops counting; reduced, it counts with the kinds that stand.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _

from accountability.selectors import department_leaders
from sanctions.engine import (
    LOCAL_TZ,
    DecisionFact,
    History,
    NotCounted,
    RecordRef,
    ViolationFact,
)
from sanctions.models import (
    Responsibility,
    ResponsibilityKind,
    ReviewOutcome,
    SanctionDecision,
    Violation,
    ViolationEvent,
    ViolationState,
)
from sanctions.models.decisions import STANDING_STATES

SET_ASIDE_ACTION = "set_aside"


def _violation_set_aside(violation: Violation) -> str:
    if violation.state == ViolationState.DISMISSED:
        return _("dismissed on review (%(reason)s)") % {
            "reason": violation.get_dismissal_reason_display()
        }
    if getattr(violation, "all_decisions_quashed", False):
        return _("every sanction decided on it was quashed on review or appeal")
    return ""


def violation_fact(
    violation: Violation,
    *,
    person_id: int | None = None,
    leaders: dict[int, int | None] | None = None,
) -> ViolationFact:
    leader_id = (
        leaders.get(violation.department_id)
        if leaders is not None
        else getattr(violation.department.leader(), "pk", None)
    )
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
        case_id=violation.case_id,
        leader_id=leader_id,
        set_aside=_violation_set_aside(violation),
        adverse_effect=bool(getattr(violation, "adverse_effect", False)),
    )


def _record_violations() -> QuerySet[Violation]:
    """Confirmed violations, and those set aside after confirmation, annotated with
    whether every sanction decided on them was quashed."""
    decided = SanctionDecision.objects.filter(violation=OuterRef("pk"), state__in=STANDING_STATES)
    set_aside = ViolationEvent.objects.filter(violation=OuterRef("pk"), action=SET_ASIDE_ACTION)
    return (
        Violation.objects.annotate(
            all_decisions_quashed=Exists(decided.filter(_quashed_q()))
            & ~Exists(decided.exclude(_quashed_q()))
        )
        .filter(Q(state=ViolationState.CONFIRMED) | Q(Exists(set_aside)))
        .select_related("type", "department")
    )


def _quashed_q() -> Q:
    return Q(reviews__outcome=ReviewOutcome.QUASHED)


def record_violations(
    *,
    since: datetime,
    persons: Iterable[int] | None = None,
    departments: Iterable[int] | None = None,
) -> list[ViolationFact]:
    """The violations the aggregate rules look at, standing and set aside."""
    queryset = _record_violations().filter(occurred_at__gte=since)
    if persons is not None or departments is not None:
        queryset = queryset.filter(
            Q(staff_id__in=list(persons or ())) | Q(department_id__in=list(departments or ()))
        )
    leaders = department_leaders()
    return [violation_fact(v, leaders=leaders) for v in queryset.order_by("occurred_at", "id")]


def person_history(*, person_id: int, exclude: int | None = None) -> History:
    """The person's confirmed violations (standing or set aside) where they are the
    staff member or carry direct responsibility: what "the person's second" counts."""
    direct = Responsibility.objects.filter(
        violation=OuterRef("pk"), person_id=person_id, kind=ResponsibilityKind.DIRECT
    )
    queryset = (
        _record_violations()
        .filter(Q(staff_id=person_id) | Exists(direct))
        .order_by("occurred_at", "id")
    )
    if exclude is not None:
        queryset = queryset.exclude(pk=exclude)
    leaders = department_leaders()
    return History(
        violations=tuple(violation_fact(v, person_id=person_id, leaders=leaders) for v in queryset)
    )


def _decision_set_aside(decision: SanctionDecision) -> str:
    quashed = [r for r in decision.reviews.all() if r.outcome == ReviewOutcome.QUASHED]
    if quashed:
        review = max(quashed, key=lambda r: (r.at, r.pk))
        return _("quashed on review or appeal on %(date)s (%(note)s)") % {
            "date": f"{review.at.astimezone(LOCAL_TZ):%Y-%m-%d}",
            "note": review.note,
        }
    if decision.violation.state == ViolationState.DISMISSED:
        return _("its violation was dismissed on review")
    return ""


def record_decisions(
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    persons: Iterable[int] | None = None,
    departments: Iterable[int] | None = None,
) -> list[SanctionDecision]:
    """Decisions approved (or further), standing or set aside. Each carries
    ``standing_kinds`` (a reduced decision: the kinds of its latest reduction) and
    ``set_aside`` (empty while it stands, otherwise why it no longer counts)."""
    queryset = (
        SanctionDecision.objects.filter(state__in=STANDING_STATES, decided_at__isnull=False)
        .select_related("rule", "rulebook_version", "violation__type", "department", "person")
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
        reduced = [r for r in decision.reviews.all() if r.outcome == ReviewOutcome.VARIED]
        reduced.sort(key=lambda r: (r.at, r.pk))
        kinds = list(reduced[-1].varied_kinds) if reduced else list(decision.chosen_kinds)
        decision.standing_kinds = kinds  # type: ignore[attr-defined]
        decision.set_aside = _decision_set_aside(decision)  # type: ignore[attr-defined]
    return decisions


def standing_decisions(**filters: Any) -> list[SanctionDecision]:
    """Decisions that stand: approved (or further), not quashed, their violation not
    dismissed on review."""
    return [d for d in record_decisions(**filters) if not d.set_aside]  # type: ignore[attr-defined]


def decision_fact(decision: Any) -> DecisionFact:
    return DecisionFact(
        id=decision.pk,
        person_id=decision.person_id,
        department_id=decision.department_id,
        kinds=tuple(getattr(decision, "standing_kinds", decision.chosen_kinds)),
        decided_at=decision.decided_at,
        label=decision.violation.type.name,
        rule_number=decision.rule.number,
        person_is_head=decision.department.head_id == decision.person_id,
        subject_is_department=decision.subject_is_department,
        set_aside=getattr(decision, "set_aside", ""),
        decided_kinds=tuple(decision.chosen_kinds),
    )


def _ref(row: dict[str, Any]) -> RecordRef:
    return RecordRef(
        kind=row["kind"],
        id=int(row["id"]),
        at=datetime.fromisoformat(row["at"]),
        label=row.get("label", ""),
    )


def refs_from_json(rows: Iterable[dict[str, Any]]) -> tuple[RecordRef, ...]:
    return tuple(_ref(row) for row in rows)


def not_counted_from_json(rows: Iterable[dict[str, Any]]) -> tuple[NotCounted, ...]:
    return tuple(NotCounted(_ref(row), str(row.get("reason", ""))) for row in rows)
