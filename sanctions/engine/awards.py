"""``eligibility``: whether a person or a department keeps a year's award eligibility
(rules 11, 12 and 16), with what cost it and what was not counted."""

from __future__ import annotations

from django.utils.translation import gettext as _

from sanctions.engine._common import AWARD, _refs_text, kind_label, ref_text, year_of
from sanctions.engine.aggregates import Record, _scope, _sorted_refs, _warnings
from sanctions.engine.data import DecisionFact, Eligibility, RecordRef, RulebookSpec
from sanctions.engine.proposals import consequence_rules

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
