"""The rulebook engine: pure functions, no database, no clock.

``propose`` takes the facts of one violation, the record of the person who answers for
it and a rulebook version, and returns what the rulebook proposes, with an explanation
that names the rule, its regulation, the earlier records it counted and those it did not
count, each with the reason.

``aggregates_due`` takes the record (violations and decisions, standing or set aside)
and returns the aggregate rules that fire on it (rules 4, 10, 11 and 13 of the default
rulebook): the firing key (rule, person or department, period), the records counted
and the records left out with the reason. The database keeps each key once per round
(sanctions.models.AggregateFiring); this function only says which keys the record
reaches.

``eligibility`` says whether a person or a department keeps a year's award eligibility
(rules 11, 12 and 16), with what cost it and what was not counted.

How things are counted (DOMAIN §7):
- only standing records count: a violation dismissed on review, or a decision quashed
  (or reduced to kinds the rule does not count) is shown as not counted, with why;
- a complaint counts once, however many violation types it yielded (rule 4);
- a head's own warnings do not count towards rule 10, which is about the head's staff;
- rule 13 counts the serious errors of the staff a leadership-team member supervises;
- repeating a minor breach is not escalation: rule 1 has no count of earlier breaches.

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
AWARD = SanctionKind.AWARD_INELIGIBILITY.value


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


def kind_label(kind: str) -> str:
    try:
        return str(SanctionKind(kind).label)
    except ValueError:
        return kind


def ref_text(ref: RecordRef) -> str:
    return _("%(kind)s #%(id)s of %(date)s%(label)s") % {
        "kind": _("violation") if ref.kind == "violation" else _("decision"),
        "id": ref.id,
        "date": f"{_local(ref.at):%Y-%m-%d}",
        "label": f" ({ref.label})" if ref.label else "",
    }


def _refs_text(refs: Sequence[RecordRef]) -> str:
    return "; ".join(ref_text(ref) for ref in refs)


def not_counted_text(items: Sequence[NotCounted]) -> str:
    return "; ".join(
        _("%(record)s: %(reason)s") % {"record": ref_text(item.ref), "reason": item.reason}
        for item in items
    )


def _counting_text(counted: Sequence[RecordRef], not_counted: Sequence[NotCounted]) -> str:
    text = (
        _("Records counted: %(records)s.") % {"records": _refs_text(counted)}
        if counted
        else _("No earlier records counted.")
    )
    if not_counted:
        text += " " + _("Not counted: %(records)s.") % {"records": not_counted_text(not_counted)}
    return text


def explain(
    rule: RuleSpec,
    kinds: Sequence[str],
    mode: str,
    counted: Sequence[RecordRef],
    label: str,
    not_counted: Sequence[NotCounted] = (),
) -> str:
    joiner = _(" and ") if mode == "all" else _(" or ")
    text = _("Rule %(number)s (%(citation)s): %(title)s%(clause)s. Proposes: %(kinds)s.") % {
        "number": rule.number,
        "citation": rule.citation,
        "title": rule.title,
        "clause": f" [{label}]" if label else "",
        "kinds": joiner.join(kind_label(kind) for kind in kinds),
    }
    return text + " " + _counting_text(counted, not_counted)


# -- proposals ----------------------------------------------------------------------------


def _same_scope(clause: Mapping[str, Any], fact: ViolationFact, violation: ViolationFact) -> bool:
    """Earlier than the violation, and in its calendar year unless the clause counts
    ever (prior_scope "ever")."""
    if (fact.occurred_at, fact.id) >= (violation.occurred_at, violation.id):
        return False
    return clause.get("prior_scope", "year") != "year" or year_of(fact.occurred_at) == year_of(
        violation.occurred_at
    )


def _prior(
    clause: Mapping[str, Any], violation: ViolationFact, history: History
) -> tuple[tuple[RecordRef, ...], tuple[NotCounted, ...]]:
    """The person's earlier violations of the clause's families in its scope: those that
    stand (counted) and those set aside (not counted, with why)."""
    families = set(clause.get("count_families") or clause.get("families") or ())
    found = sorted(
        (
            fact
            for fact in history.violations
            if fact.id != violation.id
            and fact.family in families
            and _same_scope(clause, fact, violation)
        ),
        key=lambda fact: (fact.occurred_at, fact.id),
    )
    counted = tuple(fact.ref for fact in found if not fact.set_aside)
    skipped = tuple(NotCounted(fact.ref, fact.set_aside) for fact in found if fact.set_aside)
    return counted, skipped


def _history_shown(violation: ViolationFact, history: History) -> tuple[NotCounted, ...]:
    """For a rule that does not count earlier breaches (rule 1): the person's earlier
    breaches of the same kind in the year, shown with why they do not escalate."""
    reason = _(
        "shown for the record; a repeated minor breach does not escalate the sanction "
        "(repeat is not escalation)"
    )
    return tuple(
        NotCounted(fact.ref, fact.set_aside or reason)
        for fact in sorted(history.violations, key=lambda fact: (fact.occurred_at, fact.id))
        if fact.id != violation.id
        and fact.family == violation.family
        and _same_scope({}, fact, violation)
    )


def _matches(clause: Mapping[str, Any], violation: ViolationFact, prior: Sequence[Any]) -> bool:
    if violation.family not in clause.get("families", ()):
        return False
    severities = clause.get("severities")
    if severities and violation.severity not in severities:
        return False
    if "adverse_effect" in clause and violation.adverse_effect != clause["adverse_effect"]:
        return False
    if "drew_complaint" in clause and violation.drew_complaint != clause["drew_complaint"]:
        return False
    if "min_prior" in clause and len(prior) < clause["min_prior"]:
        return False
    return not ("max_prior" in clause and len(prior) > clause["max_prior"])


def _counts_prior(clause: Mapping[str, Any]) -> bool:
    return "min_prior" in clause or "max_prior" in clause


def propose(facts: ProposalFacts, history: History, rulebook: RulebookSpec) -> Proposal | None:
    """What the rulebook proposes for this violation, or None when no rule applies (then
    no sanction can be proposed: no sanction without a rule).

    Rules are tried in their order; within a rule, its clauses in order; the first
    clause that matches decides. The default rulebook's clauses do not overlap."""
    violation = facts.violation
    for rule in sorted(rulebook.rules, key=lambda r: r.number):
        for clause in rule.params.get("clauses", ()):
            if _counts_prior(clause):
                prior, skipped = _prior(clause, violation, history)
            else:
                prior, skipped = (), ()
            if not _matches(clause, violation, prior):
                continue
            if not _counts_prior(clause) and clause.get("show_history"):
                skipped = _history_shown(violation, history)
            kinds = tuple(clause["kinds"])
            mode = clause.get("mode", "all")
            counted = tuple(prior) + tuple(facts.counted)
            skipped = tuple(skipped) + tuple(facts.not_counted)
            explanation = explain(rule, kinds, mode, counted, clause.get("label", ""), skipped)
            explanation += _consequences_text(rule, rulebook)
            return Proposal(
                rule_number=rule.number,
                rule_id=rule.id,
                rule_title=rule.title,
                citation=rule.citation,
                kinds=kinds,
                mode=mode,
                counted=counted,
                explanation=explanation,
                not_counted=skipped,
                subject_is_department=rule.params.get("subject") == "department",
            )
    return None


