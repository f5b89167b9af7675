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
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accountability import audit
from accountability.models import Department, StaffProfile
from accountability.selectors import department_leaders
from sanctions.engine import (
    LOCAL_TZ,
    Firing,
    Record,
    RecordRef,
    RulebookSpec,
    RuleSpec,
    aggregates_due,
)
from sanctions.models import (
    AggregateFiring,
    DecisionState,
    DismissalReason,
    FiringWithdrawal,
    Rule,
    SanctionDecision,
    SourceKind,
    Violation,
    ViolationEvent,
    ViolationState,
    ViolationType,
)
from sanctions.models.decisions import STANDING_STATES
from sanctions.services.common import history_append
from sanctions.services.facts import (
    SET_ASIDE_ACTION,
    decision_fact,
    record_decisions,
    record_violations,
)
from sanctions.services.rulebook import rulebook_current, rulebook_spec

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def _record_start(now: datetime) -> datetime:
    """The record the aggregate rules look at: since 1 January of last year (a year's
    count, and three months back from January)."""
    local = timezone.localtime(now, LOCAL_TZ)
    return local.replace(
        year=local.year - 1, month=1, day=1, hour=0, minute=0, second=0, microsecond=0
    )


def standing_firings() -> QuerySet[AggregateFiring]:
    """Firings not withdrawn."""
    return AggregateFiring.objects.filter(withdrawal__isnull=True)


def _already_counted() -> dict[int, frozenset[tuple[str, int]]]:
    found: dict[int, set[tuple[str, int]]] = defaultdict(set)
    for number, counted in standing_firings().values_list("rule_number", "counted"):
        found[number].update((row["kind"], int(row["id"])) for row in counted)
    return {number: frozenset(keys) for number, keys in found.items()}


def firing_key(firing: AggregateFiring) -> tuple[int, str, int, str]:
    if firing.person_id is not None:
        return (firing.rule_number, "person", firing.person_id, firing.period)
    return (firing.rule_number, "department", int(firing.department_id or 0), firing.period)


def _existing_keys() -> set[tuple[int, str, int, str]]:
    """The keys of the firings that stand."""
    return {
        firing_key(firing)
        for firing in standing_firings().only("rule_number", "person_id", "department_id", "period")
    }


def _round(key: tuple[int, str, int, str]) -> int:
    """The next round of a key: how many of its firings were withdrawn."""
    number, scope, subject, period = key
    subject_field = "person_id" if scope == "person" else "department_id"
    return AggregateFiring.objects.filter(
        rule_number=number, period=period, withdrawal__isnull=False, **{subject_field: subject}
    ).count()


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


def _record(since: datetime, persons: set[int] | None, departments: set[int] | None) -> Record:
    violations = record_violations(since=since, persons=persons, departments=departments)
    decisions = record_decisions(since=since, persons=persons, departments=departments)
    return Record(
        violations=tuple(violations),
        decisions=tuple(decision_fact(d) for d in decisions),
        already_counted=_already_counted(),
    )


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
        # Rule 13 is about the leadership-team member who supervises a department.
        leaders = department_leaders()
        persons = (persons or set()) | {
            leader for pk in departments if (leader := leaders.get(pk)) is not None
        }
    if persons is not None or departments is not None:
        _serialise(persons, departments)
    record = _record(since, persons, departments)
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
                    not_counted=[item.as_json() for item in due.not_counted],
                    fired_at=now,
                    via=via,
                    round=_round(due.key),
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
                        "not_counted": [item.as_json() for item in due.not_counted],
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


# -- undo: firings that no longer hold -----------------------------------------------------


def _set_aside_refs(record: Record) -> dict[tuple[str, int], str]:
    """The records of `record` that no longer stand, each with why."""
    found = {("violation", fact.id): fact.set_aside for fact in record.violations}
    found |= {("decision", decision.id): decision.set_aside for decision in record.decisions}
    return {key: reason for key, reason in found.items() if reason}


def _period_reach(period: str) -> datetime:
    """Where the record a firing of `period` counted can begin: the year's first day, or
    for a month two months before it (rule 13 counts three consecutive months)."""
    year, _sep, month = period.partition("-")
    first = datetime(int(year), int(month or 1), 1, tzinfo=LOCAL_TZ)
    if not month:
        return first
    back = int(month) - 2
    return first.replace(year=first.year - (back < 1), month=back + 12 * (back < 1))


def _still_holds(firing: AggregateFiring, record: Record, set_aside: dict[Any, str]) -> bool:
    """Whether the firing's rule, as its own rulebook version has it, still reaches the
    firing's key on the record as it stands. Rule 13 counts each error once, so it is
    asked of the errors the firing itself counted."""
    rule = firing.rule
    spec = RulebookSpec(
        version_id=rule.version_id,
        label="",
        rules=(
            RuleSpec(
                number=rule.number,
                title=rule.title,
                citation="",
                trigger=rule.trigger,
                params=rule.params,
                id=rule.pk,
            ),
        ),
    )
    thresholds = rule.params.get("thresholds", ())
    if any(threshold["period"] == "months" for threshold in thresholds):
        standing = [row for row in firing.counted if (row["kind"], int(row["id"])) not in set_aside]
        return len(standing) >= min(int(t["at_least"]) for t in thresholds)
    return firing_key(firing) in {due.key for due in aggregates_due(record, spec)}


