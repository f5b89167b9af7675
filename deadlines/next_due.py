"""SQLite's triggers keeping Case.next_due_at and Case.first_warn_at (PostgreSQL's are
installed by migration 0018, which explains what they do; the project's tests may run on
SQLite, so it needs the same behaviour).

SQLite checks every trigger against the schema when a migration rebuilds a table (its
way to alter one), and a trigger naming a table being rebuilt makes that fail. So these
are dropped before each `migrate` and put back after it, with the moments recomputed
(deadlines.apps connects both to the migrate signals).
"""

from __future__ import annotations

from typing import Any

from django.db import connections

RUNNING = "stopped_at IS NULL AND due_at IS NOT NULL"


def _refresh(case: str) -> str:
    """The statement recomputing the moments of case `case` (an SQL expression)."""
    return f"""
    UPDATE deadlines_case SET
        next_due_at = (SELECT min(due_at) FROM deadlines_clock
                       WHERE case_id = {case} AND {RUNNING}),
        first_warn_at = (SELECT min(warn_at) FROM deadlines_clock
                         WHERE case_id = {case} AND {RUNNING})
    WHERE id = {case};"""


# SQLite cannot assign NEW in a trigger: the case's guards rewrite the row after a write
# of either moment. Their own update does not fire them again (recursive triggers are
# off, and the moments would not change anyway).
TRIGGERS = {
    "deadlines_clock_next_due_insert": f"""
        AFTER INSERT ON deadlines_clock
        BEGIN {_refresh("NEW.case_id")} END""",
    "deadlines_clock_next_due_update": f"""
        AFTER UPDATE ON deadlines_clock
        WHEN OLD.due_at IS NOT NEW.due_at OR OLD.warn_at IS NOT NEW.warn_at
            OR OLD.stopped_at IS NOT NEW.stopped_at OR OLD.case_id IS NOT NEW.case_id
        BEGIN {_refresh("OLD.case_id")} {_refresh("NEW.case_id")} END""",
    "deadlines_clock_next_due_delete": f"""
        AFTER DELETE ON deadlines_clock
        BEGIN {_refresh("OLD.case_id")} END""",
    "deadlines_case_next_due_guard_insert": f"""
        AFTER INSERT ON deadlines_case
        WHEN NEW.next_due_at IS NOT NULL OR NEW.first_warn_at IS NOT NULL
        BEGIN {_refresh("NEW.id")} END""",
    "deadlines_case_next_due_guard_update": f"""
        AFTER UPDATE ON deadlines_case
        WHEN OLD.next_due_at IS NOT NEW.next_due_at OR OLD.first_warn_at IS NOT NEW.first_warn_at
        BEGIN {_refresh("NEW.id")} END""",
}

BACKFILL = f"""
UPDATE deadlines_case SET
    next_due_at = (SELECT min(due_at) FROM deadlines_clock
                   WHERE case_id = deadlines_case.id AND {RUNNING}),
    first_warn_at = (SELECT min(warn_at) FROM deadlines_clock
                     WHERE case_id = deadlines_case.id AND {RUNNING})
"""


def _columns_exist(cursor: Any) -> bool:
    cursor.execute("SELECT 1 FROM pragma_table_info('deadlines_case') WHERE name = 'next_due_at'")
    return cursor.fetchone() is not None


def sqlite_drop_triggers(*, using: str = "default", **kwargs: Any) -> None:
    """Before a `migrate` on SQLite: out of the way of table rebuilds."""
    connection = connections[using]
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        for name in TRIGGERS:
            cursor.execute(f"DROP TRIGGER IF EXISTS {name}")


def sqlite_install_triggers(*, using: str = "default", **kwargs: Any) -> None:
    """After a `migrate` (or a flush) on SQLite: the triggers, and the moments recomputed
    for whatever changed while they were away. Safe to repeat."""
    connection = connections[using]
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        if not _columns_exist(cursor):  # migrated back before 0018
            return
        for name, body in TRIGGERS.items():
            cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
            cursor.execute(f"CREATE TRIGGER {name} {body}")
        cursor.execute(BACKFILL)