def consequence_rules(rulebook: RulebookSpec) -> tuple[RuleSpec, ...]:
    """Rules that attach a consequence to a decision (rule 12)."""
    return tuple(rule for rule in rulebook.rules if rule.trigger == "consequence")


def _consequences_text(rule: RuleSpec, rulebook: RulebookSpec) -> str:
    """What a decision on this proposal costs besides, by the consequence rules that
    apply to it (rule 12 applies to the measures of its own regulation only)."""
    text = ""
    for consequence in consequence_rules(rulebook):
        if rule.number in consequence.params.get("person_rules", ()):
            text += " " + _(
                "A decision under this rule costs the person the year's award "
                "eligibility: rule %(number)s (%(citation)s)."
            ) % {"number": consequence.number, "citation": consequence.citation}
        elif rule.params.get("subject") == "department":
            text += " " + _(
                "A decision under this rule names the department: the department and its "
                "head lose the year's award eligibility (rule %(number)s, %(citation)s)."
            ) % {"number": consequence.number, "citation": consequence.citation}
    return text


# -- aggregate rules ----------------------------------------------------------------------


@dataclass(frozen=True)
class Record:
    """The record the aggregate rules count over, standing and set aside."""

    violations: tuple[ViolationFact, ...] = ()
    decisions: tuple[DecisionFact, ...] = ()
    # Records each rule already counted in firings that still stand (rule 13 counts an
    # error once).
    already_counted: Mapping[int, frozenset[tuple[str, int]]] = field(default_factory=dict)


