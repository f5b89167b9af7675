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


# Records whose current state follows from their history (ARCHITECTURE: a state that
# changes is an event, and the current state follows from it): the record, its event
# model, and the event's foreign key to the record. Apps register theirs in ready().
STATE_FUNCTION = "accountability_state_follows_events"
_STATE_FROM_EVENTS: list[tuple[type[models.Model], type[models.Model], str]] = []


def state_from_events_register(
    model: type[models.Model], event_model: type[models.Model], field: str
) -> None:
    """Declare that `model`'s ``state`` is always the ``to_state`` of its latest event
    (`event_model`, linked by `field`). PostgreSQL then checks it at every commit."""
    if (model, event_model, field) not in _STATE_FROM_EVENTS:
        _STATE_FROM_EVENTS.append((model, event_model, field))


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
        # Checked when the transaction commits (a deferred constraint trigger), against the
        # row as it then stands: a service saves the record and appends its event in one
        # transaction, in either order and perhaps several times; a state written without
        # its event, by anyone, is refused and the transaction rolled back.
        cursor.execute(
            f"""
            CREATE OR REPLACE FUNCTION {STATE_FUNCTION}() RETURNS trigger AS $$
            DECLARE
                current_state text;
                last_state text;
            BEGIN
                EXECUTE format('SELECT state FROM %I WHERE id = $1', TG_TABLE_NAME)
                    INTO current_state USING NEW.id;
                EXECUTE format(
                    'SELECT to_state FROM %I WHERE %I = $1 ORDER BY id DESC LIMIT 1',
                    TG_ARGV[0], TG_ARGV[1]
                ) INTO last_state USING NEW.id;
                IF last_state IS NOT NULL AND current_state IS DISTINCT FROM last_state THEN
                    RAISE EXCEPTION '% %: state % does not follow from its history (last: %)',
                        TG_TABLE_NAME, NEW.id, current_state, last_state;
                END IF;
                RETURN NULL;
            END;
            $$ LANGUAGE plpgsql
            """
        )
        for model, event_model, field in _STATE_FROM_EVENTS:
            table, events = model._meta.db_table, event_model._meta.db_table
            if table not in existing or events not in existing:
                continue
            link = event_model._meta.get_field(field)
            if not isinstance(link, models.ForeignKey):
                raise TypeError(f"{event_model.__name__}.{field} is not a foreign key")
            column = link.column
            trigger = f"{table}_state_follows_events"
            cursor.execute(f"DROP TRIGGER IF EXISTS {trigger} ON {table}")
            cursor.execute(
                f"CREATE CONSTRAINT TRIGGER {trigger} AFTER UPDATE OF state ON {table} "
                f"DEFERRABLE INITIALLY DEFERRED FOR EACH ROW "
                f"EXECUTE FUNCTION {STATE_FUNCTION}('{events}', '{column}')"
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
