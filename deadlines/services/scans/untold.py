"""Approved extensions and suspensions the citizen was not told about
(``extensions_flag_untold``, ``suspensions_flag_untold``): neither a logged contact
with the citizen nor a message serving the step, sent in time and delivered."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any, TypeVar

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from deadlines.models import (
    Breach,
    BreachKind,
    Clock,
    ClockKind,
    ExtensionRequest,
    FeedbackEntry,
    NotificationKind,
    Suspension,
)
from deadlines.selectors.calendar import calendar_snapshot
from deadlines.services.messages import Telling, messages_telling
from deadlines.services.scans._common import (
    BREACH,
    EXTENSION_LOOKBACK,
    RECEIPT_WAIT,
    ScanResult,
    _at,
    _commit_without_waiting,
    _in,
    _insert_ignoring_conflicts,
    _notify_breaches,
    _start_of,
)
from deadlines.worktime import LOCAL_TZ, WorkCalendar

# -- extensions the citizen was not told about ------------------------------------------------


def extension_tell_by(calendar: WorkCalendar, decided_at: datetime) -> datetime:
    """When the citizen must have heard of an approved extension: by 24:00 of the
    first working day after the approval."""
    day = timezone.localtime(decided_at, LOCAL_TZ).date()
    return _start_of(calendar.next_working_day(day) + timedelta(days=1))


def extensions_flag_untold(
    *, now: datetime, lookback: timedelta = EXTENSION_LOOKBACK
) -> ScanResult:
    """Record a breach for each approved extension with no contact with the citizen
    logged between the request and the end of the working day after the approval.

    The head records when the citizen was told when approving (case_decide_extension),
    but only a logged contact (FeedbackEntry to the citizen) shows that they were: every
    contact is logged (seed 003 投诉责任制度 (1)) and an extension must be told to the
    citizen (seed 001 §6(二); DOMAIN §3)."""
    approved = (
        ExtensionRequest.objects.filter(
            decision=ExtensionRequest.Decision.APPROVED,
            decided_at__gt=now - lookback,
            decided_at__lte=now,
        )
        .exclude(Exists(Breach.objects.filter(extension=OuterRef("pk"))))
        .select_related("clock__department")
        .order_by("decided_at", "id")
    )
    untold = _untold(
        approved,
        step="extension",
        since=lambda extension: extension.requested_at,
        decided=_decided,
        now=now,
    )
    return _insert_untold(
        "extension",
        NotificationKind.EXTENSION_NOT_TOLD,
        [
            (
                extension.clock_id,
                extension.case_id,
                BreachKind.EXTENSION_NOT_TOLD,
                _at(tell_by),
                _at(now),
                extension.clock.responsible_id or extension.clock.department.head_id,
                extension.clock.department_id,
                extension.pk,
            )
            for extension, tell_by in untold
        ],
        now,
    )


def _insert_untold(
    step: str, kind: NotificationKind, rows: Sequence[Sequence[Any]], now: datetime
) -> ScanResult:
    """Insert the breaches for the untold steps (each row ending with the step's id, in
    the column `<step>_id`), skipping those already there, and notify of the new ones."""
    result = ScanResult()
    if not rows:
        return result
    with transaction.atomic():
        _commit_without_waiting()
        result.created = _insert_ignoring_conflicts(
            BREACH,
            [
                "clock_id",
                "case_id",
                "kind",
                "moment",
                "detected_at",
                "responsible_id",
                "department_id",
                f"{step}_id",
            ],
            rows,
        )
        in_batch, params = _in(f"b.{step}_id", [row[-1] for row in rows])
        result.notifications = _notify_breaches(kind, in_batch, params, now)
    return result


# A step the citizen must be told of.
S = TypeVar("S", ExtensionRequest, Suspension)


def _decided(extension: ExtensionRequest) -> datetime:
    assert extension.decided_at is not None  # approved
    return extension.decided_at


def _untold(
    steps: Iterable[S],
    *,
    step: str,
    since: Callable[[S], datetime],
    decided: Callable[[S], datetime],
    now: datetime,
) -> list[tuple[S, datetime]]:
    """Of the steps the citizen must be told of (an approved extension, a suspension),
    those whose moment to tell (24:00 of the working day after `decided`, on a firm
    calendar) has passed with neither a contact with the citizen logged between `since`
    and then, nor a message serving the step sent by then and delivered; each with that
    moment."""
    calendar = calendar_snapshot()
    due: list[tuple[S, datetime]] = []
    for one in steps:
        tell_by = extension_tell_by(calendar, decided(one))
        # Like a deadline: missed only once it has passed, and only on a firm calendar.
        if tell_by < now and not calendar.is_provisional(tell_by.date() - timedelta(days=1)):
            due.append((one, tell_by))
    if not due:
        return []
    contacts: dict[int, list[datetime]] = defaultdict(list)
    for case_id, at in FeedbackEntry.objects.filter(
        case_id__in={one.case_id for one, _ in due},
        audience=FeedbackEntry.Audience.CITIZEN,
        at__gte=min(since(one) for one, _ in due),
    ).values_list("case_id", "at"):
        contacts[case_id].append(at)
    telling = messages_telling(**{f"{step}_ids": [one.pk for one, _ in due]})
    return [
        (one, tell_by)
        for one, tell_by in due
        if not any(since(one) <= at <= tell_by for at in contacts[one.case_id])
        and not _told_by_message(telling.get((step, one.pk)), tell_by, now)
    ]


def _told_by_message(telling: Telling | None, tell_by: datetime, now: datetime) -> bool:
    """Whether the messages serving a step told the citizen in time, or may still prove
    to have (sent, awaiting the receipt, for RECEIPT_WAIT after the limit)."""
    if telling is None:
        return False
    if telling.told_at is not None and telling.told_at <= tell_by:
        return True
    return telling.pending and now < tell_by + RECEIPT_WAIT


# -- suspensions the citizen was not told about -----------------------------------------------


def suspensions_flag_untold(
    *, now: datetime, lookback: timedelta = EXTENSION_LOOKBACK
) -> ScanResult:
    """Record a breach for each suspension the citizen was not told about (the time, the
    place, and that it does not count: DOMAIN §3) by the end of the working day after it
    began: neither a message serving it, sent by then and delivered, nor a contact with
    the citizen logged between its start and then. The person who suspended the case
    answers for it."""
    started = (
        Suspension.objects.filter(started_at__gt=now - lookback, started_at__lte=now)
        .exclude(Exists(Breach.objects.filter(suspension=OuterRef("pk"))))
        .select_related("case")
        .order_by("started_at", "id")
    )
    untold = _untold(
        started,
        step="suspension",
        since=lambda suspension: suspension.started_at,
        decided=lambda suspension: suspension.started_at,
        now=now,
    )
    if not untold:
        return ScanResult()
    # The breach hangs on the case's result clock (the one the citizen waits for), or on
    # its first clock.
    clocks: dict[int, int] = {}
    for case_id, clock_id, kind in (
        Clock.objects.filter(case_id__in={s.case_id for s, _ in untold})
        .order_by("id")
        .values_list("case_id", "id", "kind")
    ):
        if case_id not in clocks or kind == ClockKind.RESULT:
            clocks[case_id] = clock_id
    rows = [
        (
            clocks[suspension.case_id],
            suspension.case_id,
            BreachKind.SUSPENSION_NOT_TOLD,
            _at(tell_by),
            _at(now),
            suspension.started_by_id,
            suspension.case.department_id,
            suspension.pk,
        )
        for suspension, tell_by in untold
        if suspension.case_id in clocks
    ]
    return _insert_untold("suspension", NotificationKind.SUSPENSION_NOT_TOLD, rows, now)
