"""Properties of the rulebook engine (sanctions.engine), a pure function: the same input
gives the same proposal; no sanction without a rule; every explanation cites its rule
and the records it counted. Over the default rulebook of fixtures/rulebook.json, read
without the database."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from django.conf import settings
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from sanctions.engine import (
    DecisionFact,
    History,
    ProposalFacts,
    Record,
    RecordRef,
    RulebookSpec,
    RuleSpec,
    ViolationFact,
    aggregates_due,
    month_of,
    propose,
    year_of,
)
from sanctions.models import SanctionKind, ViolationFamily
from sanctions.rulebook_file import parse_rulebook

UTC = ZoneInfo("UTC")
FAMILIES = sorted(ViolationFamily.values)
SEVERITIES = ["minor", "serious", "grave"]
WARNINGS = [SanctionKind.ORAL_WARNING.value, SanctionKind.WRITTEN_WARNING.value]


def _default_rulebook() -> RulebookSpec:
    data = json.loads((Path(settings.BASE_DIR) / "fixtures/rulebook.json").read_text("utf-8"))
    parsed = parse_rulebook(
        data,
        kinds=set(SanctionKind.values),
        families=set(ViolationFamily.values),
        regulations={rule["regulation"] for rule in data["rules"]},
    )
    return RulebookSpec(
        version_id=1,
        label=parsed["label"],
        rules=tuple(
            RuleSpec(
                number=rule["number"],
                title=rule["title"],
                citation=f"《{rule['regulation']}》{rule['article']}",
                trigger=rule["trigger"],
                params=rule["params"],
                id=100 + rule["number"],
            )
            for rule in parsed["rules"]
        ),
    )


RULEBOOK = _default_rulebook()

moments = st.datetimes(
    # Hypothesis takes naive bounds and makes aware values in the zone given.
    min_value=datetime(2024, 1, 1),  # noqa: DTZ001
    max_value=datetime(2027, 12, 31),  # noqa: DTZ001
    timezones=st.just(UTC),
)


@st.composite
def violation_facts(draw: st.DrawFn, ident: int | None = None) -> ViolationFact:
    return ViolationFact(
        id=ident if ident is not None else draw(st.integers(1, 10_000)),
        family=draw(st.sampled_from(FAMILIES)),
        severity=draw(st.sampled_from(SEVERITIES)),
        occurred_at=draw(moments),
        person_id=draw(st.integers(1, 4)),
        department_id=draw(st.integers(1, 3)),
        head_id=draw(st.integers(1, 6)),
        source_kind=draw(st.sampled_from(["breach", "complaint", "finding", "notice_breach"])),
        case_id=draw(st.integers(1, 5)),
        leader_id=draw(st.one_of(st.none(), st.integers(1, 6))),
        adverse_effect=draw(st.booleans()),
        set_aside=draw(st.sampled_from(["", "", "dismissed on review"])),
    )


@st.composite
def cases(draw: st.DrawFn) -> tuple[ProposalFacts, History]:
    history = draw(st.lists(violation_facts(), max_size=8, unique_by=lambda fact: fact.id))
    violation = draw(violation_facts(ident=20_000))
    counted = tuple(
        RecordRef("violation", fact.id, fact.occurred_at)
        for fact in draw(st.lists(violation_facts(), max_size=3, unique_by=lambda f: f.id))
    )
    return ProposalFacts(violation=violation, counted=counted), History(tuple(history))


@given(cases())
@hypothesis_settings(max_examples=200, deadline=None)
def test_it_gives_the_same_proposal_for_the_same_input(case: tuple[ProposalFacts, History]) -> None:
    facts, history = case
    first = propose(facts, history, RULEBOOK)
    assert first == propose(facts, history, RULEBOOK)
    # The order the history is read in changes nothing.
    shuffled = History(tuple(reversed(history.violations)))
    assert propose(facts, shuffled, RULEBOOK) == first


@given(cases())
@hypothesis_settings(max_examples=200, deadline=None)
def test_it_takes_every_proposal_from_a_rule_and_cites_it(
    case: tuple[ProposalFacts, History],
) -> None:
    facts, history = case
    proposal = propose(facts, history, RULEBOOK)
    # The default rulebook has a rule for every situation and severity.
    assert proposal is not None
    rule = RULEBOOK.rule(proposal.rule_number)
    assert rule is not None
    assert rule.id == proposal.rule_id
    clause_kinds = {kind for clause in rule.params["clauses"] for kind in clause["kinds"]}
    assert proposal.kinds
    assert set(proposal.kinds) <= clause_kinds
    # It names the rule (its title is unique in the rulebook) and its regulation.
    assert rule.title in proposal.explanation
    assert rule.citation in proposal.explanation
    assert [r.number for r in RULEBOOK.rules if r.title in proposal.explanation] == [rule.number]
    for ref in proposal.counted:
        assert f"#{ref.id}" in proposal.explanation
    # What it did not count it names too, with the reason; a set-aside record never counts.
    for item in proposal.not_counted:
        assert f"#{item.ref.id}" in proposal.explanation
        assert item.reason in proposal.explanation
    set_aside = {fact.id for fact in history.violations if fact.set_aside}
    assert not set_aside & {ref.id for ref in proposal.counted if ref.kind == "violation"} - {
        ref.id for ref in facts.counted
    }
    # What it counted from the history is the person's earlier record only.
    earlier = {fact.id for fact in history.violations}
    own = {ref.id for ref in facts.counted}
    assert all(ref.id in earlier | own for ref in proposal.counted)
    assert proposal.allows(proposal.kinds)


@given(cases(), st.sets(st.integers(1, 14)))
@hypothesis_settings(max_examples=200, deadline=None)
def test_it_proposes_no_sanction_without_a_rule(
    case: tuple[ProposalFacts, History], dropped: set[int]
) -> None:
    facts, history = case
    partial = RulebookSpec(
        version_id=2,
        label="partial",
        rules=tuple(rule for rule in RULEBOOK.rules if rule.number not in dropped),
    )
    proposal = propose(facts, history, partial)
    full = propose(facts, history, RULEBOOK)
    assert full is not None
    if full.rule_number in dropped:
        # The rule that applied is gone and the clauses do not overlap: nothing applies.
        assert proposal is None
    else:
        assert proposal is not None
        same = ("rule_number", "rule_id", "kinds", "mode", "counted")
        assert [getattr(proposal, name) for name in same] == [getattr(full, name) for name in same]
        # Only the consequence line differs, when rule 12 is gone and it spoke of it.
        spoke = full.rule_number in (5, 6, 7, 16)
        assert (proposal == full) is (12 not in dropped or not spoke)
    assert propose(facts, history, RulebookSpec(3, "empty", ())) is None


@st.composite
def records(draw: st.DrawFn) -> Record:
    violations = draw(st.lists(violation_facts(), max_size=12, unique_by=lambda f: f.id))
    decisions = [
        DecisionFact(
            id=index + 1,
            person_id=draw(st.integers(1, 4)),
            department_id=draw(st.integers(1, 3)),
            kinds=tuple(
                draw(st.lists(st.sampled_from([*WARNINGS, "pay_cut"]), min_size=1, max_size=2))
            ),
            decided_at=draw(moments),
            person_is_head=draw(st.booleans()),
            set_aside=draw(st.sampled_from(["", "", "quashed on appeal"])),
        )
        for index in range(draw(st.integers(0, 10)))
    ]
    return Record(violations=tuple(violations), decisions=tuple(decisions))


@given(records())
@hypothesis_settings(max_examples=200, deadline=None)
def test_it_fires_aggregates_stably_and_only_at_their_thresholds(record: Record) -> None:
    firings = aggregates_due(record, RULEBOOK)
    assert firings == aggregates_due(record, RULEBOOK)
    keys = [(f.rule_number, f.scope, f.subject_id, f.period) for f in firings]
    assert len(keys) == len(set(keys))  # one firing per key
    set_aside = {("violation", f.id) for f in record.violations if f.set_aside} | {
        ("decision", d.id) for d in record.decisions if d.set_aside
    }
    heads = {d.id for d in record.decisions if d.person_is_head}
    for firing in firings:
        rule = RULEBOOK.rule(firing.rule_number)
        assert rule is not None
        assert rule.trigger == "aggregate"
        # Only standing records count; a head's own warning never counts for rule 10.
        assert not {(ref.kind, ref.id) for ref in firing.counted} & set_aside
        if firing.rule_number == 10:
            assert not {ref.id for ref in firing.counted} & heads
        if firing.rule_number == 4:  # complaints, not violations
            cases = [
                next(f.case_id for f in record.violations if f.id == ref.id)
                for ref in firing.counted
            ]
            assert len(cases) == len(set(cases))
        least = min(int(t["at_least"]) for t in rule.params["thresholds"])
        assert len(firing.counted) >= least
        if len(firing.period) == 7 and firing.rule_number != 13:  # a calendar month
            assert {month_of(ref.at) for ref in firing.counted} == {firing.period}
        elif len(firing.period) == 4:
            assert {year_of(ref.at) for ref in firing.counted} == {firing.period}
        else:  # rule 13: within three months ending with the period
            assert max(ref.at for ref in firing.counted) - min(
                ref.at for ref in firing.counted
            ) < timedelta(days=31 * 3)
