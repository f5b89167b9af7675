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

The engine is split by topic; import it from this package, which re-exports every
public name:

- ``data``: the inputs (facts, history, rulebook) and outputs (proposal, firing,
  eligibility), frozen dataclasses;
- ``proposals``: ``propose`` and the consequence rules;
- ``aggregates``: ``Record`` and ``aggregates_due``;
- ``awards``: ``eligibility``;
- ``_common``: what they share (LOCAL_TZ, the kinds the rules single out, periods,
  the explaining texts); private, but for the names re-exported here.
"""

from sanctions.engine._common import (
    AGGREGATE_FAMILIES,
    AWARD,
    LOCAL_TZ,
    SERIOUS,
    WARNINGS,
    explain,
    kind_label,
    month_of,
    not_counted_text,
    ref_text,
    year_of,
)
from sanctions.engine.aggregates import COUNTERS, Record, aggregates_due
from sanctions.engine.awards import eligibility
from sanctions.engine.data import (
    DecisionFact,
    Eligibility,
    Firing,
    History,
    NotCounted,
    Proposal,
    ProposalFacts,
    RecordRef,
    RulebookSpec,
    RuleSpec,
    ViolationFact,
)
from sanctions.engine.proposals import consequence_rules, propose

__all__ = [
    "AGGREGATE_FAMILIES",
    "AWARD",
    "COUNTERS",
    "LOCAL_TZ",
    "SERIOUS",
    "WARNINGS",
    "DecisionFact",
    "Eligibility",
    "Firing",
    "History",
    "NotCounted",
    "Proposal",
    "ProposalFacts",
    "Record",
    "RecordRef",
    "RuleSpec",
    "RulebookSpec",
    "ViolationFact",
    "aggregates_due",
    "consequence_rules",
    "eligibility",
    "explain",
    "kind_label",
    "month_of",
    "not_counted_text",
    "propose",
    "ref_text",
    "year_of",
]
