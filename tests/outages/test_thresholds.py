"""The thresholds of DOMAIN §8 (seed 003 报告制度, 通报制度), each on both sides of its
boundary: ≥500 households, ≥1000 households and ≥8 hours, the large-notice setting."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from outages.thresholds import (
    FAULT_REPORT_WITHIN,
    Figures,
    ObligationKind,
    OutageKind,
    due_when_grown,
    obligations_for,
    regulated_due,
)

START = datetime(2026, 6, 1, 9, tzinfo=ZoneInfo("Asia/Shanghai"))
EIGHT_HOURS = timedelta(hours=8)
MINUTE = timedelta(minutes=1)
K = ObligationKind


def owed(kind: str, households: int, duration: timedelta, large: int = 1000) -> set[K]:
    figures = Figures(kind, households, START, START + duration)
    return obligations_for(figures, large_notice_households=large)


@pytest.mark.parametrize("kind", [OutageKind.PLANNED, OutageKind.FAULT])
def test_it_asks_a_report_to_dispatch_from_500_households(kind: str) -> None:
    assert K.REPORT_DISPATCH not in owed(kind, 499, EIGHT_HOURS)
    assert K.REPORT_DISPATCH in owed(kind, 500, EIGHT_HOURS)
    assert K.REPORT_DISPATCH in owed(kind, 501, timedelta(minutes=30))


@pytest.mark.parametrize("kind", [OutageKind.PLANNED, OutageKind.FAULT])
def test_it_asks_dispatch_to_report_to_12345_and_12319_from_1000_households(kind: str) -> None:
    for obligation in (K.REPORT_12345, K.NOTIFY_12319):
        assert obligation not in owed(kind, 999, EIGHT_HOURS)
        assert obligation in owed(kind, 1000, EIGHT_HOURS)


@pytest.mark.parametrize("kind", [OutageKind.PLANNED, OutageKind.FAULT])
def test_it_asks_dispatch_to_report_to_12345_and_12319_from_8_hours(kind: str) -> None:
    for obligation in (K.REPORT_12345, K.NOTIFY_12319):
        assert obligation not in owed(kind, 5000, EIGHT_HOURS - MINUTE)
        assert obligation in owed(kind, 5000, EIGHT_HOURS)
        assert obligation in owed(kind, 1000, EIGHT_HOURS + MINUTE)


def test_it_asks_a_notice_a_day_ahead_of_every_planned_outage_and_none_for_a_fault() -> None:
    assert K.NOTICE_ONE_DAY in owed(OutageKind.PLANNED, 1, timedelta(hours=1))
    assert owed(OutageKind.FAULT, 1, timedelta(hours=1)) == set()
    fault = owed(OutageKind.FAULT, 5000, timedelta(hours=24))
    assert not fault & {K.NOTICE_ONE_DAY, K.NOTICE_THREE_DAYS}


def test_it_asks_a_notice_3_days_ahead_from_the_large_notice_setting() -> None:
    assert K.NOTICE_THREE_DAYS not in owed(OutageKind.PLANNED, 999, EIGHT_HOURS, large=1000)
    assert K.NOTICE_THREE_DAYS in owed(OutageKind.PLANNED, 1000, EIGHT_HOURS, large=1000)
    assert K.NOTICE_THREE_DAYS not in owed(OutageKind.PLANNED, 299, EIGHT_HOURS, large=300)
    assert K.NOTICE_THREE_DAYS in owed(OutageKind.PLANNED, 300, timedelta(hours=1), large=300)


def test_it_dates_each_obligation_as_the_seed_says() -> None:
    heard = START + timedelta(minutes=7)
    planned = {
        kind: regulated_due(OutageKind.PLANNED, kind, starts_at=START, heard_at=heard) for kind in K
    }
    assert planned[K.REPORT_DISPATCH] == START  # before work starts
    assert planned[K.REPORT_12345] == planned[K.NOTIFY_12319] == START
    assert planned[K.NOTICE_THREE_DAYS] == START - timedelta(days=3)
    assert planned[K.NOTICE_ONE_DAY] == START - timedelta(days=1)
    fault = {
        kind: regulated_due(OutageKind.FAULT, kind, starts_at=START, heard_at=heard)
        for kind in (K.REPORT_DISPATCH, K.REPORT_12345, K.NOTIFY_12319)
    }
    assert fault[K.REPORT_DISPATCH] == START + timedelta(minutes=20)  # from the fault
    assert fault[K.REPORT_12345] == heard + timedelta(minutes=20)  # from hearing of it
    assert fault[K.NOTIFY_12319] == heard + timedelta(minutes=20)


def test_it_starts_an_obligation_that_arises_mid_way_at_the_change() -> None:
    grew = START + timedelta(hours=2)
    for kind in (OutageKind.PLANNED, OutageKind.FAULT):
        due = due_when_grown(kind, K.REPORT_12345, starts_at=START, heard_at=START, grew_at=grew)
        assert due == grew + FAULT_REPORT_WITHIN
    # Planned works that grow two days ahead still report before they start ...
    early = START - timedelta(days=2)
    assert (
        due_when_grown(OutageKind.PLANNED, K.REPORT_12345, starts_at=START, heard_at=early,
                       grew_at=early)
        == START
    )  # fmt: skip
    # ... but can no longer give the 3-day notice, which is then not owed.
    assert (
        due_when_grown(OutageKind.PLANNED, K.NOTICE_THREE_DAYS, starts_at=START, heard_at=early,
                       grew_at=early)
        is None
    )  # fmt: skip
    assert due_when_grown(
        OutageKind.PLANNED, K.NOTICE_ONE_DAY, starts_at=START, heard_at=early, grew_at=early
    ) == START - timedelta(days=1)


@given(
    households=st.integers(min_value=0, max_value=10_000),
    minutes=st.integers(min_value=1, max_value=48 * 60),
    kind=st.sampled_from([OutageKind.PLANNED, OutageKind.FAULT]),
)
def test_it_never_owes_less_for_a_bigger_outage(households: int, minutes: int, kind: str) -> None:
    smaller = owed(kind, households, timedelta(minutes=minutes))
    assert smaller <= owed(kind, households + 1, timedelta(minutes=minutes))
    assert smaller <= owed(kind, households, timedelta(minutes=minutes + 1))
