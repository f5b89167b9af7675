"""The dashboard's live counts and its callback figures are read from indexes of their own
(issue 24): at a million cases the counts read every running clock and the callback
figures every clock (1.6–2.0 s and 0.17 s) before these existed."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.db.models import QuerySet

from accountability.models import Department
from deadlines.models import Case
from intake.selectors.callback import _owed
from oversight.selectors.dashboard import DashboardFilters, _open_now
from tests.deadlines.conftest import Cast, open_case

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 6, 8, 10, tzinfo=SHANGHAI)

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def _plan(query: QuerySet) -> str:
    with connection.cursor() as cursor:
        # A table this small is cheaper to read whole; forbid that to see the index serve.
        cursor.execute("SET LOCAL enable_seqscan = off")
        sql, params = query.query.sql_with_params()
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


def _with_many_ended_cases(count: int) -> None:
    """Copies of the one case, ended, then fresh statistics: the shape of a real table (most
    cases ended), so that the plan does not hang on the planner's guesses about a table of
    one row (or on whatever statistics earlier tests left)."""
    columns = [f.column for f in Case._meta.concrete_fields if f.column not in ("id",)]
    copied = ", ".join(
        {"number": "number || '-' || g", "state": "'closed'"}.get(column, column)
        for column in columns
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO deadlines_case ({', '.join(columns)}) "
            f"SELECT {copied} FROM deadlines_case, generate_series(1, %s) AS g",
            [count],
        )
        cursor.execute("ANALYZE deadlines_case")


def test_the_live_counts_read_only_the_open_cases_index(cast: Cast) -> None:
    open_case(cast)
    _with_many_ended_cases(2000)
    filters = DashboardFilters(start=date(2026, 6, 1), end=date(2026, 6, 30))
    departments = list(Department.objects.values_list("pk", flat=True))
    plan = _plan(_open_now(filters, NOW, departments))
    assert "case_open_figures" in plan, plan
    assert "deadlines_clock" not in plan, plan


def test_the_callback_figures_find_the_follow_up_clocks_by_their_index(cast: Cast) -> None:
    departments = list(Department.objects.values_list("pk", flat=True))
    owed = _owed(
        start=datetime(2026, 6, 1, tzinfo=SHANGHAI),
        end=datetime(2026, 7, 1, tzinfo=SHANGHAI),
        department_ids=departments,
    )
    plan = _plan(owed)
    assert "clock_follow_up_started" in plan, plan
