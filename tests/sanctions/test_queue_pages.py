"""The inspection queue's pages (issue 24, line 1): a page's rows are picked from the
violation table in queue order and only they are joined to their case, people and type
(sanctions.selectors.PickedThenJoined), so a deep page costs what the first does."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection

from sanctions import services
from sanctions.forms import filters
from sanctions.models import Violation
from sanctions.selectors import PickedThenJoined
from sanctions.views.violations import violation_rows
from tests.deadlines.conftest import Cast  # noqa: F401 (cast is a fixture)
from tests.sanctions.conftest import SanctionsCast, at, raise_finding, sc  # noqa: F401

pytestmark = pytest.mark.django_db

OPEN = {"state": filters.OPEN}
ALL = {"state": ""}


@pytest.fixture
def queue(sc: SanctionsCast) -> list[Violation]:  # noqa: F811
    """Eight violations raised an hour apart, every third dismissed."""
    raised = []
    for n in range(8):
        when = at(2026, 3, 2, 9) + timedelta(hours=n)
        violation = raise_finding(sc, "breach-overdue", sc.handler, when)
        if n % 3 == 2:
            services.violation_dismiss(
                actor=sc.inspector, violation=violation, reason="not_founded", note="查无此事"
            )
        raised.append(violation)
    return raised


@pytest.mark.parametrize("filters", [OPEN, ALL, {"state": "dismissed"}])
def test_each_page_holds_the_queues_rows_in_its_order(
    queue: list[Violation], filters: dict[str, Any]
) -> None:
    rows = violation_rows(filters)
    expected = [violation.pk for violation in rows]
    assert expected, "the queue is empty: nothing is compared"
    paged = PickedThenJoined(rows)
    assert paged.count() == len(expected)
    pages = [paged[start : start + 3] for start in range(0, len(expected), 3)]
    assert [violation.pk for page in pages for violation in page] == expected


def test_a_page_is_one_query_with_its_case_people_and_type(
    queue: list[Violation], django_assert_num_queries: Any
) -> None:
    paged = PickedThenJoined(violation_rows(ALL))
    with django_assert_num_queries(1):
        page = paged[3:6]
        shown = [(v.type.name, v.department.name, v.staff and v.staff.username) for v in page]
    assert len(shown) == 3


@pytest.mark.postgres
@pytest.mark.parametrize(
    ("filters", "index"), [(OPEN, "violation_to_review"), (ALL, "violation_raised")]
)
def test_postgresql_picks_a_deep_page_from_the_queue_index_without_sorting(
    queue: list[Violation], filters: dict[str, Any], index: str
) -> None:
    page = PickedThenJoined(violation_rows(filters)).page(slice(5000, 5025))
    with connection.cursor() as cursor:
        # Tables this small are cheaper to read whole; forbid that to see the index serve.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        sql, params = page.query.sql_with_params()
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert index in plan, plan
    # The page's rows are picked in the index's order: the only sort left is of the 25
    # rows picked (above the join), never of the queue.
    picked = plan.split("Limit", 1)[1]
    assert "Sort" not in picked, plan
