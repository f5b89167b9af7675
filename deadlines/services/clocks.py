"""Starting clocks and keeping their stored due moments right.

Only deadlines.worktime computes a due moment; these functions feed it the clock's
policy, department hours, extensions and pauses, and store what it answers.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta

import numpy as np
from django.db import transaction

from accountability.models import Department
from deadlines.models import Clock, TimeLimitPolicy
from deadlines.selectors.calendar import calendar_snapshot, hours_for
from deadlines.worktime import (
    LOCAL_TZ,
    BusinessHours,
    Due,
    EndRule,
    Unit,
    WorkCalendar,
    compute_due,
    compute_working_due_many,
)


def closed_pauses(clock: Clock) -> list[tuple[datetime, datetime]] | None:
    """The clock's pauses as intervals, or None while one is still open (no due moment)."""
    intervals: list[tuple[datetime, datetime]] = []
    for pause in clock.pauses.all():
        if pause.ended_at is None:
            return None
        intervals.append((pause.started_at, pause.ended_at))
    return intervals


def clock_due(
    calendar: WorkCalendar, clock: Clock, pauses: Sequence[tuple[datetime, datetime]] = ()
) -> Due:
    """The due moment of `clock` under `calendar`, its closed pauses excluded."""
    policy = clock.policy
    return compute_due(
        calendar,
        start=clock.started_at,
        amount=policy.amount + clock.extension_amount,
        unit=Unit(policy.unit),
        hours=hours_for(clock.department),
        end=EndRule(policy.end_rule),
        roll_off_rest_days=policy.roll_off_rest_days,
        pauses=pauses,
    )


@transaction.atomic
def clock_start(
    *, kind: str, policy: TimeLimitPolicy, department: Department, started_at: datetime
) -> Clock:
    """Start a clock under the current calendar. Called by the case services, which check
    the actor's permission and record the case event in the same transaction."""
    clock = Clock(kind=kind, policy=policy, department=department, started_at=started_at)
    due = clock_due(calendar_snapshot(), clock)
    clock.due_at, clock.due_is_provisional = due.at, due.provisional
    clock.full_clean()
    clock.save()
    return clock


def _epoch_s_rounded_up(moment: datetime) -> int:
    # Whole seconds for the vectorised path. Rounding up never moves a start onto
    # another local day: only an instant at exactly 00:00 belongs to the day before.
    return math.ceil(moment.timestamp())


def clocks_recompute(*, first_day: date, last_day: date) -> int:
    """Recompute, in one pass, every running clock whose deadline depends on a day in
    [first_day, last_day]; provisional deadlines become firm once their year is
    published. Returns how many clocks moved. Call inside the calendar change's
    transaction, after the change is saved.

    A deadline depends on the days from its start to its due moment, so the candidates
    are one range query on the running-clock index. Pause-free working-day clocks,
    the bulk of them, go through the engine's vectorised path, grouped by limit.
    """
    lo = datetime.combine(first_day, time.min, LOCAL_TZ)
    hi = datetime.combine(last_day + timedelta(days=1), time.min, LOCAL_TZ)
    candidates = (
        Clock.objects.filter(
            stopped_at__isnull=True, due_at__isnull=False, started_at__lt=hi, due_at__gt=lo
        )
        .select_related("policy", "department")
        .prefetch_related("pauses")
        .select_for_update(of=("self",))
    )
    calendar = calendar_snapshot()
    groups: dict[tuple[int, BusinessHours, EndRule], list[Clock]] = defaultdict(list)
    moved: list[Clock] = []

    def store(clock: Clock, at: datetime, provisional: bool) -> None:
        if (clock.due_at, clock.due_is_provisional) != (at, provisional):
            clock.due_at, clock.due_is_provisional = at, provisional
            moved.append(clock)

    for clock in candidates:
        policy = clock.policy
        if policy.unit == Unit.WORKING_DAYS and not clock.pauses.all():
            key = (
                policy.amount + clock.extension_amount,
                hours_for(clock.department),
                EndRule(policy.end_rule),
            )
            groups[key].append(clock)
            continue
        pauses = closed_pauses(clock)
        if pauses is not None:
            due = clock_due(calendar, clock, pauses)
            store(clock, due.at, due.provisional)

    for (amount, hours, end), members in groups.items():
        starts = np.array([_epoch_s_rounded_up(c.started_at) for c in members], dtype=np.int64)
        batch = compute_working_due_many(
            calendar, starts=starts, amount=amount, hours=hours, end=end
        )
        for clock, due_s, provisional in zip(
            members, batch.due_s.tolist(), batch.provisional.tolist(), strict=True
        ):
            store(clock, datetime.fromtimestamp(due_s, LOCAL_TZ), provisional)

    Clock.objects.bulk_update(moved, ["due_at", "due_is_provisional"], batch_size=1000)
    return len(moved)
