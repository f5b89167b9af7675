"""``propose``: what the rulebook proposes for one violation, given the person's earlier
record, with the explanation; and the consequence rules (rule 12) a proposal names."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.utils.translation import gettext as _

from sanctions.engine._common import explain, year_of
from sanctions.engine.data import (
    History,
    NotCounted,
    Proposal,
    ProposalFacts,
    RecordRef,
    RulebookSpec,
    RuleSpec,
    ViolationFact,
)

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