def _set_aside_raised(
    violation: Violation, *, actor: User | None, reason: str, now: datetime
) -> None:
    """The violation a withdrawn firing raised stops counting too: dismissed while open,
    set aside once confirmed, with the reason."""
    violation = Violation.objects.select_for_update().get(pk=violation.pk)
    if violation.state == ViolationState.DISMISSED:
        return
    before = audit.snapshot(violation, fields=["state", "dismissal_reason"])
    from_state = violation.state
    if violation.state == ViolationState.CONFIRMED:
        violation.set_aside()
        action = SET_ASIDE_ACTION
    else:
        violation.dismiss()
        action = "dismiss"
    violation.dismissal_reason = DismissalReason.BASIS_WITHDRAWN
    violation.dismissal_note = reason
    violation.decided_at = now
    history_append(
        violation, actor=actor, action=action, from_state=from_state, at=now, reason=reason
    )
    audit.record(
        actor=actor,
        action=f"violation.{action}",
        obj=violation,
        before=before,
        after=audit.snapshot(violation, fields=["state", "dismissal_reason"]),
        reason=reason,
    )


def aggregates_reconcile(
    *,
    actor: User | None,
    cause: str,
    records: Iterable[tuple[str, int]] = (),
    persons: Iterable[int] = (),
    departments: Iterable[int] = (),
    now: datetime | None = None,
) -> list[FiringWithdrawal]:
    """Evaluate again every aggregate rule that may have counted a record which no
    longer stands (a violation dismissed on review, a decision quashed or reduced), for
    the people and departments concerned. A firing that no longer holds is withdrawn
    with the reason (a new record; the firing is kept), and the violation it raised
    stops counting too, which may in turn withdraw the firings that counted that one.
    Award eligibility is read from the record, so it follows at once.

    A pending or standing decision whose proposal counted a record that no longer
    stands (rules 8-9: an earlier breach) gets an event in its history saying so, with
    what the rulebook proposes now, for the office to take up: a decision taken by
    people is changed only by people, on review.

    Called inside the transaction of the service that set the record aside."""
    now = now or timezone.now()
    withdrawn: list[FiringWithdrawal] = []
    persons, departments = set(persons), set(departments)
    gone = set(records)
    concerned = set(persons)
    for _round_number in range(5):  # a withdrawal can set aside one more level, no more
        leaders = department_leaders()
        subjects = persons | {
            leader for pk in departments if (leader := leaders.get(pk)) is not None
        }
        _serialise(subjects, departments)
        candidates = list(
            standing_firings()
            .filter(Q(person_id__in=subjects) | Q(department_id__in=departments))
            .select_related("rule")
            .order_by("fired_at", "id")
        )
        if not candidates:
            break
        # The record as far back as the oldest firing concerned reaches, however long
        # ago it fired (an appeal can take a year).
        since = min(_period_reach(firing.period) for firing in candidates)
        record = _record(since, subjects, departments)
        set_aside = _set_aside_refs(record)
        next_persons: set[int] = set()
        next_departments: set[int] = set()
        for firing in candidates:
            if _still_holds(firing, record, set_aside):
                continue
            no_longer = [
                row | {"reason": set_aside[(row["kind"], int(row["id"]))]}
                for row in firing.counted
                if (row["kind"], int(row["id"])) in set_aside
            ]
            reason = _(
                "Rule %(number)s no longer holds for %(period)s: %(cause)s. "
                "Records no longer counted: %(records)s."
            ) % {
                "number": firing.rule_number,
                "period": firing.period,
                "cause": cause,
                "records": "; ".join(f"#{row['id']} ({row['reason']})" for row in no_longer) or "—",
            }
            withdrawal = FiringWithdrawal.objects.create(
                firing=firing,
                reason=reason,
                no_longer_counted=no_longer,
                withdrawn_at=now,
                withdrawn_by=audit.user_or_none(actor),
            )
            audit.record(
                actor=actor,
                action="aggregate.withdraw",
                obj=firing,
                after={
                    "rule": firing.rule_number,
                    "period": firing.period,
                    "records": no_longer,
                },
                reason=reason,
            )
            withdrawn.append(withdrawal)
            for raised in Violation.objects.filter(firing=firing):
                _set_aside_raised(raised, actor=actor, reason=reason, now=now)
                gone.add(("violation", raised.pk))
                if raised.staff_id is not None:
                    next_persons.add(raised.staff_id)
                next_departments.add(raised.department_id)
        if not next_persons and not next_departments:
            break
        persons, departments = next_persons, next_departments
        concerned |= next_persons
    _note_dependent_decisions(gone, concerned, actor=actor, cause=cause, now=now)
    return withdrawn


def _note_dependent_decisions(
    gone: set[tuple[str, int]], persons: set[int], *, actor: User | None, cause: str, now: datetime
) -> None:
    if not gone:
        return
    decisions = SanctionDecision.objects.select_for_update().filter(
        person_id__in=persons, state__in=[DecisionState.PROPOSED, *STANDING_STATES]
    )
    for decision in decisions:
        hit = [row for row in decision.counted if (row["kind"], int(row["id"])) in gone]
        if not hit:
            continue
        reason = _(
            "A record this proposal counted no longer stands (%(cause)s): %(records)s. "
            "The inspection office should look at the decision again."
        ) % {"cause": cause, "records": ", ".join(f"#{row['id']}" for row in hit)}
        history_append(
            decision,
            actor=actor,
            action="counted_record_set_aside",
            from_state=decision.state,
            at=now,
            reason=reason,
            records=hit,
        )
