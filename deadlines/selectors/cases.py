"""Reads of cases: the lists staff work from and one case with everything its page shows.

Lists read each case's stored next deadline and first warning moment (Case.next_due_at,
Case.first_warn_at: its colour, deadlines.selectors.clocks.case_colour) from the case row
and sort by them, so a page is read in order from an index of the case table whatever
the number of cases and clocks, and costs the same number of queries whatever its size.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.db import connection
from django.db.models import F, Prefetch, QuerySet
from django.db.models.expressions import RawSQL

from deadlines.models import (
    OPEN_STATES,
    Case,
    CaseEvent,
    Clock,
    ClockKind,
    ExtensionRequest,
    Transfer,
)
from deadlines.selectors.clocks import Colour, cases_of_colour
from deadlines.selectors.search import (
    COUNT_UP_TO,
    count_rows_up_to,
    is_broad,
    planned_for_its_words,
    search_filter,
    surely_found,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User


@dataclass(frozen=True)
class CaseFilters:
    """What a list may be narrowed to; empty strings mean "any"."""

    state: str = ""  # a CaseState, or "open" for every state not ended
    matter_kind: str = ""
    urgency: str = ""
    overdue: bool = False  # red: a running deadline has passed
    at_risk: bool = False  # yellow: a warning moment has come, no deadline has passed
    search: str = ""  # the header search box's text (deadlines.selectors.search)


def _narrowed(
    cases: QuerySet[Case], filters: CaseFilters, now: datetime, viewer: User | AnonymousUser
) -> QuerySet[Case]:
    found = search_filter(viewer, filters.search)
    if found is not None:
        cases = cases.filter(found)
    if filters.state == "open":
        # The states not ended, listed (the same cases as excluding ENDED_STATES): a
        # `state = ANY(…)` PostgreSQL reads from an index, as `<> ALL(…)` it cannot, so
        # a search of the open list intersects its hits with the department's open cases
        # (the case_open_figures partial index) instead of reading every hit of the
        # department to test its state (a common word all of whose open cases are
        # elsewhere: 80 ms at a million cases, 16 ms so).
        cases = cases.filter(state__in=OPEN_STATES)
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
    return cases


# A list's order: next deadline first (cases without a running one last), then newest.
# The indexes of Case.Meta hold it after the department, the handler or the first
# responder.
LIST_ORDER = (F("next_due_at").asc(nulls_last=True), F("opened_at").desc(), F("id").desc())
# The same order over a person's branches (CaseList), written out: keep the two alike.
_LIST_ORDER_SQL = "next_due_at ASC NULLS LAST, opened_at DESC, id DESC"


def _rows(cases: QuerySet[Case]) -> QuerySet[Case]:
    """The rows a list shows, in list order."""
    return (
        cases.select_related("department", "handler", "first_responder")
        # The names deadlines.selectors.clocks.case_colour and the template read.
        .annotate(next_due=F("next_due_at"), first_warning=F("first_warn_at"))
        .order_by(*LIST_ORDER)
    )


class CaseList:
    """A list of cases as Django's Paginator reads it (a count, then a slice), so that
    neither grows with the cases before the page: the count and the page's ids come from
    the case table's list indexes alone (``keys``: the ids in list order; or ``union``:
    a person's branches as SQL, disjoint, with their parameters in order), and the
    page's 25 rows are then read by id in the same query (an OFFSET over an index-only
    scan, however deep the page)."""

    ordered = True  # for the Paginator: the keys are in list order

    def __init__(
        self,
        *,
        keys: QuerySet[Case] | None = None,
        union: tuple[list[str], list[Any]] | None = None,
        count_up_to: int | None = None,
        surely: Sequence[QuerySet[Case]] = (),
    ) -> None:
        self._keys = keys
        self._union = union
        # Some of the keys a search finds, in disjoint parts, each read from an index
        # alone (search.surely_found, count_rows_up_to).
        self._surely = surely
        # A text search counts at most this many cases, as the search page does
        # (deadlines.selectors.search.COUNT_UP_TO): a common word is not counted through.
        self._count_up_to = count_up_to
        self._counted: int | None = None

    def _searched(self, index: slice | None = None) -> Any:
        """Where the list is a search's (capped), its statements are planned as the
        search page's are (deadlines.selectors.search.planned_for_its_words): for the
        words, a broad search's first pages walked in list order."""
        if self._count_up_to is None:
            return nullcontext()
        broad = index is not None and is_broad(self._counted, self._count_up_to, index)
        return planned_for_its_words(broad=broad)

    def _count(self) -> int:
        if self._counted is None:
            with self._searched():
                self._counted = self._count_now()
        return self._counted

    def _count_now(self) -> int:
        cap = self._count_up_to
        if self._keys is not None:
            if cap is None:
                return self._keys.count()
            return count_rows_up_to(
                self._keys.order_by().values("pk").query.sql_with_params(), self._surely, cap
            )
        assert self._union is not None
        branches, params = self._union
        sql = " UNION ALL ".join(branches)
        if cap is not None:
            return count_rows_up_to((sql, params), self._surely, cap)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT COUNT(*) FROM ({sql}) AS listed", params)
            return int(cursor.fetchone()[0])

    def count(self) -> int:
        cap = self._count_up_to
        return self._count() if cap is None else min(self._count(), cap)

    @property
    def more(self) -> bool:
        """Whether more cases matched than were counted (and listed)."""
        return self._count_up_to is not None and self._count() > self._count_up_to

    def __len__(self) -> int:
        return self.count()

    def _ids(self, start: int, stop: int | None) -> Any:
        if self._keys is not None:
            return self._keys.values("pk")[start:stop]
        assert self._union is not None
        branches, params = self._union
        if self._count_up_to is not None and stop is not None:
            # A search's hits are too scattered for PostgreSQL to merge the branches in
            # list order (it reads and sorts every hit of each: a front desk's common
            # word, 33k cases, 0.8 s at a million cases): each branch's first `stop` in
            # list order, from its own index, hold the page, the branches being disjoint.
            branches = [
                f"SELECT * FROM ({branch} ORDER BY {_LIST_ORDER_SQL} LIMIT {int(stop)})"
                f" AS branch{n}"
                for n, branch in enumerate(branches)
            ]
        sql = " UNION ALL ".join(branches)
        window = f" LIMIT {int(stop - start)}" if stop is not None else ""
        return RawSQL(
            f"SELECT id FROM ({sql}) AS listed ORDER BY {_LIST_ORDER_SQL}"
            f"{window} OFFSET {int(start)}",
            params,
        )

    def __getitem__(self, index: slice) -> list[Case]:
        if not isinstance(index, slice) or index.step is not None:
            raise TypeError("A case list is read a page (a slice) at a time.")
        start, stop = index.start or 0, index.stop
        with self._searched(index=index):
            return list(_rows(Case.objects.filter(pk__in=self._ids(start, stop))))

    def __iter__(self) -> Iterator[Case]:
        return iter(self[0:None])


