"""Helpers shared by the case service tests of this folder (the cast and open_case are
in tests/deadlines/conftest.py; the frozen_now fixture in this folder's conftest.py).

Two ways to build a case: `build` makes one in any state directly, as the services would
have left it, at NOW; `accepted`, `agreed_report` and `escalated` take it there through
the services at the given moment, for tests that follow its clocks.

Due moments follow the Civil Code: the day of the event is not counted, a period ends at
24:00 of its last day (stored as 00:00 of the next day), and a calendar-day period whose
last day is a rest day ends on the next working day. The dates are in June and July 2026;
the calendar facts they rely on are checked in test_opening.py. Calendar (2026):

    June: Mon 1 … Fri 5, Sat 6, Sun 7, Mon 8 … Fri 12, Mon 15 … Thu 18,
          Fri 19 – Sun 21 Dragon Boat Festival, Mon 22 … Fri 26, Mon 29, Tue 30
    July: Wed 1, Thu 2, Fri 3, Sat 4, Sun 5, Mon 6 … Fri 10, Mon 13 … Fri 17, Mon 20 …
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from deadlines.models import (
    Case,
    CaseEvent,
    CaseState,
    Clock,
    ClockKind,
    MatterKind,
    Suspension,
    Transfer,
)
from deadlines.services.cases import case_accept, case_escalate, case_record_agreement, case_suspend
from deadlines.worktime import LOCAL_TZ
from tests.deadlines.conftest import Cast, at, local, open_case
from tests.factories import CaseFactory

# Mon 8 June 2026, an ordinary working day.
NOW = datetime(2026, 6, 8, 10, 0, tzinfo=LOCAL_TZ)

S = CaseState
# States in which the case has a handler (cast.handler) on the service department.
HANDLED = frozenset(
    {S.ACCEPTED, S.IN_PROGRESS, S.SUSPENDED, S.RESOLVED, S.CLOSED, S.REOPENED, S.TERMINATED}
)


def fresh(case: Case) -> Case:
    return Case.objects.get(pk=case.pk)


def build(cast: Cast, state: CaseState, **fields: Any) -> Case:
    """A case in `state`, as the services would have left it."""
    awaiting = state == S.AWAITING_TRANSFER
    values: dict[str, Any] = {
        "state": state,
        "department": cast.network if awaiting else cast.service,
        "first_responder": cast.desk,
        "handler": cast.handler if state in HANDLED else None,
        **fields,
    }
    case: Case = CaseFactory(**values)
    if awaiting:
        Transfer.objects.create(
            case=case,
            from_department=cast.service,
            to_department=cast.network,
            handover_note="转管网所处理。",
            sent_by=cast.desk,
            sent_at=NOW - timedelta(hours=1),
        )
    if state == S.SUSPENDED:
        Suspension.objects.create(
            case=case,
            kind=Suspension.Kind.TESTING,
            expected_end=NOW + timedelta(days=2),
            place="水质检测中心",
            citizen_notice="检测期间不计入办理时限。",
            started_by=cast.handler,
            started_at=NOW - timedelta(days=1),
        )
    return case


def footprint(case: Case) -> tuple[Any, ...]:
    """Everything a refused call must leave as it was."""
    current = fresh(case)
    return (
        current.state,
        current.version,
        current.department_id,
        current.handler_id,
        current.closed_at,
        current.resolution,
        CaseEvent.objects.filter(case=case).count(),
        sorted(Transfer.objects.filter(case=case).values_list("pk", "outcome")),
        sorted(Suspension.objects.filter(case=case).values_list("pk", "ended_at")),
        Clock.objects.filter(case=case).count(),
    )


def suspend_kwargs(cast: Cast, case: Case) -> dict[str, Any]:
    """What case_suspend is given besides the actor and the case."""
    return {
        "kind": Suspension.Kind.INSPECTION,
        "expected_end": NOW + timedelta(days=3),
        "place": "用户家中",
        "citizen_notice": "检测期间不计入办理时限。",
    }


def running(case: Case, kind: str | None = None) -> list[Clock]:
    clocks = Clock.objects.filter(case=case, stopped_at__isnull=True).select_related("policy")
    if kind is not None:
        clocks = clocks.filter(kind=kind)
    return list(clocks.order_by("id"))


def the_running(case: Case, kind: str) -> Clock:
    (clock,) = running(case, kind)
    return clock


def policies(clocks: list[Clock]) -> set[str]:
    return {clock.policy.code for clock in clocks}


def accepted(cast: Cast, moment: datetime, **fields: Any) -> Case:
    """A case opened by the front desk at `moment` and accepted at once for cast.handler."""
    with at(moment):
        case = open_case(cast, **fields)
        return case_accept(actor=cast.head, case=case, handler=cast.handler)


def suspend(cast: Cast, case: Case, moment: datetime) -> None:
    with at(moment):
        case_suspend(
            actor=cast.handler,
            case=fresh(case),
            kind=Suspension.Kind.TESTING,
            expected_end=local(7, 31),
            place="水质检测中心",
            citizen_notice="检测期间不计入办理时限。",
        )


def agreed_report(cast: Cast, moment: datetime) -> Case:
    """A report accepted at `moment`, both sides accepting the proposed handling at once:
    its closure runs from then (seed 002 附件10 §12)."""
    case = accepted(cast, moment, matter_kind=MatterKind.REPORT)
    with at(moment):
        return case_record_agreement(actor=cast.handler, case=case, note="双方认可处理建议。")


def escalated(cast: Cast) -> Case:
    """A complaint opened on Mon 1 June 10:00 and escalated to the leader at 11:00."""
    case = accepted(cast, local(6, 1, 10))
    with at(local(6, 1, 11)):
        case_escalate(actor=cast.handler, case=fresh(case), leader=cast.leader, reason="影响较大。")
    return case


def progress_clocks(case: Case) -> dict[str, Clock]:
    return {clock.policy.variant: clock for clock in running(case, ClockKind.PROGRESS_REPORT)}
