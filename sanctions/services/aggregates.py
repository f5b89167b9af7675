"""The aggregate rules (a third founded complaint in a month, a second warning in a year,
a department's warnings, a head's staff's serious errors) fired on the record, exactly
once each.

sanctions.engine.aggregates_due says which (rule, person or department, period) keys
the record reaches; each new key is inserted as an AggregateFiring under a savepoint,
and the unique constraints on that table, not a check in Python, make a key fire once
whether a confirmation, an approval or the monthly task gets there first, or several at
the same moment. A firing whose rule raises a violation (rules 4, 10, 13) raises it in
the same transaction, once (Violation.firing is unique); rule 11 is a consequence, read
by the award-eligibility selectors.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from accountability import audit
from accountability.models import Department, StaffProfile
from sanctions.engine import (
    LOCAL_TZ,
    Firing,
    Record,
    RecordRef,
    aggregates_due,
)
from sanctions.models import (
    AggregateFiring,
    Rule,
    SourceKind,
    Violation,
    ViolationEvent,
    ViolationState,
    ViolationType,
)
from sanctions.services.facts import confirmed_violations, decision_fact, standing_decisions
from sanctions.services.rulebook import rulebook_current, rulebook_spec


def _record_start(now: datetime) -> datetime:
    """The record the aggregate rules look at: since 1 January of last year (a year's
    count, and three months back from January)."""
    local = timezone.localtime(now, LOCAL_TZ)
    return local.replace(
        year=local.year - 1, month=1, day=1, hour=0, minute=0, second=0, microsecond=0
    )


def _already_counted() -> dict[int, frozenset[tuple[str, int]]]:
    found: dict[int, set[tuple[str, int]]] = defaultdict(set)
    for number, counted in AggregateFiring.objects.values_list("rule_number", "counted"):
        found[number].update((row["kind"], int(row["id"])) for row in counted)
    return {number: frozenset(keys) for number, keys in found.items()}


def _existing_keys() -> set[tuple[int, str, int, str]]:
    keys = set()
    for number, person, department, period in AggregateFiring.objects.values_list(
        "rule_number", "person_id", "department_id", "period"
    ):
        if person is not None:
            keys.add((number, "person", person, period))
        else:
            keys.add((number, "department", department, period))
    return keys


def _raise_for(firing: AggregateFiring, due: Firing, code: str, now: datetime) -> Violation | None:
    """The violation an aggregate firing raises: against the person (rule 4), the
    department's head (rule 10) or the head (rule 13)."""
    violation_type = ViolationType.objects.filter(code=code).first()
    if violation_type is None:
        return None
    latest = due.counted[-1]
    department: Department | None
    if due.scope == "department":
        department = Department.objects.get(pk=due.subject_id)
        staff = department.head
    else:
        staff = firing.person
        counted_violation = (
            Violation.objects.filter(pk=latest.id).select_related("department").first()
            if latest.kind == "violation"
            else None
        )
        profile = StaffProfile.objects.select_related("department").filter(user=staff).first()
        department = (
            counted_violation.department
            if counted_violation is not None
            else profile.department
            if profile is not None
            else None
        )
    if department is None:
        return None
    violation = Violation.objects.create(
        type=violation_type,
        staff=staff,
        department=department,
        occurred_at=latest.at,
        severity=violation_type.default_severity,
        source_kind=SourceKind.AGGREGATE,
        firing=firing,
        rulebook_version=firing.rulebook_version,
        summary=f"#{due.rule_number} {due.period}",
        raised_at=now,
    )
    ViolationEvent.objects.create(
        violation=violation,
        action="raise",
        from_state="",
        to_state=ViolationState.RAISED,
        data={"rule": due.rule_number, "period": due.period},
        at=now,
    )
    return violation


def _refs_json(refs: Iterable[RecordRef]) -> list[dict[str, Any]]:
    return [ref.as_json() for ref in refs]


# Advisory lock classes: aggregate evaluation for one person / one department at a time.
LOCK_PERSON, LOCK_DEPARTMENT = 7401, 7402


