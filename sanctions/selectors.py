"""Reads of the sanctions app that need more than a plain query: the queue, one
violation with everything the page shows, the sanction register, award eligibility."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _

from sanctions.engine import LOCAL_TZ
from sanctions.models import (
    AggregateFiring,
    DecisionEvent,
    Responsibility,
    Rule,
    SanctionDecision,
    SanctionKind,
    SanctionNotification,
    Violation,
    ViolationEvent,
    ViolationState,
)
from sanctions.services.facts import standing_decisions


def violation_queue(*, states: Iterable[str] | None = None) -> QuerySet[Violation]:
    """Violations for the inspection office, oldest raised first; open ones by default."""
    wanted = (
        list(states)
        if states is not None
        else [
            ViolationState.RAISED,
            ViolationState.UNDER_REVIEW,
        ]
    )
    return (
        Violation.objects.filter(state__in=wanted)
        .select_related("type", "staff", "department", "case", "reviewer")
        .order_by("raised_at", "id")
    )


def violation_get(*, pk: int) -> Violation:
    """One violation with its evidence, history, responsibilities and decisions."""
    return (
        Violation.objects.select_related(
            "type",
            "staff",
            "department__head",
            "case",
            "breach__clock",
            "notice_breach__request",
            "notice_breach__notice",
            "refusal_flag",
            "outage_breach__obligation",
            "outage_breach__event",
            "firing__rule",
            "rulebook_version",
            "reviewer",
            "decided_by",
        )
        .prefetch_related(
            Prefetch("events", queryset=ViolationEvent.objects.select_related("actor")),
            Prefetch("responsibilities", queryset=Responsibility.objects.select_related("person")),
            Prefetch(
                "decisions",
                queryset=SanctionDecision.objects.select_related(
                    "person", "rule", "proposed_by", "decided_by"
                ),
            ),
        )
        .get(pk=pk)
    )


def decision_register(*, year: int | None = None) -> QuerySet[SanctionDecision]:
    """The sanction register: every decision (of a year of proposal), newest first."""
    queryset = SanctionDecision.objects.select_related(
        "violation__type",
        "person",
        "department",
        "rule",
        "rulebook_version",
        "proposed_by",
        "decided_by",
        "signed_by",
        "unit_head",
    ).order_by("-proposed_at", "-id")
    if year is not None:
        start = datetime(year, 1, 1, tzinfo=LOCAL_TZ)
        end = datetime(year + 1, 1, 1, tzinfo=LOCAL_TZ)
        queryset = queryset.filter(proposed_at__gte=start, proposed_at__lt=end)
    return queryset


def decision_get(*, pk: int) -> SanctionDecision:
    return (
        SanctionDecision.objects.select_related(
            "violation__type",
            "violation__department",
            "person",
            "department",
            "rule",
            "rulebook_version",
            "proposed_by",
            "decided_by",
            "signed_by",
            "served_by",
            "unit_head",
            "self_criticism_countersigned_by",
        )
        .prefetch_related(
            Prefetch("events", queryset=DecisionEvent.objects.select_related("actor")),
            "appeals",
            "reviews",
        )
        .get(pk=pk)
    )


def sanction_notifications_for(*, user: Any) -> QuerySet[SanctionNotification]:
    """What a person was told about decisions (a unit head: notices served on their
    staff), newest first."""
    return (
        SanctionNotification.objects.filter(recipient=user)
        .select_related("decision__person", "decision__violation__type")
        .order_by("-created_at", "-id")
    )


# -- award eligibility (rules 11 and 12) --------------------------------------------------


@dataclass(frozen=True)
class Eligibility:
    """Whether a person or a department keeps the year's award eligibility, and why not."""

    year: int
    eligible: bool
    reasons: list[str] = field(default_factory=list)


def _year_bounds(year: int) -> tuple[datetime, datetime]:
    return datetime(year, 1, 1, tzinfo=LOCAL_TZ), datetime(year + 1, 1, 1, tzinfo=LOCAL_TZ)


def _kinds_text(kinds: Iterable[str]) -> str:
    labels = []
    for kind in kinds:
        try:
            labels.append(str(SanctionKind(kind).label))
        except ValueError:
            labels.append(kind)
    return "、".join(labels)


def _rule_12(decision: SanctionDecision, rules: dict[int, Rule]) -> str:
    rule = rules.get(decision.rulebook_version_id)
    citation = rule.citation if rule is not None else "seed 000 §12"
    return _(
        "Rule 12 (%(citation)s): sanctioned on %(date)s with %(kinds)s for %(violation)s "
        "(decision #%(id)s)."
    ) % {
        "citation": citation,
        "date": f"{decision.decided_at.astimezone(LOCAL_TZ):%Y-%m-%d}"
        if decision.decided_at
        else "",
        "kinds": _kinds_text(getattr(decision, "standing_kinds", decision.chosen_kinds)),
        "violation": decision.violation.type.name,
        "id": decision.pk,
    }


def _rules_12(decisions: list[SanctionDecision]) -> dict[int, Rule]:
    versions = {d.rulebook_version_id for d in decisions}
    return {
        rule.version_id: rule for rule in Rule.objects.filter(version_id__in=versions, number=12)
    }


def award_eligibility_person(*, person: Any, year: int) -> Eligibility:
    """Lost by any standing sanction decided in the year (rule 12, seed 000 §12) and by a
    second warning in the year (rule 11, seed 004 告诫程序 4)."""
    start, end = _year_bounds(year)
    decisions = standing_decisions(since=start, until=end, persons=[person.pk])
    decisions = [d for d in decisions if d.person_id == person.pk]
    rules = _rules_12(decisions)
    reasons = [_rule_12(d, rules) for d in decisions]
    for firing in AggregateFiring.objects.filter(
        rule_number=11, person=person, period=str(year)
    ).select_related("rule"):
        reasons.append(
            _("Rule 11 (%(citation)s): warned %(count)s times in %(year)s (decisions %(ids)s).")
            % {
                "citation": firing.rule.citation,
                "count": len(firing.counted),
                "year": year,
                "ids": ", ".join(f"#{row['id']}" for row in firing.counted),
            }
        )
    return Eligibility(year=year, eligible=not reasons, reasons=reasons)


def award_eligibility_department(*, department: Any, year: int) -> Eligibility:
    """Lost by any standing sanction against the department's staff for a violation of
    the department, decided in the year (rule 12, seed 000 §12)."""
    start, end = _year_bounds(year)
    decisions = standing_decisions(since=start, until=end, departments=[department.pk])
    decisions = [d for d in decisions if d.department_id == department.pk]
    rules = _rules_12(decisions)
    reasons = [_rule_12(d, rules) for d in decisions]
    return Eligibility(year=year, eligible=not reasons, reasons=reasons)
