"""What goes into the engine and what comes out of it: frozen dataclasses only (the record
the aggregate rules count over, ``Record``, is in sanctions.engine.aggregates)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

# -- input ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RecordRef:
    """An earlier record the engine looked at: a violation or a decision."""

    kind: str  # "violation" | "decision"
    id: int
    at: datetime
    label: str = ""

    def as_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "id": self.id, "at": self.at.isoformat(), "label": self.label}


@dataclass(frozen=True)
class NotCounted:
    """A record the engine looked at and left out, with the reason."""

    ref: RecordRef
    reason: str

    def as_json(self) -> dict[str, Any]:
        return self.ref.as_json() | {"reason": self.reason}


@dataclass(frozen=True)
class ViolationFact:
    """A confirmed violation of the record (history), or the one a proposal is for.

    ``set_aside`` is empty while the violation stands; otherwise why it no longer counts
    (dismissed on review, every decision on it quashed)."""

    id: int
    family: str
    severity: str
    occurred_at: datetime
    person_id: int | None = None
    department_id: int | None = None
    head_id: int | None = None  # the department's head
    source_kind: str = ""
    type_name: str = ""
    case_id: int | None = None  # a founded complaint's case: one complaint per case
    leader_id: int | None = None  # the leadership-team member supervising the department
    set_aside: str = ""
    adverse_effect: bool = False

    @property
    def ref(self) -> RecordRef:
        return RecordRef("violation", self.id, self.occurred_at, self.type_name)

    @property
    def drew_complaint(self) -> bool:
        """It drew a founded complaint or had an adverse effect (DOMAIN §7: a missed
        limit, or a first-contact breach, is graver when it did)."""
        return self.source_kind == "complaint" or self.adverse_effect


@dataclass(frozen=True)
class DecisionFact:
    """A sanction decision of the record (approved or further). ``kinds`` are the kinds
    that stand now (after a reduction); ``set_aside`` is empty while it stands, otherwise
    why it no longer counts (quashed, its violation dismissed on review)."""

    id: int
    person_id: int
    department_id: int
    kinds: tuple[str, ...]
    decided_at: datetime
    label: str = ""
    rule_number: int | None = None
    person_is_head: bool = False  # the person heads the decision's department
    subject_is_department: bool = False
    set_aside: str = ""
    decided_kinds: tuple[str, ...] = ()  # as first decided, when a review reduced them

    @property
    def ref(self) -> RecordRef:
        return RecordRef("decision", self.id, self.decided_at, self.label)


@dataclass(frozen=True)
class ProposalFacts:
    """What a proposal is about: the violation, and for an aggregate violation the
    records its firing counted."""

    violation: ViolationFact
    counted: tuple[RecordRef, ...] = ()
    not_counted: tuple[NotCounted, ...] = ()


@dataclass(frozen=True)
class History:
    """The person's earlier confirmed violations (the violation itself left out),
    standing or set aside."""

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
    not_counted: tuple[NotCounted, ...] = ()
    subject_is_department: bool = False

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
    not_counted: tuple[NotCounted, ...] = ()

    @property
    def key(self) -> tuple[int, str, int, str]:
        return (self.rule_number, self.scope, self.subject_id, self.period)


@dataclass(frozen=True)
class Eligibility:
    """Whether a person or a department keeps the year's award eligibility: what cost
    it (``lost_by``), and what was looked at and not counted, each with its reason."""

    year: int
    eligible: bool
    lost_by: tuple[str, ...] = ()
    not_counted: tuple[str, ...] = ()

    @property
    def reasons(self) -> list[str]:
        return list(self.lost_by)
