"""Reads of cases: the lists staff work from and one case with everything its page shows.

Lists carry each case's next deadline and first warning moment as annotations (its
colour: deadlines.selectors.clocks.case_colour), so a page of them costs the same number
of queries whatever its size.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Min, Prefetch, Q, QuerySet

from deadlines.models import (
    ENDED_STATES,
    Case,
    CaseEvent,
    Clock,
    ClockKind,
    ExtensionRequest,
    Transfer,
)
from deadlines.selectors.clocks import Colour, cases_of_colour, running_clocks
from deadlines.selectors.search import search_filter


@dataclass(frozen=True)
class CaseFilters:
    """What a list may be narrowed to; empty strings mean "any"."""

    state: str = ""  # a CaseState, or "open" for every state not ended
    matter_kind: str = ""
    urgency: str = ""
    overdue: bool = False  # red: a running deadline has passed
    at_risk: bool = False  # yellow: a warning moment has come, no deadline has passed
    search: str = ""  # the header search box's text (deadlines.selectors.search)


def _listed(
    cases: QuerySet[Case], filters: CaseFilters, now: datetime, viewer: Any
) -> QuerySet[Case]:
    found = search_filter(viewer, filters.search)
    if found is not None:
        cases = cases.filter(found)
    if filters.state == "open":
        cases = cases.exclude(state__in=ENDED_STATES)
    elif filters.state:
        cases = cases.filter(state=filters.state)
    if filters.matter_kind:
        cases = cases.filter(matter_kind=filters.matter_kind)
    if filters.urgency:
        cases = cases.filter(urgency=filters.urgency)
    if filters.overdue:
        cases = cases.filter(cases_of_colour(Colour.RED, now))
    if filters.at_risk:
        cases = cases.filter(cases_of_colour(Colour.YELLOW, now))
    running = running_clocks("clocks__")
    return (
        cases.select_related("department", "handler", "first_responder")
        .annotate(
            next_due=Min("clocks__due_at", filter=running),
            first_warning=Min("clocks__warn_at", filter=running),
        )
        .order_by("next_due", "-opened_at", "-id")
    )


def case_list_for_person(*, user: Any, filters: CaseFilters, now: datetime) -> QuerySet[Case]:
    """The cases a person works: as handler, supervisor or leader, or as first responder
    (who follows a matter until the citizen has heard back)."""
    mine = Q(handler=user) | Q(supervisor=user) | Q(leader=user) | Q(first_responder=user)
    return _listed(Case.objects.filter(mine), filters, now, user)


def case_list_for_department(
    *, department: Any, filters: CaseFilters, now: datetime, viewer: Any
) -> QuerySet[Case]:
    """A department's cases; a search in the filters finds by identity only where the
    viewer may see the complainant."""
    return _listed(Case.objects.filter(department=department), filters, now, viewer)


def case_get(*, number: str) -> Case:
    """One case with its clocks (and their policies and pauses), history, transfers,
    extension requests and the staff a complaint names; raises Case.DoesNotExist."""
    return (
        Case.objects.select_related(
            "department__head", "handler", "first_responder", "supervisor", "leader"
        )
        .prefetch_related(
            Prefetch(
                "clocks",
                queryset=Clock.objects.select_related(
                    "policy__regulation", "department", "responsible"
                )
                .prefetch_related("pauses")
                .order_by("started_at", "id"),
            ),
            Prefetch(
                "events",
                queryset=CaseEvent.objects.select_related("actor").order_by("at", "id"),
            ),
            Prefetch(
                "transfers",
                queryset=Transfer.objects.select_related(
                    "from_department", "to_department", "sent_by", "decided_by"
                ),
            ),
            Prefetch(
                "extensions",
                queryset=ExtensionRequest.objects.select_related(
                    "clock__policy", "requested_by", "decided_by"
                ),
            ),
            "suspensions",
            "accused",
        )
        .get(number=number)
    )


# On a receipt, the deadline the citizen is promised: the first of these that runs.
PROMISED_CLOCKS = (ClockKind.CLOSURE, ClockKind.RESULT, ClockKind.FIRST_FEEDBACK)


def promised_clock(case: Case) -> Clock | None:
    """The running clock whose due moment the receipt promises (one query)."""
    running = {
        clock.kind: clock
        for clock in Clock.objects.filter(
            case=case, kind__in=PROMISED_CLOCKS, stopped_at__isnull=True, due_at__isnull=False
        )
        .select_related("policy__regulation")  # the receipt cites it
        .order_by("-due_at")  # latest first, so the earliest of each kind is kept
    }
    return next((running[kind] for kind in PROMISED_CLOCKS if kind in running), None)
