"""Reads of the sanctions app that need more than a plain query: the queue, one
violation with everything the page shows, the sanction register, award eligibility, and
what the oversight app reads of sanctions (the registers as exported, the figures of a
period's report), which it reads only through here (ARCHITECTURE.md)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils.translation import gettext as _
from import_export.resources import ModelResource

from accountability.models import Department
from accountability.spreadsheets import verbose_name
from sanctions.authority import DecidingContext, decider_ids
from sanctions.engine import LOCAL_TZ, Eligibility, Record, eligibility
from sanctions.models import (
    DecisionEvent,
    DecisionState,
    Responsibility,
    SanctionDecision,
    SanctionKind,
    SanctionNotification,
    SanctionNotificationKind,
    Violation,
    ViolationEvent,
    ViolationState,
)
from sanctions.resources import SanctionDecisionResource, ViolationResource
from sanctions.services.facts import decision_fact, record_decisions
from sanctions.services.rulebook import rulebook_current, rulebook_spec

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User


def violation_queue(*, states: Iterable[str] | None = None) -> QuerySet[Violation]:
    """Violations for the inspection office, oldest raised first; open ones by default."""
    wanted = (
        list(states)
        if states is not None
        else [
            ViolationState.RAISED,
            ViolationState.UNDER_REVIEW,
        ]
    )
    rows = Violation.objects.all()
    if set(wanted) != set(ViolationState.values):
        # Every state asks for no condition: then the queue is read in its order from its
        # index (Violation.Meta.indexes), not picked by state and sorted.
        rows = rows.filter(state__in=wanted)
    return rows.select_related("type", "staff", "department", "case", "reviewer").order_by(
        "raised_at", "id"
    )


class PickedThenJoined:
    """Violations for a paginator: a page's rows are picked from the violation table
    alone, in queue order (from its indexes: Violation.Meta.indexes), and only those
    rows are joined to their type, people, department and case, in one query. Sliced as
    a whole queryset would be, a deep page joined every row before it to the case table
    only to skip it (issue 24)."""

    def __init__(self, rows: QuerySet[Violation]) -> None:
        self.rows = rows
        self.ordered = rows.ordered

    def count(self) -> int:
        return self.rows.count()

    def __len__(self) -> int:
        return self.count()

    def page(self, index: slice) -> QuerySet[Violation]:
        """The rows of one page (a slice of the queue), as one query."""
        return self.rows.filter(pk__in=self.rows.values("pk")[index])

    def __getitem__(self, index: slice) -> list[Violation]:
        if not isinstance(index, slice):
            raise TypeError("PickedThenJoined takes a slice, a page")
        return list(self.page(index))


def violation_get(*, pk: int) -> Violation:
    """One violation with its evidence, history, responsibilities and decisions."""
    return (
        Violation.objects.select_related(
            "type__regulation",
            "staff",
            "department__head",
            "case",
            "breach__clock__policy__regulation",
            "notice_breach__request",
            "notice_breach__notice",
            "refusal_flag",
            "outage_breach__obligation__regulation",
            "outage_breach__event",
            "firing__rule__regulation",
            "rulebook_version",
            "reviewer",
            "decided_by",
        )
        .prefetch_related(
            Prefetch("events", queryset=ViolationEvent.objects.select_related("actor")),
            Prefetch("responsibilities", queryset=Responsibility.objects.select_related("person")),
            Prefetch(
                "decisions",
                queryset=SanctionDecision.objects.select_related(
                    "person", "rule__regulation", "proposed_by", "decided_by"
                ),
            ),
        )
        .get(pk=pk)
    )


def decision_register(*, year: int | None = None) -> QuerySet[SanctionDecision]:
    """The sanction register: every decision (of a year of proposal), newest first."""
    queryset = SanctionDecision.objects.select_related(
        "violation__type__regulation",
        "person",
        "department",
        "rule__regulation",
        "rulebook_version",
        "proposed_by",
        "decided_by",
        "signed_by",
        "unit_head",
    ).order_by("-proposed_at", "-id")
    if year is not None:
        start = datetime(year, 1, 1, tzinfo=LOCAL_TZ)
        end = datetime(year + 1, 1, 1, tzinfo=LOCAL_TZ)
        queryset = queryset.filter(proposed_at__gte=start, proposed_at__lt=end)
    return queryset


def decision_get(*, pk: int) -> SanctionDecision:
    return (
        SanctionDecision.objects.select_related(
            "violation__type__regulation",
            "violation__department",
            "person",
            "department",
            "rule__regulation",
            "rulebook_version",
            "proposed_by",
            "decided_by",
            "signed_by",
            "served_by",
            "unit_head",
            "self_criticism_countersigned_by",
        )
        .prefetch_related(
            Prefetch("events", queryset=DecisionEvent.objects.select_related("actor")),
            "appeals",
            "reviews",
        )
        .get(pk=pk)
    )


def decisions_awaiting(*, user: User | AnonymousUser) -> list[SanctionDecision]:
    """The proposed decisions `user` may decide (sanctions.authority), oldest proposed
    first: the "awaiting my decision" list. A fixed number of queries however long."""
    if user is None or not user.is_authenticated:
        return []
    proposed = (
        SanctionDecision.objects.filter(state=DecisionState.PROPOSED)
        .select_related("violation__type", "person__staff", "department", "proposed_by")
        .prefetch_related("violation__responsibilities")
        .order_by("proposed_at", "id")
    )
    context = DecidingContext.load()
    return [d for d in proposed if user.pk in decider_ids(d, context).ids]


def sanction_notification_text(notification: SanctionNotification) -> str:
    """One line saying what happened, in the active language. It names the person and
    the violation type, never a complainant."""
    decision = notification.decision
    values = {
        "person": decision.person.get_full_name() or decision.person.get_username(),
        "type": decision.violation.type.name,
        "kinds": "、".join(
            str(dict(SanctionKind.choices).get(kind, kind)) for kind in decision.chosen_kinds
        ),
        "proposer": decision.proposed_by.get_full_name() or decision.proposed_by.get_username(),
    }
    if notification.kind == SanctionNotificationKind.DECISION_AWAITING:
        return (
            _("%(proposer)s proposed %(kinds)s for %(person)s (%(type)s): it awaits your decision.")
            % values
        )
    return _("A warning notice was served on %(person)s (%(type)s).") % values


def sanction_notifications_for(*, user: User) -> QuerySet[SanctionNotification]:
    """What a person was told about decisions (a unit head: notices served on their
    staff), newest first."""
    return (
        SanctionNotification.objects.filter(recipient=user)
        .select_related("decision__person", "decision__violation__type", "decision__proposed_by")
        .order_by("-created_at", "-id")
    )


# -- award eligibility (rules 11, 12 and 16) --------------------------------------------


def _year_bounds(year: int) -> tuple[datetime, datetime]:
    return datetime(year, 1, 1, tzinfo=LOCAL_TZ), datetime(year + 1, 1, 1, tzinfo=LOCAL_TZ)


def _eligibility(year: int, **subject: Any) -> Eligibility:
    """Read from the record as it stands now, so that a quashed or reduced decision or a
    violation dismissed on review changes it at once; explained by the rulebook in
    force."""
    start, end = _year_bounds(year)
    person_id, department_id = subject.get("person_id"), subject.get("department_id")
    decisions = record_decisions(
        since=start,
        until=end,
        persons=[person_id] if person_id is not None else None,
        departments=[department_id] if department_id is not None else None,
    )
    record = Record(decisions=tuple(decision_fact(d) for d in decisions))
    return eligibility(record, rulebook_spec(rulebook_current()), year=year, **subject)


def award_eligibility_person(*, person: User, year: int) -> Eligibility:
    """Lost by a second standing warning in the year (rule 11), a standing
    accountability measure of seed 000 §11 (rule 12), or a decision that takes it away
    from the unit's head (rule 16)."""
    return _eligibility(year, person_id=person.pk)


