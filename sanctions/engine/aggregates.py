"""``aggregates_due``: the aggregate rules (4, 10, 11 and 13 of the default rulebook) the
record reaches, each firing keyed by (rule, person or department, period), with the
records counted and those left out."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from django.utils.translation import gettext as _

from sanctions.engine._common import (
    AGGREGATE_FAMILIES,
    SERIOUS,
    WARNINGS,
    _local,
    _months_back,
    month_of,
    year_of,
)
from sanctions.engine.data import (
    DecisionFact,
    Firing,
    NotCounted,
    RecordRef,
    RulebookSpec,
    RuleSpec,
    ViolationFact,
)

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
