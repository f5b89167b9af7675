"""The rulebook engine: pure functions, no database, no clock.

``propose`` takes the facts of one violation, the confirmed history of the person who
answers for it and a rulebook version, and returns what the rulebook proposes, with an
explanation that names the rule, its regulation and the earlier records it counted.

``aggregates_due`` takes the confirmed record (violations and standing decisions) and
returns the aggregate rules that fire on it (rules 4, 10, 11 and 13 of the default
rulebook): the firing key (rule, person or department, period) and the records counted.
The database keeps each key once (sanctions.models.AggregateFiring); this function only
says which keys the record reaches.

Everything in is a frozen dataclass, everything out too; the same input always gives
the same output (tests/sanctions/test_engine_properties.py).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _

from sanctions.models.kinds import SanctionKind

LOCAL_TZ = ZoneInfo("Asia/Shanghai")

# Violations raised by an aggregate firing are not counted again by aggregate rules.
AGGREGATE_FAMILIES = frozenset({"repeated_complaints", "department_warnings", "leadership"})
WARNINGS = frozenset({SanctionKind.ORAL_WARNING.value, SanctionKind.WRITTEN_WARNING.value})
SERIOUS = frozenset({"serious", "grave"})


# -- input ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RecordRef:
    """An earlier record the engine counted: a violation or a decision."""

    kind: str  # "violation" | "decision"
    id: int
    at: datetime
    label: str = ""

    def as_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "id": self.id, "at": self.at.isoformat(), "label": self.label}


@dataclass(frozen=True)
class ViolationFact:
    """A confirmed violation of the record (history), or the one a proposal is for."""

    id: int
    family: str
    severity: str
    occurred_at: datetime
    person_id: int | None = None
    department_id: int | None = None
    head_id: int | None = None  # the department's head, for rule 13
    source_kind: str = ""
    type_name: str = ""

    @property
    def ref(self) -> RecordRef:
        return RecordRef("violation", self.id, self.occurred_at, self.type_name)


@dataclass(frozen=True)
class DecisionFact:
    """A standing (approved, not quashed) sanction decision of the record."""

    id: int
    person_id: int
    department_id: int
    kinds: tuple[str, ...]
    decided_at: datetime
    label: str = ""

    @property
    def ref(self) -> RecordRef:
        return RecordRef("decision", self.id, self.decided_at, self.label)


@dataclass(frozen=True)
class ProposalFacts:
    """What a proposal is about: the violation, and for an aggregate violation the
    records its firing counted."""

    violation: ViolationFact
    counted: tuple[RecordRef, ...] = ()


@dataclass(frozen=True)
class History:
    """The person's earlier confirmed violations (the violation itself left out)."""

    violations: tuple[ViolationFact, ...] = ()


@dataclass(frozen=True)
class RuleSpec:
    number: int
    title: str
    citation: str
    trigger: str
    params: Mapping[str, Any] = field(default_factory=dict)
    id: int | None = None


@dataclass(frozen=True)
class RulebookSpec:
    version_id: int | None
    label: str
    rules: tuple[RuleSpec, ...]

    def rule(self, number: int) -> RuleSpec | None:
        return next((rule for rule in self.rules if rule.number == number), None)


# -- output ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Proposal:
    rule_number: int
    rule_id: int | None
    rule_title: str
    citation: str
    kinds: tuple[str, ...]
    mode: str  # "all": every kind; "any": one or more of them
    counted: tuple[RecordRef, ...]
    explanation: str

    def allows(self, chosen: Iterable[str]) -> bool:
        """Whether `chosen` follows the proposal (otherwise it departs from it)."""
        picked = set(chosen)
        if self.mode == "all":
            return picked == set(self.kinds)
        return bool(picked) and picked <= set(self.kinds)


@dataclass(frozen=True)
class Firing:
    rule_number: int
    rule_id: int | None
    scope: str  # "person" | "department"
    subject_id: int
    period: str  # "2026-03" | "2026"
    counted: tuple[RecordRef, ...]


# -- helpers --------------------------------------------------------------------------------


def _local(at: datetime) -> datetime:
    return at.astimezone(LOCAL_TZ)


def month_of(at: datetime) -> str:
    return f"{_local(at):%Y-%m}"


def year_of(at: datetime) -> str:
    return f"{_local(at):%Y}"


