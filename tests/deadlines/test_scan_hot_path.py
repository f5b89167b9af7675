"""The overdue scan's hot path (issue 24): the rows the scans derive carry no deferred
foreign-key checks, the record of a breach keeps the ones that make it a record, and
the clock table carries no index the scans' marking UPDATE would pay for without a
reader. What the database holds, read from its catalogue, so a migration that brings
a check or an index back fails here and has to say why."""

from __future__ import annotations

import pytest
from django.db import connection

from deadlines.models import Breach, Clock, Notification

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


def _foreign_keys(table: str) -> set[str]:
    """The columns of `table` that carry a foreign-key constraint."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT a.attname
            FROM pg_constraint k
            JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = ANY(k.conkey)
            WHERE k.conrelid = %s::regclass AND k.contype = 'f'
            """,
            [table],
        )
        return {row[0] for row in cursor.fetchall()}


def _indexed_columns(table: str) -> set[str]:
    """Every column of `table` that some index has as a key."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT a.attname
            FROM pg_index i
            JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
            WHERE i.indrelid = %s::regclass
            """,
            [table],
        )
        return {row[0] for row in cursor.fetchall()}


def test_notifications_carry_no_foreign_key_checks() -> None:
    assert _foreign_keys(Notification._meta.db_table) == set()


def test_a_breach_keeps_the_keys_that_make_it_a_record() -> None:
    # Its clock, who answered for it and their department stay checked; its case is a
    # copy of its clock's (checked on the clock).
    assert _foreign_keys(Breach._meta.db_table) == {
        "clock_id",
        "responsible_id",
        "department_id",
        "extension_id",
        "suspension_id",
    }


def test_the_clock_table_indexes_no_column_no_reader_looks_clocks_up_by() -> None:
    indexed = _indexed_columns(Clock._meta.db_table)
    assert {"id", "case_id", "due_at", "warn_at"} <= indexed
    assert not indexed & {"policy_id", "department_id", "responsible_id"}, indexed
