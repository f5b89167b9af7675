"""Concurrency on PostgreSQL: two people acting on one case at once, a stale copy, and
case numbers handed out to cases opened at the same moment.

The threads use connections of their own, so the tests run in real transactions (the
data is flushed afterwards; the serialised rollback brings back the roles that the
migrations create, which the next test's cast needs).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection, transaction
from django.utils.translation import override

from deadlines.models import Case, CaseEvent, CaseSequence, CaseState, Clock, Transfer
from deadlines.services.cases import CaseConflict, case_accept, case_start_work, case_transfer
from tests.deadlines.conftest import Cast, open_case

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 6, 8, 10, 0, tzinfo=SHANGHAI)
# A service and the arguments it is called with, besides the case.
Action = tuple[Callable[..., Any], dict[str, Any]]


@pytest.fixture(autouse=True)
def frozen_time() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


def race(calls: list[Callable[[threading.Barrier], Any]]) -> list[Any]:
    """Run each call in a thread of its own, all released at once; the results (or the
    exceptions raised) in the order of the calls."""
    barrier = threading.Barrier(len(calls), timeout=30)
    results: list[Any] = [None] * len(calls)

    def run(index: int, call: Callable[[threading.Barrier], Any]) -> None:
        try:
            results[index] = call(barrier)
        except BaseException as error:  # reported to the test below
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index, call)) for index, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
        assert not thread.is_alive(), "a thread is stuck (a deadlock?)"
    return results


def acting(
    service: Callable[..., Any], case_pk: int, **kwargs: Any
) -> Callable[[threading.Barrier], Any]:
    """A thread's work: load its own copy of the case, wait for the other, then act."""

    def call(barrier: threading.Barrier) -> Any:
        copy = Case.objects.get(pk=case_pk)
        barrier.wait()
        return service(case=copy, **kwargs)

    return call


@pytest.mark.parametrize("second", ["accept", "transfer"])
@pytest.mark.parametrize("round_", range(5))
def test_it_lets_exactly_one_of_two_simultaneous_actions_through(
    cast: Cast, second: str, round_: int
) -> None:
    case = open_case(cast)
    assert case.version == 1
    events = CaseEvent.objects.filter(case=case).count()
    targets = {"accept": CaseState.ACCEPTED, "transfer": CaseState.AWAITING_TRANSFER}
    actions = ["accept", second]
    calls = [
        acting(case_accept, case.pk, actor=cast.handler),
        acting(case_accept, case.pk, actor=cast.head)
        if second == "accept"
        else acting(
            case_transfer,
            case.pk,
            actor=cast.desk,
            to_department=cast.network,
            handover_note="管网问题。",
        ),
    ]
    results = race(calls)

    failures = [r for r in results if isinstance(r, BaseException)]
    assert len(failures) == 1, results
    assert isinstance(failures[0], CaseConflict), failures[0]
    winner = actions[next(i for i, r in enumerate(results) if not isinstance(r, BaseException))]
    after = Case.objects.get(pk=case.pk)
    assert after.state == targets[winner]
    assert after.version == 2
    new = CaseEvent.objects.filter(case=case).order_by("id")[events:]
    assert [event.action for event in new] == [winner]
    assert Transfer.objects.filter(case=case).count() == (1 if winner == "transfer" else 0)


def _backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    return int(pid)