def _months_back(period: str, months: int) -> set[str]:
    """The calendar month `period` (YYYY-MM) and the months-1 before it."""
    year, month = (int(part) for part in period.split("-"))
    found = set()
    for _i in range(months):
        found.add(f"{year:04d}-{month:02d}")
        month -= 1
        if month == 0:
            year, month = year - 1, 12
    return found


def _kind_label(kind: str) -> str:
    try:
        return str(SanctionKind(kind).label)
    except ValueError:
        return kind


def _refs_text(refs: Sequence[RecordRef]) -> str:
    return "; ".join(
        _("%(kind)s #%(id)s of %(date)s%(label)s")
        % {
            "kind": _("violation") if ref.kind == "violation" else _("decision"),
            "id": ref.id,
            "date": f"{_local(ref.at):%Y-%m-%d}",
            "label": f" ({ref.label})" if ref.label else "",
        }
        for ref in refs
    )


def explain(
    rule: RuleSpec, kinds: Sequence[str], mode: str, counted: Sequence[RecordRef], label: str
) -> str:
    joiner = _(" and ") if mode == "all" else _(" or ")
    text = _("Rule %(number)s (%(citation)s): %(title)s%(clause)s. Proposes: %(kinds)s.") % {
        "number": rule.number,
        "citation": rule.citation,
        "title": rule.title,
        "clause": f" [{label}]" if label else "",
        "kinds": joiner.join(_kind_label(kind) for kind in kinds),
    }
    if counted:
        text += " " + _("Earlier records counted: %(records)s.") % {"records": _refs_text(counted)}
    else:
        text += " " + _("No earlier records counted.")
    return text


# -- proposals ----------------------------------------------------------------------------


def _prior(
    clause: Mapping[str, Any], violation: ViolationFact, history: History
) -> tuple[RecordRef, ...]:
    """The person's earlier confirmed violations this clause counts: same families,
    before this one, in the same calendar year (prior_scope "year") or ever."""
    families = set(clause.get("count_families") or clause.get("families") or ())
    scope = clause.get("prior_scope", "year")
    found = [
        fact
        for fact in history.violations
        if fact.id != violation.id
        and fact.family in families
        and (fact.occurred_at, fact.id) < (violation.occurred_at, violation.id)
        and (scope != "year" or year_of(fact.occurred_at) == year_of(violation.occurred_at))
    ]
    found.sort(key=lambda fact: (fact.occurred_at, fact.id))
    return tuple(fact.ref for fact in found)


def _matches(
    clause: Mapping[str, Any], violation: ViolationFact, prior: Sequence[RecordRef]
) -> bool:
    if violation.family not in clause.get("families", ()):
        return False
    severities = clause.get("severities")
    if severities and violation.severity not in severities:
        return False
    if "min_prior" in clause and len(prior) < clause["min_prior"]:
        return False
    return not ("max_prior" in clause and len(prior) > clause["max_prior"])


def propose(facts: ProposalFacts, history: History, rulebook: RulebookSpec) -> Proposal | None:
    """What the rulebook proposes for this violation, or None when no rule applies (then
    no sanction can be proposed: no sanction without a rule).

    Rules are tried in their order; within a rule, its clauses in order; the first
    clause that matches decides. The default rulebook's clauses do not overlap."""
    violation = facts.violation
    for rule in sorted(rulebook.rules, key=lambda r: r.number):
        for clause in rule.params.get("clauses", ()):
            prior = _prior(clause, violation, history) if _counts_prior(clause) else ()
            if not _matches(clause, violation, prior):
                continue
            kinds = tuple(clause["kinds"])
            mode = clause.get("mode", "all")
            counted = tuple(prior) + tuple(facts.counted)
            explanation = explain(rule, kinds, mode, counted, clause.get("label", ""))
            for consequence in consequence_rules(rulebook):
                explanation += " " + _("Also rule %(number)s (%(citation)s): %(title)s.") % {
                    "number": consequence.number,
                    "citation": consequence.citation,
                    "title": consequence.title,
                }
            return Proposal(
                rule_number=rule.number,
                rule_id=rule.id,
                rule_title=rule.title,
                citation=rule.citation,
                kinds=kinds,
                mode=mode,
                counted=counted,
                explanation=explanation,
            )
    return None


def _counts_prior(clause: Mapping[str, Any]) -> bool:
    return "min_prior" in clause or "max_prior" in clause


def consequence_rules(rulebook: RulebookSpec) -> tuple[RuleSpec, ...]:
    """Rules that attach a consequence to any sanction (rule 12)."""
    return tuple(rule for rule in rulebook.rules if rule.trigger == "consequence")


