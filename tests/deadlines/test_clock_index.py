""" "Due before T and still running" is one scan of the partial index on clocks."""

from __future__ import annotations

import pytest
from django.db import connection
from django.utils import timezone

from deadlines.models import Clock
from tests.deadlines.conftest import Cast, open_case

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


def test_it_finds_running_clocks_due_before_a_moment_with_one_index_scan(cast: Cast) -> None:
    for _ in range(3):
        open_case(cast)
    overdue = Clock.objects.filter(stopped_at__isnull=True, due_at__lt=timezone.now())
    with connection.cursor() as cursor:
        # A table this small is cheaper to read whole; forbid that to see the index serve.
        cursor.execute("SET LOCAL enable_seqscan = off")
        sql, params = overdue.query.sql_with_params()
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "clock_running_due" in plan, plan
    assert "Index" in plan.splitlines()[0], plan
    assert len([line for line in plan.splitlines() if "Scan" in line]) == 1, plan