def _serialise(persons: set[int] | None, departments: set[int] | None) -> None:
    """Two confirmations about the same person at the same moment would each count only
    the other's committed rows and neither fire (write skew). On PostgreSQL they take a
    transaction-scoped advisory lock per person and department, in a fixed order, so the
    second waits for the first to commit and then counts both. (The monthly task is the
    backstop wherever this does not apply.)"""
    if connection.vendor != "postgresql":
        return
    keys = sorted(
        [(LOCK_PERSON, pk) for pk in persons or ()]
        + [(LOCK_DEPARTMENT, pk) for pk in departments or ()]
    )
    with connection.cursor() as cursor:
        for kind, pk in keys:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [kind, pk])


def aggregates_fire(
    *,
    via: str,
    now: datetime | None = None,
    persons: Iterable[int] | None = None,
    departments: Iterable[int] | None = None,
) -> list[AggregateFiring]:
    """Fire the aggregate rules the record reaches and that have not fired yet; the new
    firings. With `persons` / `departments`, only the record of those people and
    departments is read and only their keys fire (a confirmation or an approval);
    without, everything (the monthly task)."""
    now = now or timezone.now()
    version = rulebook_current()
    spec = rulebook_spec(version)
    if not any(rule.trigger == "aggregate" for rule in spec.rules):
        return []
    since = _record_start(now)
    persons = set(persons) if persons is not None else None
    departments = set(departments) if departments is not None else None
    if departments is not None:
        # Rule 13 is about a head: the heads of the departments concerned.
        heads = set(
            Department.objects.filter(pk__in=departments, head__isnull=False).values_list(
                "head_id", flat=True
            )
        )
        persons = (persons or set()) | heads
    if persons is not None or departments is not None:
        _serialise(persons, departments)
    violations = confirmed_violations(since=since, persons=persons, departments=departments)
    decisions = standing_decisions(since=since, persons=persons, departments=departments)
    record = Record(
        violations=tuple(violations),
        decisions=tuple(decision_fact(d) for d in decisions),
        already_counted=_already_counted(),
    )
    existing = _existing_keys()
    rules = {rule.number: rule for rule in spec.rules}
    rules_by_id = {rule.pk: rule for rule in Rule.objects.filter(version=version)}
    fired: list[AggregateFiring] = []
    for due in aggregates_due(record, spec):
        if (due.rule_number, due.scope, due.subject_id, due.period) in existing:
            continue
        if due.scope == "person" and persons is not None and due.subject_id not in persons:
            continue
        if (
            due.scope == "department"
            and departments is not None
            and due.subject_id not in departments
        ):
            continue
        try:
            with transaction.atomic():
                firing = AggregateFiring.objects.create(
                    rulebook_version=version,
                    rule=rules_by_id[int(due.rule_id or 0)],
                    rule_number=due.rule_number,
                    person_id=due.subject_id if due.scope == "person" else None,
                    department_id=due.subject_id if due.scope == "department" else None,
                    period=due.period,
                    counted=_refs_json(due.counted),
                    fired_at=now,
                    via=via,
                )
                raises = rules[due.rule_number].params.get("raises")
                violation = _raise_for(firing, due, raises, now) if raises else None
                audit.record(
                    actor=None,
                    action="aggregate.fire",
                    obj=firing,
                    after={
                        "rule": due.rule_number,
                        "scope": due.scope,
                        "subject": due.subject_id,
                        "period": due.period,
                        "counted": [ref.id for ref in due.counted],
                        "violation": violation.pk if violation is not None else None,
                    },
                )
        except IntegrityError:
            continue  # fired by a parallel transaction: once is the point
        existing.add((due.rule_number, due.scope, due.subject_id, due.period))
        fired.append(firing)
    return fired


def aggregates_run_monthly(*, now: datetime | None = None) -> list[AggregateFiring]:
    """The monthly beat task: fire whatever the whole record reaches (what a
    confirmation or an approval missed, a rule added by a new rulebook version)."""
    with transaction.atomic():
        return aggregates_fire(via="monthly", now=now)