# -- aggregate rules ----------------------------------------------------------------------


@dataclass(frozen=True)
class Record:
    """The confirmed record the aggregate rules count over."""

    violations: tuple[ViolationFact, ...] = ()
    decisions: tuple[DecisionFact, ...] = ()
    # Records each rule already counted in earlier firings (rule 13 counts an error once).
    already_counted: Mapping[int, frozenset[tuple[str, int]]] = field(default_factory=dict)


def _group(
    items: Iterable[tuple[int | None, datetime, RecordRef]], period: str
) -> dict[tuple[int, str], list[RecordRef]]:
    groups: dict[tuple[int, str], list[RecordRef]] = defaultdict(list)
    for subject, at, ref in items:
        if subject is None:
            continue
        key = month_of(at) if period == "month" else year_of(at)
        groups[(subject, key)].append(ref)
    return groups


def _counted_items(rule: RuleSpec, record: Record) -> list[tuple[int | None, datetime, RecordRef]]:
    counts = rule.params.get("counts")
    scope = rule.params.get("scope")
    if counts == "founded_complaints":
        return [
            (fact.person_id, fact.occurred_at, fact.ref)
            for fact in record.violations
            if fact.source_kind == "complaint" and fact.family not in AGGREGATE_FAMILIES
        ]
    if counts == "warnings":
        return [
            (
                decision.person_id if scope == "person" else decision.department_id,
                decision.decided_at,
                decision.ref,
            )
            for decision in record.decisions
            if WARNINGS & set(decision.kinds)
        ]
    if counts == "serious_errors":
        return [
            (fact.head_id, fact.occurred_at, fact.ref)
            for fact in record.violations
            if fact.severity in SERIOUS
            and fact.family not in AGGREGATE_FAMILIES
            and fact.head_id is not None
            and fact.head_id != fact.person_id
        ]
    return []


def _sorted_refs(refs: Iterable[RecordRef]) -> tuple[RecordRef, ...]:
    return tuple(sorted(refs, key=lambda ref: (ref.at, ref.kind, ref.id)))


def aggregates_due(record: Record, rulebook: RulebookSpec) -> list[Firing]:
    """Every aggregate firing the record reaches, in a stable order."""
    firings: list[Firing] = []
    for rule in sorted(rulebook.rules, key=lambda r: r.number):
        if rule.trigger != "aggregate":
            continue
        scope = "department" if rule.params.get("scope") == "department" else "person"
        items = _counted_items(rule, record)
        for threshold in rule.params.get("thresholds", ()):
            at_least = int(threshold["at_least"])
            period = threshold["period"]
            if period in ("month", "year"):
                for (subject, key), refs in sorted(_group(items, period).items()):
                    if len(refs) >= at_least:
                        firings.append(
                            Firing(rule.number, rule.id, scope, subject, key, _sorted_refs(refs))
                        )
            elif period == "months":
                firings.extend(
                    _rolling(rule, scope, items, int(threshold["months"]), at_least, record)
                )
    return firings


def _rolling(
    rule: RuleSpec,
    scope: str,
    items: list[tuple[int | None, datetime, RecordRef]],
    months: int,
    at_least: int,
    record: Record,
) -> list[Firing]:
    """Rule 13: within `months` consecutive calendar months ending with the month of an
    error, `at_least` errors not counted by an earlier firing of the rule. The firing's
    period is the month in which the count was reached; its errors are not counted
    again."""
    used = set(record.already_counted.get(rule.number, frozenset()))
    by_subject: dict[int, list[tuple[datetime, RecordRef]]] = defaultdict(list)
    for subject, at, ref in items:
        if subject is not None:
            by_subject[subject].append((at, ref))
    firings = []
    for subject in sorted(by_subject):
        errors = sorted(by_subject[subject], key=lambda pair: (pair[0], pair[1].id))
        fired_in: set[str] = set()  # one firing per month and head
        for at, last in errors:
            if month_of(at) in fired_in:
                continue
            window = _months_back(month_of(at), months)
            fresh = [
                ref
                for when, ref in errors
                if (ref.kind, ref.id) not in used
                and month_of(when) in window
                and (when, ref.id) <= (at, last.id)
            ]
            if len(fresh) >= at_least:
                firings.append(
                    Firing(rule.number, rule.id, scope, subject, month_of(at), _sorted_refs(fresh))
                )
                used.update((ref.kind, ref.id) for ref in fresh)
                fired_in.add(month_of(at))
    return firings
