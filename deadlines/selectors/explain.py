"""Why a clock's deadline falls where it does (DOMAIN §3: every deadline explains itself).

The stored due moment (deadlines.services.clocks) and the explanation ask the engine the
same question, put by ``clock_due_terms``: ``explain_due`` answers it with
``compute_due`` and adds the trace. The rest comes from the case's records: the policy
and its citation, the step that started the clock, the approved extensions, the pauses.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TypedDict

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from deadlines.models import (
    CalendarDay,
    Case,
    CaseEvent,
    Clock,
    ExtensionRequest,
    UnitChoices,
)
from deadlines.selectors.calendar import hours_for
from deadlines.selectors.public import PUBLIC_CLOCKS
from deadlines.worktime import (
    LOCAL_TZ,
    BusinessHours,
    DueExplanation,
    EndRule,
    Unit,
    WorkCalendar,
    compute_due,
    explain_due,
)


class DueTerms(TypedDict):
    """The arguments of deadlines.worktime.compute_due (and explain_due) for one clock."""

    start: datetime
    amount: int
    unit: Unit
    hours: BusinessHours
    end: EndRule
    roll_off_rest_days: bool
    pauses: Sequence[tuple[datetime, datetime]]


def clock_due_terms(
    clock: Clock,
    pauses: Sequence[tuple[datetime, datetime]],
    *,
    amount: int | None = None,
    start: datetime | None = None,
    unit: Unit | None = None,
) -> DueTerms:
    """What the engine is asked for `clock`'s deadline: from its start, its limit with
    the approved extensions (in its own unit), its department's hours, its policy's end
    rule and roll-off, its closed `pauses`. `amount`, `start` and `unit` put another
    question about the same clock (deadlines.services.clocks weighs extensions so)."""
    return DueTerms(
        start=clock.started_at if start is None else start,
        amount=clock.limit_amount + clock.extension_amount if amount is None else amount,
        unit=clock.limit_unit if unit is None else unit,
        hours=hours_for(clock.department),
        end=EndRule(clock.policy.end_rule),
        roll_off_rest_days=clock.policy.roll_off_rest_days,
        pauses=pauses,
    )


@dataclass(frozen=True)
class ClockExplanation:
    """One clock's deadline with its reasons.

    ``trace`` is None while a pause is open: the clock has no deadline until it resumes
    (``paused_since``). ``started_by`` is the case step recorded at the clock's start,
    None when no step was recorded at that moment."""

    clock: Clock
    trace: DueExplanation | None
    started_by: CaseEvent | None
    extensions: tuple[ExtensionRequest, ...]
    pauses: tuple[tuple[datetime, datetime | None], ...]
    paused_since: datetime | None

    @property
    def unit_label(self) -> str:
        return str(UnitChoices(self.clock.limit_unit).label)

    @property
    def start_reason(self) -> str:
        """The step that started the clock, as the case history names it."""
        return self.started_by.get_action_display() if self.started_by is not None else ""

    @property
    def agrees(self) -> bool:
        """Whether the explanation reaches the stored due moment (it always should; a
        mismatch means the clock awaits recomputation and is shown as such)."""
        if self.trace is None:
            return self.clock.due_at is None
        return (self.trace.at, self.trace.provisional) == (
            self.clock.due_at,
            self.clock.due_is_provisional,
        )

    @property
    def pause_lines(
        self,
    ) -> list[tuple[datetime, datetime, str, datetime | None, datetime | None]]:
        """Each closed pause with the time it held back, in the limit's own measure, and
        the deadline before and after it; while a pause is open there is no deadline to
        move, and the closed ones are listed bare."""
        if self.trace is None:
            return [(begin, end, "", None, None) for begin, end in self.pauses if end]
        return [
            (p.begin, p.end, counted_text(self.trace, p.counted), p.due_before, p.due_after)
            for p in self.trace.pauses
        ]


def counted_text(trace: DueExplanation, counted: timedelta) -> str:
    """Counted time in the words of the limit's unit: working days (of 24 h, or of
    business hours where the period ends at close of business), business hours, or
    days, hours and minutes of elapsed time."""
    unit, hours = trace.unit, trace.hours
    if unit == Unit.WORKING_DAYS:
        day = timedelta(days=1) if trace.end == EndRule.MIDNIGHT else hours.day_length
        days, rest = divmod(counted, day)
        head = [ngettext("%(n)d working day", "%(n)d working days", days) % {"n": days}]
    elif unit == Unit.BUSINESS_HOURS and not hours.round_the_clock:
        days, rest = 0, counted
        head = []
    else:
        days, rest = counted.days, counted - timedelta(days=counted.days)
        head = [ngettext("%(n)d day", "%(n)d days", days) % {"n": days}]
    whole_hours, minutes = divmod(int(rest.total_seconds()) // 60, 60)
    parts = head if days else []
    if whole_hours:
        parts.append(ngettext("%(n)d hour", "%(n)d hours", whole_hours) % {"n": whole_hours})
    if minutes:
        parts.append(ngettext("%(n)d minute", "%(n)d minutes", minutes) % {"n": minutes})
    return " ".join(parts) if parts else _("no time")


def _local_day(moment: datetime) -> date:
    return moment.astimezone(LOCAL_TZ).date()


def _day_names(first: date, last: date) -> dict[date, str]:
    """The calendar's names for its days in [first, last]: one query."""
    return dict(
        CalendarDay.objects.filter(date__range=(first, last))
        .exclude(name="")
        .values_list("date", "name")
    )