def _cap(filters: CaseFilters) -> int | None:
    return COUNT_UP_TO if filters.search.strip() else None


def case_list_for_person(*, user: User, filters: CaseFilters, now: datetime) -> CaseList:
    """The cases a person works: as handler, supervisor or leader, or as first responder
    (who follows a matter until the citizen has heard back).

    One branch per part a person plays, each excluding the cases an earlier branch has
    (so that none is listed twice), each read in list order from its own index: the
    database merges them instead of sorting every case of a busy front desk."""
    narrowed = _narrowed(Case.objects.all(), filters, now, user)
    parts = ("handler", "supervisor", "leader", "first_responder")
    branches: list[str] = []
    params: list[Any] = []
    for n, part in enumerate(parts):
        branch = narrowed.filter(**{part: user})
        for earlier in parts[:n]:
            branch = branch.exclude(**{earlier: user})
        sql, branch_params = (
            branch.order_by().values("id", "next_due_at", "opened_at").query.sql_with_params()
        )
        branches.append(sql)
        params.extend(branch_params)
    # The cases they handle, and those they first responded to and do not handle, whose
    # subject begins with the words, under the list's other filters: some of the cases
    # listed, in two parts, each from one of migration 0023's indexes alone.
    unsearched = _narrowed(Case.objects.all(), replace(filters, search=""), now, user)
    surely = [
        surely_found(cases=part, text=filters.search)
        for part in (
            unsearched.filter(handler=user),
            unsearched.filter(first_responder=user).exclude(handler=user),
        )
    ]
    return CaseList(
        union=(branches, params),
        count_up_to=_cap(filters),
        surely=[part for part in surely if part is not None],
    )


def case_list_for_department(
    *, department: Any, filters: CaseFilters, now: datetime, viewer: User | AnonymousUser
) -> CaseList:
    """A department's cases; a search in the filters finds by identity only where the
    viewer may see the complainant."""
    listed = Case.objects.filter(department=department)
    cases = _narrowed(listed, filters, now, viewer)
    # The department's cases whose subject begins with the words, under the list's other
    # filters: some of the cases listed, from the (department, subject) index.
    unsearched = _narrowed(listed, replace(filters, search=""), now, viewer)
    surely = surely_found(cases=unsearched, text=filters.search)
    return CaseList(
        keys=cases.order_by(*LIST_ORDER),
        count_up_to=_cap(filters),
        surely=() if surely is None else [surely],
    )


def case_get(*, number: str) -> Case:
    """One case with what case_loaded loads; raises Case.DoesNotExist."""
    return case_loaded().get(number=number)


def case_loaded() -> QuerySet[Case]:
    """Cases with their clocks (and their policies and pauses), history, transfers,
    extension requests and the staff a complaint names: what the case page shows."""
    return Case.objects.select_related(
        "department__head", "handler", "first_responder", "supervisor", "leader"
    ).prefetch_related(
        Prefetch(
            "clocks",
            queryset=Clock.objects.select_related("policy__regulation", "department", "responsible")
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