def award_eligibility_department(*, department: Any, year: int) -> Eligibility:
    """Lost by a standing decision that names the department (rules 12 and 16); a
    sanction on one of its staff alone does not cost it."""
    return _eligibility(year, department_id=department.pk)


@dataclass(frozen=True)
class EligibilityRow:
    """One person or department on the year's eligibility page."""

    name: str
    department: str
    eligibility: Eligibility


def award_eligibility_year(*, year: int) -> tuple[list[EligibilityRow], list[EligibilityRow]]:
    """Every department, and every person with a sanction decision in the year, with
    whether they keep the year's award eligibility and why (a fixed number of queries:
    the record is read once and the engine asked for each)."""
    start, end = _year_bounds(year)
    decisions = record_decisions(since=start, until=end)
    record = Record(decisions=tuple(decision_fact(d) for d in decisions))
    spec = rulebook_spec(rulebook_current())
    departments = {d.pk: d for d in Department.objects.order_by("code")}
    people = {decision.person_id: decision for decision in decisions}
    persons = [
        EligibilityRow(
            name=decision.person.get_full_name() or decision.person.get_username(),
            department=decision.department.name,
            eligibility=eligibility(record, spec, year=year, person_id=person_id),
        )
        for person_id, decision in sorted(people.items(), key=lambda item: item[0])
    ]
    units = [
        EligibilityRow(
            name=department.name,
            department=department.name,
            eligibility=eligibility(record, spec, year=year, department_id=department.pk),
        )
        for department in departments.values()
    ]
    return persons, units


