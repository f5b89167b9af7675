"""Reads about outages, with the joins and counts that keep query counts flat."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Count, F, Prefetch, Q, QuerySet

from accountability import breaches as shared
from deadlines.worktime import LOCAL_TZ
from outages.models import (
    BreachKind,
    Obligation,
    OutageBreach,
    OutageContact,
    OutageEvent,
    OutageKind,
    OutageReport,
    PublicNotice,
)
from outages.thresholds import Figures, is_large


def _with_counts(events: QuerySet[OutageEvent]) -> QuerySet[OutageEvent]:
    return events.select_related("department").annotate(
        contact_count=Count("contacts", distinct=True),
        breach_count=Count("breaches", distinct=True),
    )


def outage_list(*, now: datetime, state: str = "") -> QuerySet[OutageEvent]:
    """The staff list: `state` "running", "planned" (not started) or "ended" (restored or
    called off); all when empty. Each event carries its counts of contacts and breaches."""
    events = OutageEvent.objects.all()
    live = events.filter(restored_at__isnull=True, cancelled_at__isnull=True)
    if state == "running":
        events = live.filter(starts_at__lte=now)
    elif state == "planned":
        events = live.filter(starts_at__gt=now)
    elif state == "ended":
        events = events.exclude(restored_at__isnull=True, cancelled_at__isnull=True)
    return _with_counts(events).order_by("-starts_at", "-id")


def outage_get(*, pk: int) -> OutageEvent:
    """One event with its history, obligations, reports, notices and breaches."""
    return (
        _with_counts(OutageEvent.objects.filter(pk=pk))
        .select_related("responsible", "recorded_by")
        .prefetch_related(
            "changes__actor",
            Prefetch(
                "obligations",
                queryset=Obligation.objects.select_related(
                    "department", "responsible", "regulation"
                ),
            ),
            Prefetch("reports", queryset=OutageReport.objects.select_related("reported_by")),
            Prefetch("notices", queryset=PublicNotice.objects.select_related("recorded_by")),
            Prefetch("breaches", queryset=OutageBreach.objects.select_related("responsible")),
        )
        .get()
    )


def outages_running(*, now: datetime) -> QuerySet[OutageEvent]:
    """Events whose water is off now."""
    return (
        OutageEvent.objects.filter(
            starts_at__lte=now, restored_at__isnull=True, cancelled_at__isnull=True
        )
        .select_related("department")
        .order_by("starts_at", "id")
    )


def outages_running_for_address(*, address: str, now: datetime) -> list[OutageEvent]:
    """The running events whose area the address lies in (a handful run at once)."""
    if not address.strip():
        return []
    return [event for event in outages_running(now=now) if event.covers(address)]


@dataclass(frozen=True)
class PublicRow:
    area: str
    event: OutageEvent
    running: bool


def outages_public(*, now: datetime) -> list[PublicRow]:
    """What the public page shows: current and planned outages, one row per zone or
    street, by area name then start. Nothing about staff or reports."""
    events = OutageEvent.objects.filter(restored_at__isnull=True, cancelled_at__isnull=True).only(
        "kind", "title", "area", "starts_at", "expected_restoration_at", "restored_at", "cause"
    )
    rows = [
        PublicRow(area=name, event=event, running=event.starts_at <= now)
        for event in events
        for name in event.area_names()
    ]
    return sorted(rows, key=lambda row: (row.area, row.event.starts_at, row.event.pk))


# -- the monthly report ------------------------------------------------------------------------


@dataclass
class OutageMonthSummary:
    """The outage figures of a calendar month (Asia/Shanghai) for the monthly report
    (seed 003 报告制度 (4)): events that started in the month (works called off left
    out), and the obligations due in it (those waived by calling works off left out)."""

    year: int
    month: int
    planned: int = 0
    faults: int = 0
    households: int = 0  # summed over the month's events (last figures)
    outage_hours: float = 0.0  # summed durations, restored or expected
    large: int = 0  # ≥1000 households and ≥8 hours
    contacts: int = 0  # citizens' contacts linked to the month's events
    obligations_due: int = 0
    met_in_time: int = 0
    met_late: int = 0
    missed: int = 0  # not met (yet)
    notices: int = 0  # public notices published in the month
    breaches: dict[str, int] = field(default_factory=dict)  # by BreachKind, moment in month

    @property
    def events(self) -> int:
        return self.planned + self.faults

    @property
    def on_time_rate(self) -> float | None:
        """Share of the month's due obligations met in time; None when none was due."""
        return None if not self.obligations_due else self.met_in_time / self.obligations_due