@dataclass(frozen=True)
class _Item:
    """One thing an aggregate rule may count: for whom, when, which record."""

    subject: int | None
    at: datetime
    ref: RecordRef
    skip: str = ""  # why it is not counted; empty when it is


def _complaints(rule: RuleSpec, record: Record) -> list[_Item]:
    """Rule 4 counts complaints, not violations: the first violation of each (person,
    case) stands for the complaint; the others of the same complaint are not counted."""
    items: list[_Item] = []
    first: dict[tuple[int | None, int | None], ViolationFact] = {}
    facts = sorted(
        (
            fact
            for fact in record.violations
            if fact.source_kind == "complaint" and fact.family not in AGGREGATE_FAMILIES
        ),
        key=lambda fact: (fact.occurred_at, fact.id),
    )
    for fact in facts:
        if fact.set_aside:
            items.append(_Item(fact.person_id, fact.occurred_at, fact.ref, fact.set_aside))
            continue
        key = (fact.person_id, fact.case_id)
        if fact.case_id is not None and key in first:
            items.append(
                _Item(
                    fact.person_id,
                    fact.occurred_at,
                    fact.ref,
                    _("the same complaint as violation #%(id)s: a complaint counts once")
                    % {"id": first[key].id},
                )
            )
            continue
        first[key] = fact
        items.append(_Item(fact.person_id, fact.occurred_at, fact.ref))
    return items


def _warnings(rule: RuleSpec, record: Record) -> list[_Item]:
    """Standing warnings (效能告诫) by person, or by department for rule 10, where the
    head's own warnings are not counted: the rule is about the head's staff."""
    by_department = rule.params.get("scope") == "department"
    items: list[_Item] = []
    for decision in record.decisions:
        was_warning = WARNINGS & set(decision.decided_kinds or decision.kinds)
        if not was_warning:
            continue
        subject = decision.department_id if by_department else decision.person_id
        skip = decision.set_aside
        if not skip and not WARNINGS & set(decision.kinds):
            skip = _("reduced on review to a sanction that is not a warning")
        if not skip and by_department and decision.person_is_head:
            skip = _("the head's own warning: the rule counts the head's staff")
        items.append(_Item(subject, decision.decided_at, decision.ref, skip))
    return items


def _serious_errors(rule: RuleSpec, record: Record) -> list[_Item]:
    """Rule 13: the serious errors of the staff of the departments a leadership-team
    member supervises (not the member's own)."""
    items: list[_Item] = []
    for fact in record.violations:
        if (
            fact.severity not in SERIOUS
            or fact.family in AGGREGATE_FAMILIES
            or fact.leader_id is None
            or fact.leader_id == fact.person_id
        ):
            continue
        items.append(_Item(fact.leader_id, fact.occurred_at, fact.ref, fact.set_aside))
    return items


COUNTERS = {
    "founded_complaints": _complaints,
    "warnings": _warnings,
    "serious_errors": _serious_errors,
}


def _counted_items(rule: RuleSpec, record: Record) -> list[_Item]:
    counter = COUNTERS.get(str(rule.params.get("counts")))
    return counter(rule, record) if counter is not None else []


def _sorted_refs(refs: Iterable[RecordRef]) -> tuple[RecordRef, ...]:
    return tuple(sorted(refs, key=lambda ref: (ref.at, ref.kind, ref.id)))


def _skipped(items: Iterable[_Item]) -> tuple[NotCounted, ...]:
    return tuple(
        NotCounted(item.ref, item.skip)
        for item in sorted(items, key=lambda item: (item.at, item.ref.kind, item.ref.id))
    )


def _scope(rule: RuleSpec) -> str:
    return "department" if rule.params.get("scope") == "department" else "person"


def aggregates_due(record: Record, rulebook: RulebookSpec) -> list[Firing]:
    """Every aggregate firing the record reaches, in a stable order."""
    firings: list[Firing] = []
    for rule in sorted(rulebook.rules, key=lambda r: r.number):
        if rule.trigger != "aggregate":
            continue
        items = [item for item in _counted_items(rule, record) if item.subject is not None]
        for threshold in rule.params.get("thresholds", ()):
            at_least = int(threshold["at_least"])
            period = threshold["period"]
            if period in ("month", "year"):
                firings.extend(_calendar(rule, items, period, at_least))
            elif period == "rolling_month":
                firings.extend(_rolling_month(rule, items, at_least))
            elif period == "months":
                firings.extend(
                    _consecutive(rule, items, int(threshold["months"]), at_least, record)
                )
    return firings


