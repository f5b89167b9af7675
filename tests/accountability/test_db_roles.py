"""The database defends history: the application role owns nothing and may not change a
history table, and the triggers refuse changes whoever connects (PostgreSQL).

The test database is the owner's (the suite's connection); `db_grant_app_role` creates an
application role in it, and the tests connect as that role on a connection of their own,
so the grants are committed first (transactional tests)."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from psycopg import errors, sql

from accountability import history, services
from accountability.audit import verify_chain
from accountability.db_roles import READ_ONLY_TABLES
from accountability.models import AuditEntry, Department
from tests.factories import UserFactory


def test_every_append_only_model_is_history() -> None:
    tables = history.history_tables()
    assert "accountability_auditentry" in tables
    assert "deadlines_breach" in tables
    assert "sanctions_violationevent" in tables
    assert "oversight_periodicreport" in tables
    assert "deadlines_case" not in tables


def test_the_truncate_setting_of_the_test_suite_is_the_one_the_trigger_reads() -> None:
    options = settings.DATABASES["default"].get("OPTIONS", {}).get("options")
    if connection.vendor == "postgresql":
        # Added to the portal's own options (no JIT: accountability.env).
        assert f"-c {history.ALLOW_TRUNCATE_SETTING}=on" in options
    else:
        assert options is None


@pytest.fixture
def app_role() -> Iterator[str]:
    """The application role of this test database (roles are shared by every database of
    the server, so the name is the database's)."""
    role = f"{connection.settings_dict['NAME']}_app"[:63]
    call_command("db_grant_app_role", role=role)
    yield role
    connection.close()
    connection.ensure_connection()
    with connection.cursor() as cursor:
        for statement in ("DROP OWNED BY {}", "DROP ROLE {}"):
            composed = sql.SQL(statement).format(sql.Identifier(role))
            cursor.execute(composed.as_string(connection.connection))


@pytest.fixture
def as_app(app_role: str) -> Iterator[psycopg.Connection]:
    params = connection.get_connection_params()
    with psycopg.connect(
        host=params.get("host"),
        port=params.get("port"),
        dbname=params["dbname"],
        user=app_role,
        autocommit=True,
    ) as app:
        yield app


def refused(app: psycopg.Connection, statement: sql.SQL | sql.Composed) -> bool:
    try:
        app.execute(statement)
    except errors.InsufficientPrivilege:
        return True
    return False


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_application_role_cannot_change_any_history_table(as_app: psycopg.Connection) -> None:
    allowed: dict[str, list[str]] = {}
    for table in history.history_tables():
        name = sql.Identifier(table)
        as_app.execute(sql.SQL("SELECT count(*) FROM {}").format(name))
        attempts = {
            "UPDATE": sql.SQL("UPDATE {} SET id = id").format(name),
            "DELETE": sql.SQL("DELETE FROM {}").format(name),
            "TRUNCATE": sql.SQL("TRUNCATE {}").format(name),
            "DISABLE TRIGGER": sql.SQL("ALTER TABLE {} DISABLE TRIGGER USER").format(name),
        }
        for what, statement in attempts.items():
            if not refused(as_app, statement):
                allowed.setdefault(table, []).append(what)
    assert allowed == {}
    # Nor can it switch every trigger off for its session.
    assert refused(as_app, sql.SQL("SET session_replication_role = replica"))


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_application_role_owns_nothing_and_writes_outside_history(
    app_role: str, as_app: psycopg.Connection
) -> None:
    owned = as_app.execute(
        "SELECT count(*) FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner "
        "WHERE r.rolname = current_user"
    ).fetchone()
    assert owned == (0,)
    assert as_app.execute(
        "SELECT rolsuper FROM pg_roles WHERE rolname = current_user"
    ).fetchone() == (False,)
    # UPDATE and DELETE outside history (no row matches: the privilege is what is checked).
    as_app.execute("UPDATE deadlines_case SET id = id WHERE false")
    as_app.execute("DELETE FROM django_session WHERE false")
    for table in READ_ONLY_TABLES:
        assert refused(as_app, sql.SQL("DELETE FROM {}").format(sql.Identifier(table)))
    for table in history.history_tables():
        may_insert = as_app.execute(
            "SELECT has_table_privilege(current_user, %s, 'INSERT')", [table]
        ).fetchone()
        assert may_insert == (True,), table


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_portal_works_as_the_application_role(app_role: str) -> None:
    """A service write (the department, its audit row chained under the lock) through
    Django's own connection, logged in as the application role."""
    admin = UserFactory(username="root", is_superuser=True, is_staff=True)
    saved = connection.settings_dict["USER"]
    connection.close()
    connection.settings_dict["USER"] = app_role
    try:
        services.department_save(
            actor=admin, department=Department(code="billing", name="计量收费部"), reason="new"
        )
        with pytest.raises(DatabaseError, match="permission denied"), transaction.atomic():
            AuditEntry.objects.filter(action="department.create").select_for_update().first()
    finally:
        connection.close()
        connection.settings_dict["USER"] = saved
    assert verify_chain().entries == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_it_refuses_the_owner_or_a_superuser_as_the_application_role() -> None:
    with pytest.raises(CommandError, match="the tables' owner"):
        call_command("db_grant_app_role", role=connection.settings_dict["USER"])
    powerful = f"{connection.settings_dict['NAME']}_powerful"[:63]
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE ROLE "{powerful}" LOGIN CREATEDB')
    try:
        with pytest.raises(CommandError, match="may create databases"):
            call_command("db_grant_app_role", role=powerful)
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP ROLE "{powerful}"')


@pytest.mark.postgres
@pytest.mark.django_db
def test_every_history_table_has_both_triggers() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, t.tgname, p.proname FROM pg_trigger t "
            "JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_proc p ON p.oid = t.tgfoid "
            "WHERE NOT t.tgisinternal AND t.tgenabled = 'O'"
        )
        triggers = {(table, function) for table, _name, function in cursor.fetchall()}
    for table in history.history_tables():
        assert (table, history.ROW_FUNCTION) in triggers, table
        assert (table, history.TRUNCATE_FUNCTION) in triggers, table


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_triggers_refuse_the_owner_too() -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL {history.ALLOW_TRUNCATE_SETTING} = off")
        for table in history.history_tables():
            with pytest.raises(DatabaseError, match="TRUNCATE refused"), transaction.atomic():
                cursor.execute(f"TRUNCATE {table} CASCADE")
    admin = UserFactory(username="root", is_superuser=True, is_staff=True)
    services.department_save(
        actor=admin, department=Department(code="billing", name="计量收费部"), reason="new"
    )
    with connection.cursor() as cursor:
        for statement in (
            "UPDATE accountability_auditentry SET reason = 'x'",
            "DELETE FROM accountability_auditentry",
        ):
            with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
                cursor.execute(statement)
    assert AuditEntry.objects.filter(reason="new").count() == 1
