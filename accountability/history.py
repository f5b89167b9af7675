"""Which tables are history, and how PostgreSQL defends them (ARCHITECTURE: "The database
defends history").

History is every model built on AppendOnlyModel, in every app: a new history model is
covered by deriving from it, with nothing to list here. On PostgreSQL each history table
gets, after every `migrate`, a row trigger refusing UPDATE and DELETE and a statement
trigger refusing TRUNCATE, whoever connects; the application role (`manage.py
db_grant_app_role`) is moreover granted only SELECT and INSERT on them, and cannot set the
triggers aside, since it owns nothing and is no superuser.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.db import connections, models

from accountability.models import AppendOnlyModel

# Refuses UPDATE and DELETE of a row (created by accountability 0003 for the audit log and
# used by every history table since).
ROW_FUNCTION = "accountability_audit_append_only"
TRUNCATE_FUNCTION = "accountability_history_no_truncate"
# The test suite flushes its database between transactional tests with TRUNCATE; its
# connection sets this (tests/settings.py). It lets no one else through: the application
# role has no TRUNCATE privilege, and the owner could disable the trigger anyway.
ALLOW_TRUNCATE_SETTING = "accountability.allow_history_truncate"


def history_models() -> list[type[models.Model]]:
    return [
        model
        for model in apps.get_models()
        if issubclass(model, AppendOnlyModel) and not model._meta.proxy
    ]


def history_tables() -> list[str]:
    return sorted(model._meta.db_table for model in history_models())


def install_history_triggers(*, using: str = "default", **kwargs: Any) -> None:
    """Give every history table that exists its two triggers; safe to repeat. Connected
    to post_migrate (accountability.apps), so that it runs as the owner after every
    `migrate`, a new history table included."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return
    existing = set(connection.introspection.table_names())
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            CREATE OR REPLACE FUNCTION {ROW_FUNCTION}() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP;
            END;
            $$ LANGUAGE plpgsql
            """
        )
        cursor.execute(
            f"""
            CREATE OR REPLACE FUNCTION {TRUNCATE_FUNCTION}() RETURNS trigger AS $$
            BEGIN
                IF current_setting('{ALLOW_TRUNCATE_SETTING}', true) = 'on' THEN
                    RETURN NULL;
                END IF;
                RAISE EXCEPTION '% is append-only: TRUNCATE refused', TG_TABLE_NAME;
            END;
            $$ LANGUAGE plpgsql
            """
        )
        for table in history_tables():
            if table not in existing:
                continue
            cursor.execute(
                f"CREATE OR REPLACE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE "
                f"ON {table} FOR EACH ROW EXECUTE FUNCTION {ROW_FUNCTION}()"
            )
            cursor.execute(
                f"CREATE OR REPLACE TRIGGER {table}_no_truncate BEFORE TRUNCATE "
                f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION {TRUNCATE_FUNCTION}()"
            )