@dataclass(frozen=True)
class CountedRecord:
    """An earlier record a decision counted, as the warning notice prints it: its kind,
    its day and what it was, never its number in the portal."""

    kind: str
    on: datetime
    label: str


def decision_counted_records(decision: SanctionDecision) -> list[CountedRecord]:
    """The earlier records the rulebook counted for `decision` (its `counted`), oldest
    first, for the printed warning notice."""
    records = [
        CountedRecord(
            kind=_("violation") if row.get("kind") == "violation" else _("decision"),
            on=datetime.fromisoformat(row["at"]).astimezone(LOCAL_TZ),
            label=str(row.get("label") or ""),
        )
        for row in decision.counted or []
        if row.get("at")
    ]
    return sorted(records, key=lambda record: record.on)


def sanction_kind_labels() -> dict[str, Any]:
    """Each kind of sanction's code with its label, to write a kept code as words."""
    return dict(SanctionKind.choices)


# -- the registers as exported (oversight's exports) -----------------------------------


@dataclass(frozen=True)
class RegisterExport:
    """A register as an export writes it: its rows in a stable order, with the joins its
    resource reads; the resource; the name of the moment its period is of."""

    rows: QuerySet[Any]
    resource: ModelResource
    period_of: Any


def _register_export(
    rows: QuerySet[Any],
    resource: ModelResource,
    moment: str,
    *,
    department: str,
    since: datetime | None,
    until: datetime | None,
) -> RegisterExport:
    if department:
        rows = rows.filter(department__code=department)
    if since is not None:
        rows = rows.filter(**{f"{moment}__gte": since})
    if until is not None:
        rows = rows.filter(**{f"{moment}__lt": until})
    return RegisterExport(
        rows=rows.order_by("pk"),
        resource=resource,
        period_of=verbose_name(rows.model, moment),
    )


def violations_export(
    *, department: str = "", since: datetime | None = None, until: datetime | None = None
) -> RegisterExport:
    """The violation register raised in [since, until) (of a department, by its code)."""
    rows = Violation.objects.select_related("type__regulation", "department", "staff", "case")
    return _register_export(
        rows, ViolationResource(), "raised_at", department=department, since=since, until=until
    )


def decisions_export(
    *, department: str = "", since: datetime | None = None, until: datetime | None = None
) -> RegisterExport:
    """The sanction register proposed in [since, until) (of a department, by its code)."""
    rows = SanctionDecision.objects.select_related(
        "violation__type", "rule__regulation", "person", "department"
    )
    return _register_export(
        rows,
        SanctionDecisionResource(),
        "proposed_at",
        department=department,
        since=since,
        until=until,
    )


# -- a period's figures (oversight's reports) --------------------------------------------


def violation_counts_by_department(*, since: datetime, until: datetime) -> list[dict[str, Any]]:
    """Per department of the violation (``department_id``): the violations raised in
    [since, until), and those confirmed and dismissed in it (by the day of the
    decision), in one query."""
    raised = Q(raised_at__gte=since, raised_at__lt=until)
    decided = Q(decided_at__gte=since, decided_at__lt=until)
    return list(
        Violation.objects.filter(raised | decided)
        .values("department_id")
        .annotate(
            raised=Count("id", filter=raised),
            confirmed=Count("id", filter=decided & Q(state=ViolationState.CONFIRMED)),
            dismissed=Count("id", filter=decided & Q(state=ViolationState.DISMISSED)),
        )
        .order_by("department_id")
    )


@dataclass(frozen=True)
class Decided:
    """A sanction decision taken: approved or refused, the kinds, the department."""

    approved: bool
    kinds: list[str]
    department_id: int | None


def decisions_decided(*, since: datetime, until: datetime) -> list[Decided]:
    """The sanction decisions taken (approved or refused) in [since, until)."""
    return [
        Decided(approved=state != DecisionState.REFUSED, kinds=kinds or [], department_id=dept)
        for state, kinds, dept in SanctionDecision.objects.filter(
            decided_at__gte=since, decided_at__lt=until
        ).values_list("state", "chosen_kinds", "department_id")
    ]
