"""Rule 4's window is data (DOMAIN §7: calendar or rolling month): the default rulebook
counts a calendar month; a rulebook whose threshold says ``rolling_month`` counts any
month ending at the latest complaint. Pure engine, no database."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from sanctions.engine import Record, RulebookSpec, RuleSpec, ViolationFact, aggregates_due

SHANGHAI = ZoneInfo("Asia/Shanghai")


def rule_4(period: str) -> RulebookSpec:
    return RulebookSpec(
        version_id=1,
        label="test",
        rules=(
            RuleSpec(
                number=4,
                title="一月内被投诉三次以上",
                citation="《效能》被诉待岗制度",
                trigger="aggregate",
                params={
                    "counts": "founded_complaints",
                    "scope": "person",
                    "thresholds": [{"period": period, "at_least": 3}],
                },
                id=4,
            ),
        ),
    )


def complaints(*days: tuple[int, int]) -> Record:
    return Record(
        violations=tuple(
            ViolationFact(
                id=index + 1,
                family="attitude",
                severity="minor",
                occurred_at=datetime(2026, month, day, 10, tzinfo=SHANGHAI),
                person_id=7,
                source_kind="complaint",
                case_id=index + 1,
            )
            for index, (month, day) in enumerate(days)
        )
    )


@pytest.mark.parametrize(
    ("days", "calendar", "rolling"),
    [
        (((3, 15), (4, 1), (4, 14)), [], ["2026-04"]),  # within a month, across two
        (((3, 15), (4, 1), (4, 16)), [], []),  # 15 March is more than a month before
        (((4, 1), (4, 14), (4, 30)), ["2026-04"], ["2026-04"]),
    ],
)
def test_it_counts_a_calendar_or_a_rolling_month_as_the_rulebook_says(
    days: tuple[tuple[int, int], ...], calendar: list[str], rolling: list[str]
) -> None:
    record = complaints(*days)
    assert [f.period for f in aggregates_due(record, rule_4("month"))] == calendar
    assert [f.period for f in aggregates_due(record, rule_4("rolling_month"))] == rolling