def _calendar(rule: RuleSpec, items: list[_Item], period: str, at_least: int) -> list[Firing]:
    """Counted in calendar months or years: a key per subject and period."""
    groups: dict[tuple[int, str], list[_Item]] = defaultdict(list)
    for item in items:
        key = month_of(item.at) if period == "month" else year_of(item.at)
        groups[(int(item.subject or 0), key)].append(item)
    firings = []
    for (subject, key), group in sorted(groups.items()):
        counted = [item.ref for item in group if not item.skip]
        if len(counted) >= at_least:
            firings.append(
                Firing(
                    rule.number,
                    rule.id,
                    _scope(rule),
                    subject,
                    key,
                    _sorted_refs(counted),
                    _skipped(item for item in group if item.skip),
                )
            )
    return firings


def _by_subject(items: list[_Item]) -> list[tuple[int, list[_Item]]]:
    """The items of each subject, in time order, subjects in order."""
    groups: dict[int, list[_Item]] = defaultdict(list)
    for item in items:
        groups[int(item.subject or 0)].append(item)
    return [
        (subject, sorted(groups[subject], key=lambda item: (item.at, item.ref.id)))
        for subject in sorted(groups)
    ]


def _rolling_month(rule: RuleSpec, items: list[_Item], at_least: int) -> list[Firing]:
    """Counted in a rolling month (the window "rolling" of rule 4): `at_least` within a
    month ending at the latest of them. The period is the month of the latest; a person
    fires at most once a month."""
    firings = []
    for subject, group in _by_subject(items):
        counted = [item for item in group if not item.skip]
        fired: set[str] = set()
        for index, last in enumerate(counted):
            window_start = _month_before(last.at)
            window = [item for item in counted[: index + 1] if item.at > window_start]
            period = month_of(last.at)
            if len(window) >= at_least and period not in fired:
                fired.add(period)
                firings.append(
                    Firing(
                        rule.number,
                        rule.id,
                        _scope(rule),
                        subject,
                        period,
                        _sorted_refs(item.ref for item in window),
                        _skipped(
                            item
                            for item in group
                            if item.skip and window_start < item.at <= last.at
                        ),
                    )
                )
    return firings


def _month_before(at: datetime) -> datetime:
    """The same moment a calendar month earlier (the 31st going back to a 30-day month
    takes that month's last day)."""
    local = _local(at)
    year, month = (local.year, local.month - 1) if local.month > 1 else (local.year - 1, 12)
    day = local.day
    while True:
        try:
            return local.replace(year=year, month=month, day=day)
        except ValueError:
            day -= 1


def _consecutive(
    rule: RuleSpec, items: list[_Item], months: int, at_least: int, record: Record
) -> list[Firing]:
    """Rule 13: within `months` consecutive calendar months ending with the month of an
    error, `at_least` errors not counted by an earlier standing firing of the rule. The
    firing's period is the month in which the count was reached; its errors are not
    counted again."""
    used = set(record.already_counted.get(rule.number, frozenset()))
    firings = []
    for subject, group in _by_subject(items):
        errors = [item for item in group if not item.skip]
        fired_in: set[str] = set()  # one firing per month and member
        for last in errors:
            if month_of(last.at) in fired_in:
                continue
            window = _months_back(month_of(last.at), months)
            fresh = [
                item.ref
                for item in errors
                if (item.ref.kind, item.ref.id) not in used
                and month_of(item.at) in window
                and (item.at, item.ref.id) <= (last.at, last.ref.id)
            ]
            if len(fresh) >= at_least:
                skipped = _skipped(
                    item
                    for item in group
                    if item.skip and month_of(item.at) in window and item.at <= last.at
                )
                firings.append(
                    Firing(
                        rule.number,
                        rule.id,
                        _scope(rule),
                        subject,
                        month_of(last.at),
                        _sorted_refs(fresh),
                        skipped,
                    )
                )
                used.update((ref.kind, ref.id) for ref in fresh)
                fired_in.add(month_of(last.at))
    return firings


# -- award eligibility -------------------------------------------------------------------


def _in_year(decision: DecisionFact, year: int) -> bool:
    return year_of(decision.decided_at) == str(year)