def _waits_for_a_lock(pid: int) -> bool:
    """Whether the session `pid` is queued for a lock now (pg_locks is live, not a
    snapshot of the transaction)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_locks WHERE pid = %s AND NOT granted", [pid])
        (waiting,) = cursor.fetchone()
    return bool(waiting)


@pytest.mark.parametrize("winner", ["accept", "transfer"])
def test_it_gives_a_conflict_to_the_action_that_waited_for_the_lock(
    cast: Cast, winner: str
) -> None:
    """The winner's transaction holds the case row until the loser is queued behind it,
    so the loser reads the row only once the winner has committed (whichever action
    wins, and whatever it changed, such as the department on a transfer)."""
    case = open_case(cast)
    events = CaseEvent.objects.filter(case=case).count()
    accept: Action = (case_accept, {"actor": cast.handler})
    transfer: Action = (
        case_transfer,
        {"actor": cast.desk, "to_department": cast.network, "handover_note": "管网问题。"},
    )
    first, then = (accept, transfer) if winner == "accept" else (transfer, accept)
    loser_copy = Case.objects.get(pk=case.pk)
    outcome: list[Any] = []
    pids: list[int] = []
    started = threading.Event()

    def lose() -> None:
        try:
            pids.append(_backend_pid())
            started.set()
            then[0](case=loser_copy, **then[1])
            outcome.append("succeeded")
        except BaseException as error:
            outcome.append(error)
        finally:
            connection.close()

    loser = threading.Thread(target=lose)
    with transaction.atomic():
        first[0](case=Case.objects.get(pk=case.pk), **first[1])
        loser.start()
        assert started.wait(timeout=10)
        for _ in range(500):
            if _waits_for_a_lock(pids[0]):
                break
            time.sleep(0.01)
        else:
            pytest.fail("the second action never waited for the case row")
    loser.join(timeout=30)
    assert not loser.is_alive()

    assert len(outcome) == 1
    assert isinstance(outcome[0], CaseConflict), repr(outcome[0])
    target = CaseState.ACCEPTED if winner == "accept" else CaseState.AWAITING_TRANSFER
    after = Case.objects.get(pk=case.pk)
    assert (after.state, after.version) == (target, 2)
    new = CaseEvent.objects.filter(case=case).order_by("id")[events:]
    assert [event.action for event in new] == [winner]


def test_it_refuses_an_action_on_a_stale_copy_and_writes_nothing(cast: Cast) -> None:
    case = open_case(cast)
    stale = Case.objects.get(pk=case.pk)
    case_accept(actor=cast.head, case=Case.objects.get(pk=case.pk), handler=cast.handler)
    current = Case.objects.get(pk=case.pk)
    events = CaseEvent.objects.filter(case=case).count()
    clocks = Clock.objects.filter(case=case).count()

    with override("en"), pytest.raises(CaseConflict, match="changed by someone else"):
        case_transfer(
            actor=cast.desk, case=stale, to_department=cast.network, handover_note="管网问题。"
        )
    # The transition is allowed from "accepted" too: only the stale version refuses it.
    after = Case.objects.get(pk=case.pk)
    assert (after.state, after.version, after.department_id, after.handler_id) == (
        CaseState.ACCEPTED,
        current.version,
        cast.service.pk,
        cast.handler.pk,
    )
    assert CaseEvent.objects.filter(case=case).count() == events
    assert Clock.objects.filter(case=case).count() == clocks
    assert not Transfer.objects.filter(case=case).exists()

    with pytest.raises(CaseConflict):
        case_start_work(actor=cast.handler, case=stale)
    assert Case.objects.get(pk=case.pk).state == CaseState.ACCEPTED
    # The current copy still works.
    case_start_work(actor=cast.handler, case=current)
    assert Case.objects.get(pk=case.pk).state == CaseState.IN_PROGRESS


def test_it_numbers_cases_opened_at_the_same_moment_distinctly_and_consecutively(
    cast: Cast,
) -> None:
    assert not CaseSequence.objects.exists()

    def opening(barrier: threading.Barrier) -> Case:
        barrier.wait()
        return open_case(cast)

    results = race([opening] * 10)

    errors = [r for r in results if isinstance(r, BaseException)]
    assert errors == []
    numbers = sorted(case.number for case in results)
    assert numbers == [f"2026-{n:06d}" for n in range(1, 11)]
    assert sorted(Case.objects.values_list("number", flat=True)) == numbers
    assert CaseSequence.objects.get(year=2026).last == 10