def clock_explanations(
    clocks: Sequence[Clock],
    *,
    events: Iterable[CaseEvent],
    extensions: Iterable[ExtensionRequest],
    calendar: WorkCalendar,
) -> list[ClockExplanation]:
    """Explain each clock: one query for the calendar's day names, whatever the number
    of clocks. The clocks come with their policy, department and pauses loaded; `events`
    and `extensions` are their case's (any order)."""
    started_by: dict[datetime, CaseEvent] = {}
    for event in sorted(events, key=lambda e: (e.at, e.pk)):
        # The first step recorded at a clock's start moment is the one that started it.
        started_by.setdefault(event.at, event)
    approved: dict[int, list[ExtensionRequest]] = {}
    for extension in extensions:
        if extension.decision == ExtensionRequest.Decision.APPROVED:
            approved.setdefault(extension.clock_id, []).append(extension)

    asked: list[tuple[Clock, DueTerms | None, tuple[tuple[datetime, datetime | None], ...]]] = []
    span: list[date] = []
    for clock in clocks:
        pauses = tuple((p.started_at, p.ended_at) for p in clock.pauses.all())
        closed = [(begin, end) for begin, end in pauses if end is not None]
        terms = clock_due_terms(clock, closed) if len(closed) == len(pauses) else None
        asked.append((clock, terms, pauses))
        if terms is not None:
            span += [_local_day(clock.started_at), _local_day(compute_due(calendar, **terms).at)]
    names = _day_names(min(span), max(span)) if span else {}

    explained = []
    for clock, terms, pauses in asked:
        open_since = next((begin for begin, end in pauses if end is None), None)
        explained.append(
            ClockExplanation(
                clock=clock,
                trace=None if terms is None else explain_due(calendar, **terms, day_names=names),
                started_by=started_by.get(clock.started_at),
                extensions=tuple(
                    sorted(approved.get(clock.pk, []), key=lambda e: (e.decided_at, e.pk))
                ),
                pauses=pauses,
                paused_since=open_since,
            )
        )
    return explained


def case_clock_explanations(
    case: Case, *, calendar: WorkCalendar, clock_ids: Iterable[int] | None = None
) -> list[ClockExplanation]:
    """The clocks of a case loaded by deadlines.selectors.cases.case_get, explained (all
    of them, or those of `clock_ids`): one query."""
    wanted = None if clock_ids is None else set(clock_ids)
    return clock_explanations(
        [clock for clock in case.clocks.all() if wanted is None or clock.pk in wanted],
        events=case.events.all(),
        extensions=case.extensions.all(),
        calendar=calendar,
    )


def public_clocks(case: Case) -> QuerySet[Clock]:
    """The deadlines a citizen is owed on `case` that are running and not paused, with
    what their explanation reads."""
    return (
        case.clocks.filter(kind__in=PUBLIC_CLOCKS, stopped_at__isnull=True)
        .exclude(due_at__isnull=True)
        .select_related("policy__regulation", "department")
        .prefetch_related(
            "pauses",
            Prefetch(
                "extensions",
                queryset=ExtensionRequest.objects.filter(
                    decision=ExtensionRequest.Decision.APPROVED
                ),
            ),
        )
        .order_by("due_at")
    )


def public_clock_explanations(
    case: Case, clocks: Sequence[Clock], *, calendar: WorkCalendar
) -> list[ClockExplanation]:
    """`clocks` (from ``public_clocks``) explained for the citizen: the steps recorded at
    their starts and the calendar's day names, two queries."""
    starts = {clock.started_at for clock in clocks}
    if not starts:
        return []
    return clock_explanations(
        clocks,
        events=CaseEvent.objects.filter(case=case, at__in=starts).only(
            "id", "case_id", "action", "at"
        ),
        extensions=[extension for clock in clocks for extension in clock.extensions.all()],
        calendar=calendar,
    )