def eligibility(
    record: Record,
    rulebook: RulebookSpec,
    *,
    year: int,
    person_id: int | None = None,
    department_id: int | None = None,
) -> Eligibility:
    """Whether a person (``person_id``) or a department (``department_id``) keeps the
    award eligibility of ``year`` (the year of the decisions, DOMAIN §7):

    - a person loses it by a second standing warning in the year (rule 11), by a
      standing decision under a rule whose measures rule 12 names (``person_rules``,
      the accountability measures of its own regulation), or by a standing decision
      that takes it away (rule 16, the unit's head);
    - a department loses it by a standing decision that names the department (rule 12
      on the decision's subject; rule 16)."""
    lost: list[str] = []
    skipped: list[str] = []
    decisions = [d for d in record.decisions if _in_year(d, year)]
    if person_id is not None:
        decisions = [d for d in decisions if d.person_id == person_id]
    else:
        decisions = [d for d in decisions if d.department_id == department_id]
    rule_11 = next(
        (
            rule
            for rule in rulebook.rules
            if rule.trigger == "aggregate"
            and rule.params.get("counts") == "warnings"
            and _scope(rule) == "person"
        ),
        None,
    )
    rule_12 = next(iter(consequence_rules(rulebook)), None)
    person_rules = set(rule_12.params.get("person_rules", ())) if rule_12 else set()

    if person_id is not None and rule_11 is not None:
        at_least = min(int(t["at_least"]) for t in rule_11.params.get("thresholds", ()))
        items = [item for item in _warnings(rule_11, record) if item.subject == person_id]
        items = [item for item in items if year_of(item.at) == str(year)]
        counted = [item.ref for item in items if not item.skip]
        for item in items:
            if item.skip:
                skipped.append(_("%(record)s: %(reason)s") % _texts(item.ref, item.skip))
        if len(counted) >= at_least:
            lost.append(
                _("Rule %(number)s (%(citation)s): %(count)s warnings in %(year)s: %(records)s.")
                % {
                    "number": rule_11.number,
                    "citation": rule_11.citation,
                    "count": len(counted),
                    "year": year,
                    "records": _refs_text(_sorted_refs(counted)),
                }
            )
        elif counted:
            skipped.append(
                _(
                    "Rule %(number)s (%(citation)s) needs %(needed)s warnings in the year; "
                    "%(count)s stands: %(records)s."
                )
                % {
                    "number": rule_11.number,
                    "citation": rule_11.citation,
                    "needed": at_least,
                    "count": len(counted),
                    "records": _refs_text(_sorted_refs(counted)),
                }
            )

    for decision in sorted(decisions, key=lambda d: (d.decided_at, d.id)):
        costs = _costs_award(decision, person_rules, person=person_id is not None)
        if decision.set_aside:
            if costs or decision.rule_number in person_rules or decision.subject_is_department:
                skipped.append(
                    _("%(record)s: %(reason)s") % _texts(decision.ref, decision.set_aside)
                )
            continue
        citation = rule_12.citation if rule_12 else ""
        if costs:
            lost.append(
                _("Rule %(number)s (%(citation)s): %(record)s with %(kinds)s, under rule %(rule)s.")
                % {
                    "number": rule_12.number if rule_12 else 12,
                    "citation": citation,
                    "record": ref_text(decision.ref),
                    "kinds": "、".join(kind_label(kind) for kind in decision.kinds),
                    "rule": decision.rule_number,
                }
            )
        else:
            skipped.append(
                _("%(record)s: %(reason)s")
                % _texts(decision.ref, _not_costing(decision, person=person_id is not None))
            )
    return Eligibility(
        year=year, eligible=not lost, lost_by=tuple(lost), not_counted=tuple(skipped)
    )


def _texts(ref: RecordRef, reason: str) -> dict[str, str]:
    return {"record": ref_text(ref), "reason": reason}


def _costs_award(decision: DecisionFact, person_rules: set[int], *, person: bool) -> bool:
    if person:
        return decision.rule_number in person_rules or AWARD in decision.kinds
    return decision.subject_is_department


def _not_costing(decision: DecisionFact, *, person: bool) -> str:
    if person:
        return _(
            "its sanctions are not an accountability measure that costs the award "
            "eligibility (a single warning does not; rule 11 needs two)"
        )
    return _("it is about a person, not the department (no decision names the department)")