def _month_bounds(year: int, month: int) -> tuple[datetime, datetime]:
    first = date(year, month, 1)
    following = date(year + (month == 12), month % 12 + 1, 1)
    return (
        datetime.combine(first, time.min, tzinfo=LOCAL_TZ),
        datetime.combine(following, time.min, tzinfo=LOCAL_TZ),
    )


def outages_month_summary(*, year: int, month: int) -> OutageMonthSummary:
    """The month's outage figures, in a fixed handful of queries."""
    start, end = _month_bounds(year, month)
    summary = OutageMonthSummary(year=year, month=month)
    events = list(
        OutageEvent.objects.filter(
            starts_at__gte=start, starts_at__lt=end, cancelled_at__isnull=True
        ).only("kind", "households", "starts_at", "expected_restoration_at", "restored_at")
    )
    for event in events:
        if event.kind == OutageKind.PLANNED:
            summary.planned += 1
        else:
            summary.faults += 1
        summary.households += event.households
        duration = event.ends_at - event.starts_at
        summary.outage_hours += duration / timedelta(hours=1)
        if is_large(Figures(event.kind, event.households, event.starts_at, event.ends_at)):
            summary.large += 1
    summary.outage_hours = round(summary.outage_hours, 1)
    summary.contacts = OutageContact.objects.filter(
        event__starts_at__gte=start, event__starts_at__lt=end
    ).count()
    due = Obligation.objects.filter(
        due_at__gte=start, due_at__lt=end, waived_at__isnull=True
    ).aggregate(
        total=Count("id"),
        in_time=Count("id", filter=Q(met_at__isnull=False, met_at__lte=F("due_at"))),
        late=Count("id", filter=Q(met_at__gt=F("due_at"))),
        missed=Count("id", filter=Q(met_at__isnull=True)),
    )
    summary.obligations_due = due["total"]
    summary.met_in_time = due["in_time"]
    summary.met_late = due["late"]
    summary.missed = due["missed"]
    summary.notices = PublicNotice.objects.filter(
        published_at__gte=start, published_at__lt=end
    ).count()
    counted = dict(
        OutageBreach.objects.filter(moment__gte=start, moment__lt=end)
        .values_list("kind")
        .annotate(n=Count("id"))
        .values_list("kind", "n")
    )
    summary.breaches = {kind.value: counted.get(kind.value, 0) for kind in BreachKind}
    return summary


# -- breaches not yet turned into violations (sanctions.services.ingest) --------------------


def outage_breaches_not_raised(*, raised: QuerySet[Any], after: int = 0) -> QuerySet[Any]:
    """The outage breaches with an id above ``after`` that have no row in ``raised``: the
    reader's violations of a breach, correlated by ``OuterRef("pk")`` (which breaches
    have one is the sanctions app's table, to the right of this one). A values queryset
    the reader compiles into its set-based ``INSERT … SELECT``, with the shared columns
    (accountability.breaches): ``source_id``, ``staff_id``, ``department_id``,
    ``occurred_at`` and ``kind``."""
    return shared.breaches_not_raised(OutageBreach.objects.all(), raised=raised, after=after)


def outage_breach_last_id() -> int:
    """The highest outage breach id handed out and committed so far (0: none)."""
    return shared.breach_last_id(OutageBreach)
