"""The scans on PostgreSQL: scans started at the same moment in parallel threads (two
beat instances, a slow run overlapping the next) record every warning, breach, notice
and notification exactly once; and each scan's work list is a range scan of its own
partial index, so its cost follows the clocks due, not the clocks running.

The threads use connections of their own, so the tests run in real transactions (the
serialised rollback brings back the roles and the schedule the migrations create)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection, transaction
from django.db.models import Count

from deadlines.models import (
    Breach,
    Case,
    Clock,
    ClockKind,
    Notification,
    NotificationKind,
    Reminder,
    ReminderStage,
)
from deadlines.services.cases import case_accept
from deadlines.services.scans import (
    clocks_breach_due,
    clocks_warn_due,
    reminders_issue_due,
    scans_run_all,
)
from tests.deadlines.conftest import Cast, open_case

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

SHANGHAI = ZoneInfo("Asia/Shanghai")
# Wednesday 3 June 2026: complaints opened now are due at 24:00 on Friday.
OPENED = datetime(2026, 6, 3, 9, tzinfo=SHANGHAI)
MONDAY = datetime(2026, 6, 8, 9, tzinfo=SHANGHAI)
CASES = 12


def race(calls: list[Callable[[], Any]]) -> list[Any]:
    """Run each call in a thread of its own, all released at once; their results."""
    barrier = threading.Barrier(len(calls), timeout=30)
    results: list[Any] = [None] * len(calls)

    def run(index: int, call: Callable[[], Any]) -> None:
        try:
            barrier.wait()
            results[index] = call()
        except BaseException as error:  # reported to the test below
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
        assert not thread.is_alive(), "a thread is stuck (a deadlock?)"
    for result in results:
        if isinstance(result, BaseException):
            raise result
    return results


@pytest.fixture
def overdue(cast: Cast) -> list[Clock]:
    """CASES complaints in hand, their result clocks past warning and deadline by Monday."""
    cast.service.supervising_leader = cast.leader
    cast.service.save()
    clocks = []
    with time_machine.travel(OPENED, tick=False):
        for _ in range(CASES):
            case = case_accept(actor=cast.head, case=open_case(cast), handler=cast.handler)
            clocks.append(Clock.objects.get(case=case, kind=ClockKind.RESULT))
    return clocks


def _no_duplicates(model: Any, *fields: str) -> None:
    assert not model.objects.values(*fields).annotate(n=Count("id")).filter(n__gt=1).exists()


def test_it_marks_each_warning_and_breach_once_when_scans_race(overdue: list[Clock]) -> None:
    # Small batches, so the threads interleave batch by batch.
    results = race(
        [
            lambda: (
                clocks_warn_due(now=MONDAY, batch=3),
                clocks_breach_due(now=MONDAY, batch=3),
            )
            for _ in range(4)
        ]
    )
    assert sum(warned.marked for warned, _ in results) == CASES
    assert sum(breached.marked for _, breached in results) == CASES
    assert sum(breached.created for _, breached in results) == CASES
    result_clocks = [clock.pk for clock in overdue]
    assert Breach.objects.filter(clock__in=result_clocks).count() == CASES
    _no_duplicates(Breach, "clock", "kind", "moment")
    # Past due when first scanned: marked, but the red card is the news.
    assert not Notification.objects.filter(kind=NotificationKind.WARNING).exists()
    # The handler and the head, once each per breach, however many scans ran.
    assert (
        Notification.objects.filter(kind=NotificationKind.OVERDUE, clock__in=result_clocks).count()
        == 2 * CASES
    )
    _no_duplicates(Notification, "recipient", "kind", "clock", "event", "moment")
    assert (
        sum(n for _, b in results for n in [b.notifications])
        == Notification.objects.filter(kind=NotificationKind.OVERDUE).count()
    )


def test_it_gives_each_yellow_card_once_when_scans_race(overdue: list[Clock]) -> None:
    warn_at = overdue[0].warn_at
    assert warn_at is not None
    results = race([lambda: clocks_warn_due(now=warn_at, batch=5) for _ in range(3)])
    assert sum(result.marked for result in results) == CASES
    assert sum(result.notifications for result in results) == 2 * CASES
    assert Notification.objects.filter(kind=NotificationKind.WARNING).count() == 2 * CASES
    _no_duplicates(Notification, "recipient", "kind", "clock", "event", "moment")


def test_it_issues_each_reminder_once_when_full_scans_race(overdue: list[Clock]) -> None:
    race([lambda: scans_run_all(now=MONDAY) for _ in range(3)])
    assert Reminder.objects.filter(stage=ReminderStage.REMINDER).count() == CASES
    _no_duplicates(Reminder, "breach", "stage")
    # Addressee, leader copied and head: three each.
    assert Notification.objects.filter(kind=NotificationKind.REMINDER).count() == 3 * CASES
    later = MONDAY + timedelta(days=7)
    race([lambda: reminders_issue_due(now=later, batch=4) for _ in range(3)])
    assert Reminder.objects.filter(stage=ReminderStage.CIRCULATION).count() == CASES
    assert Notification.objects.filter(kind=NotificationKind.CIRCULATION).count() == 3 * CASES
    _no_duplicates(Notification, "recipient", "kind", "clock", "event", "moment")


def _work_list_plans(scan: Callable[[], Any]) -> list[str]:
    """The plans of the marking statements a scan runs (EXPLAIN of the very SQL)."""
    marks: list[tuple[str, Any]] = []

    def capture(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        if sql.lstrip().startswith("WITH batch"):
            marks.append((sql, params))
        return execute(sql, params, many, context)

    with transaction.atomic():
        with connection.execute_wrapper(capture):
            scan()
        plans = []
        with connection.cursor() as cursor:
            # Tables this small are cheaper to read whole; forbid that to see the index.
            cursor.execute("SET LOCAL enable_seqscan = off")
            for sql, params in marks:
                cursor.execute(f"EXPLAIN {sql}", params)
                plans.append("\n".join(row[0] for row in cursor.fetchall()))
        transaction.set_rollback(True)
    return plans


def _cte(plan: str) -> str:
    """The part of a plan under "CTE batch"."""
    lines = plan.splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip() == "CTE batch")
    depth = len(lines[start]) - len(lines[start].lstrip())
    section = []
    for line in lines[start + 1 :]:
        if len(line) - len(line.lstrip()) <= depth:
            break
        section.append(line)
    return "\n".join(section)


def test_it_reads_each_work_list_as_one_range_of_its_own_index(overdue: list[Clock]) -> None:
    warn_plans = _work_list_plans(lambda: clocks_warn_due(now=MONDAY))
    breach_plans = _work_list_plans(lambda: clocks_breach_due(now=MONDAY))
    assert warn_plans
    assert breach_plans
    for plans, index in (
        (warn_plans, "clock_warning_pending"),
        (breach_plans, "clock_breach_pending"),
    ):
        batch = _cte(plans[0])  # the work list itself
        assert f"Index Scan using {index}" in batch, plans[0]
        # Taken in the index's own order: no sort, no other scan.
        assert "Sort" not in batch, plans[0]
        assert len([line for line in batch.splitlines() if "Scan" in line]) == 1, plans[0]
    assert Case.objects.count() == CASES
