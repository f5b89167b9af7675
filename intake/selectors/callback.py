"""Reads for the callback and rating after closing (回访, 好差评): the case page's section,
the citizen's rating page, and the dashboard's callback figures (oversight reads them
here, never intake's tables).

What the figures mean (DOMAIN §10), over the callbacks owed in the period, that is the
callback clocks started by a closing in it (a reworked case closed again owes a second
one, counted again):

- callback rate: those where the citizen was reached (a grade given, through the link
  or on the call, or a call that reached the citizen who declined to rate);
- satisfaction: of those with a grade, the share whose current grade (after any
  correction) is satisfied or better (4 or 5), and the average grade;
- rework rate: of the callbacks owed, those whose poor grade the head found to be the
  unit's fault, which reopened the case for rework.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery, Sum

from deadlines.models import Case, CaseState, Clock, ClockKind
from intake.models import (
    SATISFIED_GRADE,
    CallbackCall,
    CallbackOutcome,
    Rating,
    RatingReview,
)


def callback_clocks() -> QuerySet[Clock]:
    """Every callback clock a closing started (not an appointment's callback)."""
    return Clock.objects.filter(kind=ClockKind.FOLLOW_UP)


def callback_clock_of(case: Case) -> Clock | None:
    """The callback the case's latest closing owes (or owed)."""
    return callback_clocks().filter(case=case).order_by("-started_at", "-id").first()


def current_rating(case: Case) -> Rating | None:
    """The case's latest grade, after any correction."""
    return (
        Rating.objects.filter(case=case, correction__isnull=True)
        .select_related("review")
        .order_by("-at", "-id")
        .first()
    )


def correction_used(case: Case) -> bool:
    return Rating.objects.filter(case=case, corrects__isnull=False).exists()


@dataclass
class CaseCallback:
    """The case page's callback section."""

    clock: Clock | None
    ratings: list[Rating]
    calls: list[CallbackCall]
    current: Rating | None
    awaiting_review: Rating | None  # a poor grade the head has not looked at yet
    current_reviewed: bool  # the head has looked at the current grade
    correction_used: bool
    rated_since_close: bool


def case_callback_for(case: Case) -> CaseCallback:
    """Three queries whatever the number of ratings and calls."""
    clock = callback_clock_of(case)
    ratings = list(
        Rating.objects.filter(case=case)
        .select_related("recorded_by", "review__by", "corrects", "correction")
        .order_by("at", "id")
    )
    calls = list(
        CallbackCall.objects.filter(case=case).select_related("by", "rating").order_by("at", "id")
    )
    superseded = {r.corrects_id for r in ratings if r.corrects_id is not None}
    live = [r for r in ratings if r.pk not in superseded]
    current = live[-1] if live else None
    reviewed = current is not None and _reviewed(current)
    awaiting = current if current is not None and current.is_poor and not reviewed else None
    rated_since_close = bool(
        case.rated_at is not None and case.closed_at is not None and case.rated_at >= case.closed_at
    )
    return CaseCallback(
        clock=clock,
        ratings=ratings,
        calls=calls,
        current=current,
        awaiting_review=awaiting,
        current_reviewed=reviewed,
        correction_used=bool(superseded),
        rated_since_close=rated_since_close,
    )


def _reviewed(rating: Rating) -> bool:
    try:
        return rating.review is not None
    except RatingReview.DoesNotExist:
        return False


# -- the dashboard's figures ---------------------------------------------------------------


@dataclass
class CallbackCounts:
    due: int = 0
    called_back: int = 0
    rated: int = 0
    grade_sum: int = 0
    satisfied: int = 0
    reworked: int = 0

    def add(self, other: CallbackCounts) -> None:
        self.due += other.due
        self.called_back += other.called_back
        self.rated += other.rated
        self.grade_sum += other.grade_sum
        self.satisfied += other.satisfied
        self.reworked += other.reworked

    @property
    def not_called_back(self) -> int:
        return self.due - self.called_back

    @property
    def callback_rate(self) -> float | None:
        return share(self.called_back, self.due)

    @property
    def satisfaction_rate(self) -> float | None:
        return share(self.satisfied, self.rated)

    @property
    def average_grade(self) -> float | None:
        return round(self.grade_sum / self.rated, 2) if self.rated else None

    @property
    def rework_rate(self) -> float | None:
        return share(self.reworked, self.due)


def share(part: int, whole: int) -> float | None:
    """`part` as a percentage of `whole`, to one decimal; None when there is no whole (the
    callback board's rates, and oversight's dashboard's)."""
    return round(100 * part / whole, 1) if whole else None


@dataclass
class CallbackBoard:
    total: CallbackCounts = field(default_factory=CallbackCounts)
    by_department: dict[int, CallbackCounts] = field(default_factory=dict)
    by_service_item: dict[str, CallbackCounts] = field(default_factory=dict)


def _reached() -> Q:
    """The callback was done: a grade given for it, or a call that reached the citizen."""
    calls = CallbackCall.objects.filter(
        clock=OuterRef("pk"), outcome__in=[CallbackOutcome.RATED, CallbackOutcome.DECLINED]
    )
    return Q(Exists(calls)) | Q(Exists(Rating.objects.filter(clock=OuterRef("pk"))))


def _current_grade() -> Subquery:
    return Subquery(
        Rating.objects.filter(clock=OuterRef("pk"), correction__isnull=True)
        .order_by("-at", "-id")
        .values("grade")[:1]
    )


def _reworked() -> Exists:
    return Exists(RatingReview.objects.filter(rating__clock=OuterRef("pk"), unit_at_fault=True))


def _owed(
    *,
    start: datetime,
    end: datetime,
    department_ids: Sequence[int],
    department_id: int | None = None,
    matter_kind: str = "",
) -> QuerySet[Clock]:
    clocks = callback_clocks().filter(
        started_at__gte=start, started_at__lt=end, case__department_id__in=list(department_ids)
    )
    if department_id is not None:
        clocks = clocks.filter(case__department_id=department_id)
    if matter_kind:
        clocks = clocks.filter(case__matter_kind=matter_kind)
    return clocks


def callback_figures(
    *,
    start: datetime,
    end: datetime,
    department_ids: Sequence[int],
    department_id: int | None = None,
    matter_kind: str = "",
) -> CallbackBoard:
    """The callbacks owed in [start, end) with their outcomes, in total, by handling
    department and by service item: one query, grouped by both, summed up here."""
    rows = (
        _owed(
            start=start,
            end=end,
            department_ids=department_ids,
            department_id=department_id,
            matter_kind=matter_kind,
        )
        .annotate(grade=_current_grade(), reworked=_reworked())
        .annotate(reached=Exists(Clock.objects.filter(Q(pk=OuterRef("pk")) & _reached())))
        .values("case__department_id", "case__service_item_code")
        .annotate(
            n_due=Count("id"),
            n_called=Count("id", filter=Q(reached=True)),
            n_rated=Count("grade"),
            n_grade_sum=Sum("grade"),
            n_satisfied=Count("id", filter=Q(grade__gte=SATISFIED_GRADE)),
            n_reworked=Count("id", filter=Q(reworked=True)),
        )
        .order_by()
    )
    board = CallbackBoard()
    for row in rows:
        counts = CallbackCounts(
            due=row["n_due"],
            called_back=row["n_called"],
            rated=row["n_rated"],
            grade_sum=int(row["n_grade_sum"] or 0),
            satisfied=row["n_satisfied"],
            reworked=row["n_reworked"],
        )
        board.total.add(counts)
        department = row["case__department_id"]
        board.by_department.setdefault(department, CallbackCounts()).add(counts)
        item = row["case__service_item_code"]
        board.by_service_item.setdefault(item, CallbackCounts()).add(counts)
    return board


# The drill-down lists behind the figures (oversight.selectors.dashboard.case_list_for_figure).
CALLBACK_DUE = "callback_due"
CALLED_BACK = "called_back"
NOT_CALLED_BACK = "not_called_back"
CALLBACK_RATED = "callback_rated"
REWORKED = "reworked"
CALLBACK_FIGURES = (CALLBACK_DUE, CALLED_BACK, NOT_CALLED_BACK, CALLBACK_RATED, REWORKED)


def callback_case_filter(figure: str, *, start: datetime, end: datetime) -> Exists:
    """The cases behind one callback figure: those with a callback owed in [start, end)
    that was done, not done, graded, or led to rework."""
    clocks: Any = callback_clocks().filter(
        case=OuterRef("pk"), started_at__gte=start, started_at__lt=end
    )
    reached = Exists(Clock.objects.filter(Q(pk=OuterRef("pk")) & _reached()))
    if figure == CALLED_BACK:
        clocks = clocks.filter(reached)
    elif figure == NOT_CALLED_BACK:
        clocks = clocks.filter(~reached)
    elif figure == CALLBACK_RATED:
        clocks = clocks.filter(Exists(Rating.objects.filter(clock=OuterRef("pk"))))
    elif figure == REWORKED:
        clocks = clocks.filter(_reworked())
    elif figure != CALLBACK_DUE:
        raise ValueError(figure)
    return Exists(clocks)


def rating_open(case: Case) -> bool:
    """Whether the citizen may rate the case now: closed with a callback owed by its
    latest closing and no grade since (the status page then offers the rating)."""
    rated_since_close = (
        case.rated_at is not None and case.closed_at is not None and case.rated_at >= case.closed_at
    )
    return (
        case.state == CaseState.CLOSED
        and not rated_since_close
        and callback_clocks().filter(case=case).exists()
    )
