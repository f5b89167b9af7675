"""Obligations as clocks: the 20-minute fault clocks (time-machine), reports before
planned works, public notices with their channels, an event that grows past a threshold
mid-way, the scan (exactly once), who answers for a breach, and the refusals."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from accountability.models import AuditEntry
from outages.models import (
    BreachKind,
    NoticeChannel,
    Obligation,
    ObligationKind,
    ObligationState,
    OutageBreach,
    OutageChange,
    OutageEvent,
    OutageKind,
    ReportMethod,
    ReportRecipient,
)
from outages.services import (
    notice_record,
    obligations_breach_due,
    outage_cancel,
    outage_change,
    outage_record,
    report_record,
)
from outages.tasks import scan_obligations
from tests.outages.conftest import T0, OutageCast, record

pytestmark = pytest.mark.django_db

K = ObligationKind
MINUTE = timedelta(minutes=1)


def obligations(event: OutageEvent) -> dict[str, Obligation]:
    return {o.kind: o for o in Obligation.objects.filter(event=event)}


def scan(at: datetime) -> int:
    with time_machine.travel(at, tick=False):
        return scan_obligations()


def report(
    oc: OutageCast, event: OutageEvent, at: datetime, to: str = ReportRecipient.DISPATCH
) -> None:
    actor = oc.network_handler if to == ReportRecipient.DISPATCH else oc.dispatcher
    with time_machine.travel(at, tick=False):
        report_record(
            actor=actor,
            event=event,
            recipient=to,
            method=ReportMethod.PHONE,
            reported_at=timezone.now(),
            received_by="值班调度员",
        )


# -- faults: the 20-minute clocks ---------------------------------------------------------------


def test_it_gives_a_fault_of_500_households_20_minutes_to_report_to_dispatch(
    oc: OutageCast,
) -> None:
    event = record(oc, households=500)
    owed = obligations(event)
    assert set(owed) == {K.REPORT_DISPATCH}
    clock = owed[K.REPORT_DISPATCH]
    assert clock.due_at == T0 + timedelta(minutes=20)
    assert clock.citation == "《供水集团廉洁自律、责任追究及用户投诉处理制度》报告制度 (2)"
    assert clock.department == oc.network
    assert record(oc, households=499).obligations.count() == 0


def test_it_counts_a_report_at_19_minutes_as_in_time(oc: OutageCast) -> None:
    event = record(oc)
    report(oc, event, T0 + timedelta(minutes=19))
    assert scan(T0 + timedelta(hours=1)) == 0
    clock = obligations(event)[K.REPORT_DISPATCH]
    assert clock.state_at(T0 + timedelta(hours=1)) == ObligationState.MET
    assert not OutageBreach.objects.exists()


def test_it_records_a_report_at_21_minutes_as_a_breach(oc: OutageCast) -> None:
    event = record(oc)
    report(oc, event, T0 + timedelta(minutes=21))
    assert scan(T0 + timedelta(minutes=22)) == 1
    clock = obligations(event)[K.REPORT_DISPATCH]
    assert clock.state_at(T0 + timedelta(minutes=22)) == ObligationState.MET_LATE
    breach = OutageBreach.objects.get()
    assert breach.kind == BreachKind.REPORT_NOT_IN_TIME
    assert breach.moment == T0 + timedelta(minutes=20)
    assert breach.obligation == clock
    assert breach.event == event
    # Nobody named: the unit's head answers for it.
    assert (breach.responsible, breach.department) == (oc.network_head, oc.network)


def test_it_records_a_missing_report_once_the_20_minutes_have_passed(oc: OutageCast) -> None:
    event = record(oc)
    assert scan(T0 + timedelta(minutes=20) - MINUTE) == 0
    assert scan(T0 + timedelta(minutes=20)) == 1
    assert obligations(event)[K.REPORT_DISPATCH].state_at(T0 + timedelta(minutes=20)) == (
        ObligationState.MISSED
    )


def test_it_records_each_breach_once_however_often_the_scan_runs(oc: OutageCast) -> None:
    record(oc, households=1200, hours=10)
    later = T0 + timedelta(hours=2)
    assert scan(later) == 3  # dispatch, 12345, 12319
    assert scan(later) == 0
    assert obligations_breach_due(now=later + timedelta(days=1)).created == 0
    assert OutageBreach.objects.count() == 3
    # A late report after the breach changes the state, not the breach.
    event = Obligation.objects.first().event  # type: ignore[union-attr]
    report(oc, event, later + MINUTE)
    assert scan(later + timedelta(hours=1)) == 0
    assert OutageBreach.objects.count() == 3


def test_it_gives_dispatch_20_minutes_from_hearing_of_a_large_fault(oc: OutageCast) -> None:
    # The unit phoned dispatch at 9:05; the event was entered here at 9:30.
    event = record(oc, at=T0 + timedelta(minutes=30), starts_at=T0, households=1500, hours=9)
    owed = obligations(event)
    assert set(owed) == {K.REPORT_DISPATCH, K.REPORT_12345, K.NOTIFY_12319}
    assert owed[K.REPORT_12345].department == oc.dispatch
    assert owed[K.REPORT_12345].due_at == T0 + timedelta(minutes=50)  # heard at 9:30 so far
    with time_machine.travel(T0 + timedelta(minutes=31), tick=False):
        report_record(
            actor=oc.network_handler,
            event=event,
            recipient=ReportRecipient.DISPATCH,
            method=ReportMethod.PHONE,
            reported_at=T0 + timedelta(minutes=5),
        )
    owed = obligations(event)
    assert owed[K.REPORT_DISPATCH].state_at(T0 + timedelta(minutes=31)) == ObligationState.MET
    assert owed[K.REPORT_12345].due_at == T0 + timedelta(minutes=25)  # heard at 9:05
    assert owed[K.NOTIFY_12319].due_at == T0 + timedelta(minutes=25)
    report(oc, event, T0 + timedelta(minutes=32), to=ReportRecipient.OFFICE_12345)
    report(oc, event, T0 + timedelta(minutes=24), to=ReportRecipient.LINE_12319)
    assert scan(T0 + timedelta(hours=1)) == 1
    breach = OutageBreach.objects.get()
    assert breach.obligation.kind == K.REPORT_12345
    assert (breach.responsible, breach.department) == (oc.dispatch_head, oc.dispatch)


# -- an event that grows mid-way -------------------------------------------------------------


def test_it_starts_the_new_obligations_when_a_fault_grows_past_a_threshold(
    oc: OutageCast,
) -> None:
    event = record(oc, households=800, hours=10)
    assert set(obligations(event)) == {K.REPORT_DISPATCH}
    report(oc, event, T0 + timedelta(minutes=10))
    grew = T0 + timedelta(hours=3)
    with time_machine.travel(grew, tick=False):
        outage_change(
            actor=oc.network_handler,
            event=event,
            households=1200,
            expected_restoration_at=event.expected_restoration_at,
            area=event.area + "\n山大路",
            reason="爆管影响范围扩大",
        )
    owed = obligations(event)
    assert set(owed) == {K.REPORT_DISPATCH, K.REPORT_12345, K.NOTIFY_12319}
    for kind in (K.REPORT_12345, K.NOTIFY_12319):
        assert owed[kind].arose_at == grew
        assert owed[kind].due_at == grew + timedelta(minutes=20)
    # Not late for the hours before the change; late 20 minutes after it.
    assert scan(grew + timedelta(minutes=19)) == 0
    assert scan(grew + timedelta(minutes=20)) == 2
    history = list(OutageChange.objects.filter(event=event).values_list("households", flat=True))
    assert history == [800, 1200]


def test_it_starts_the_large_obligations_when_the_expected_time_reaches_8_hours(
    oc: OutageCast,
) -> None:
    event = record(oc, households=1000, hours=7)
    assert K.REPORT_12345 not in obligations(event)
    with time_machine.travel(T0 + timedelta(hours=1), tick=False):
        outage_change(
            actor=oc.dispatcher,
            event=event,
            households=1000,
            expected_restoration_at=T0 + timedelta(hours=8) - MINUTE,
            area=event.area,
            reason="抢修延时",
        )
    assert K.REPORT_12345 not in obligations(event)
    with time_machine.travel(T0 + timedelta(hours=2), tick=False):
        outage_change(
            actor=oc.dispatcher,
            event=event,
            households=1000,
            expected_restoration_at=T0 + timedelta(hours=8),
            area=event.area,
            reason="抢修延时",
        )
    assert obligations(event)[K.REPORT_12345].due_at == T0 + timedelta(hours=2, minutes=20)


def test_it_keeps_an_obligation_that_arose_when_the_figures_go_down(oc: OutageCast) -> None:
    event = record(oc, households=600)
    with time_machine.travel(T0 + timedelta(minutes=5), tick=False):
        outage_change(
            actor=oc.network_handler,
            event=event,
            households=300,
            expected_restoration_at=event.expected_restoration_at,
            area=event.area,
            reason="核实户数",
        )
    assert set(obligations(event)) == {K.REPORT_DISPATCH}


# -- planned works and their notices -------------------------------------------------------------


def test_it_asks_planned_works_to_report_before_they_start(oc: OutageCast) -> None:
    start = T0 + timedelta(days=5)
    event = record(oc, kind=OutageKind.PLANNED, households=1000, hours=8, starts_at=start)
    owed = obligations(event)
    assert set(owed) == {
        K.REPORT_DISPATCH, K.REPORT_12345, K.NOTIFY_12319, K.NOTICE_THREE_DAYS, K.NOTICE_ONE_DAY,
    }  # fmt: skip
    assert owed[K.REPORT_DISPATCH].due_at == start
    assert owed[K.REPORT_12345].due_at == start
    assert (
        owed[K.REPORT_12345].citation
        == "《供水集团廉洁自律、责任追究及用户投诉处理制度》报告制度 (1)"
    )
    assert owed[K.NOTICE_THREE_DAYS].due_at == start - timedelta(days=3)
    assert owed[K.NOTICE_ONE_DAY].due_at == start - timedelta(days=1)
    assert (
        owed[K.NOTICE_ONE_DAY].citation
        == "《供水集团廉洁自律、责任追究及用户投诉处理制度》通报制度 (1)"
    )


def test_it_meets_the_notices_of_a_large_outage_with_two_notices_and_records_channels(
    oc: OutageCast,
) -> None:
    start = T0 + timedelta(days=5)
    event = record(oc, kind=OutageKind.PLANNED, households=2000, hours=10, starts_at=start)
    with time_machine.travel(start - timedelta(days=4), tick=False):
        first = notice_record(
            actor=oc.dispatcher,
            event=event,
            published_at=timezone.now(),
            channels=[NoticeChannel.NEWSPAPER, NoticeChannel.FIRE_BRIGADE],
            text="因阀门更换,经十路、历山路停水。",
        )
    assert first.obligation is not None
    assert first.obligation.kind == K.NOTICE_THREE_DAYS
    assert first.channels == ["fire_brigade", "newspaper"]
    # No second notice by a day ahead: the 1-day notice is breached, the 3-day one not.
    assert scan(start - timedelta(days=1) + MINUTE) == 1
    assert OutageBreach.objects.get().kind == BreachKind.NOTICE_NOT_IN_TIME
    assert OutageBreach.objects.get().obligation.kind == K.NOTICE_ONE_DAY
    assert OutageBreach.objects.get().department == oc.dispatch


def test_it_asks_a_small_planned_outage_for_one_notice_a_day_ahead(oc: OutageCast) -> None:
    start = T0 + timedelta(days=2)
    event = record(oc, kind=OutageKind.PLANNED, households=120, hours=3, starts_at=start)
    assert set(obligations(event)) == {K.NOTICE_ONE_DAY}
    with time_machine.travel(start - timedelta(days=1) - MINUTE, tick=False):
        notice_record(
            actor=oc.dispatcher,
            event=event,
            published_at=timezone.now(),
            channels=[NoticeChannel.COMMUNITY],
            text="停水通知",
        )
    assert scan(start + timedelta(days=1)) == 0


@override_settings(OUTAGE_LARGE_NOTICE_HOUSEHOLDS=300)
def test_it_reads_the_large_notice_threshold_from_the_setting(oc: OutageCast) -> None:
    start = T0 + timedelta(days=5)
    big = record(oc, kind=OutageKind.PLANNED, households=300, hours=2, starts_at=start)
    small = record(oc, kind=OutageKind.PLANNED, households=299, hours=2, starts_at=start)
    assert K.NOTICE_THREE_DAYS in obligations(big)
    assert K.NOTICE_THREE_DAYS not in obligations(small)


def test_it_does_not_owe_a_3_day_notice_for_works_that_grow_too_late_to_give_it(
    oc: OutageCast,
) -> None:
    start = T0 + timedelta(days=2)
    event = record(oc, kind=OutageKind.PLANNED, households=400, hours=10, starts_at=start)
    with time_machine.travel(T0 + timedelta(hours=1), tick=False):
        outage_change(
            actor=oc.network_handler,
            event=event,
            households=1500,
            expected_restoration_at=event.expected_restoration_at,
            area=event.area,
            reason="范围扩大",
        )
    owed = obligations(event)
    assert K.NOTICE_THREE_DAYS not in owed
    assert owed[K.REPORT_12345].due_at == start  # still before the works start


# -- refusals and history -------------------------------------------------------------------------


def test_it_lets_only_dispatch_report_to_12345(oc: OutageCast) -> None:
    event = record(oc, households=1500, hours=9)
    with pytest.raises(PermissionDenied):
        report_record(
            actor=oc.network_handler,
            event=event,
            recipient=ReportRecipient.OFFICE_12345,
            method=ReportMethod.PHONE,
            reported_at=timezone.now(),
        )
    assert obligations(event)[K.REPORT_12345].met_at is None


def test_it_refuses_an_outage_of_another_department_from_a_unit(oc: OutageCast) -> None:
    with pytest.raises(PermissionDenied):
        outage_record(
            actor=oc.head,  # head of the service department
            kind=OutageKind.FAULT,
            title="爆管",
            area="经十路",
            households=800,
            starts_at=T0,
            expected_restoration_at=T0 + timedelta(hours=2),
            cause="管道老化",
            department=oc.network,
        )


def test_it_refuses_bad_figures_and_leaves_nothing(oc: OutageCast) -> None:
    with pytest.raises(ValidationError):
        record(oc, hours=-1)
    with pytest.raises(ValidationError):
        record(oc, area="  \n ")
    assert not Obligation.objects.exists()
    assert not OutageChange.objects.exists()


def test_it_refuses_a_notice_without_channels_or_from_the_future(oc: OutageCast) -> None:
    event = record(oc, kind=OutageKind.PLANNED, starts_at=T0 + timedelta(days=3))
    for published_at, channels in (
        (timezone.now(), []),
        (timezone.now() + timedelta(hours=1), ["web"]),
    ):
        with pytest.raises(ValidationError):
            notice_record(
                actor=oc.dispatcher,
                event=event,
                published_at=published_at,
                channels=channels,
                text="停水通知",
            )
    with pytest.raises(PermissionDenied):
        notice_record(
            actor=oc.network_handler,
            event=event,
            published_at=timezone.now(),
            channels=["web"],
            text="停水通知",
        )


def test_it_writes_an_audit_row_for_each_change(oc: OutageCast) -> None:
    event = record(oc)
    report(oc, event, T0 + timedelta(minutes=3))
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"outage.record", "outage.report"} <= actions


@pytest.mark.postgres
def test_it_keeps_breaches_append_only_in_the_database(oc: OutageCast) -> None:
    record(oc)
    scan(T0 + timedelta(hours=1))
    from django.db import DatabaseError, transaction

    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE outages_outagebreach SET kind = 'x'")
    with pytest.raises(PermissionError):
        OutageBreach.objects.get().save()


# -- works called off ---------------------------------------------------------------------


def test_it_waives_what_is_not_yet_due_when_works_are_called_off(oc: OutageCast) -> None:
    start = T0 + timedelta(days=2)
    event = record(oc, kind=OutageKind.PLANNED, households=1500, hours=9, starts_at=start)
    # The 3-day notice was missed already (recorded 2 days ahead); the rest is not due yet.
    assert scan(T0 + MINUTE) == 1
    with time_machine.travel(T0 + timedelta(hours=1), tick=False):
        outage_cancel(actor=oc.network_head, event=event, reason="施工推迟")
    owed = obligations(event)
    later = start + timedelta(days=1)
    assert owed[K.NOTICE_THREE_DAYS].state_at(later) == ObligationState.MISSED
    for kind in (K.NOTICE_ONE_DAY, K.REPORT_DISPATCH, K.REPORT_12345, K.NOTIFY_12319):
        assert owed[kind].state_at(later) == ObligationState.WAIVED
    assert scan(later) == 0
    assert OutageBreach.objects.count() == 1
    with pytest.raises(ValidationError):
        outage_cancel(actor=oc.network_head, event=event, reason="再次")


def test_it_refuses_to_call_off_a_fault_or_works_under_way(oc: OutageCast) -> None:
    fault = record(oc)
    works = record(oc, kind=OutageKind.PLANNED, starts_at=T0 - timedelta(hours=1))
    for event in (fault, works):
        with time_machine.travel(T0, tick=False), pytest.raises(ValidationError):
            outage_cancel(actor=oc.network_head, event=event, reason="取消")
