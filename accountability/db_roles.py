"""The two database roles of a PostgreSQL installation (README "Production").

The owner owns the tables: `migrate` and `db_grant_app_role` connect as it
(DATABASE_OWNER_URL). The portal (web server, worker, beat) connects as the application
role (DATABASE_URL), which owns nothing and is no superuser: it reads and inserts
everywhere, updates and deletes only outside history (accountability.history), and can
neither truncate a table, nor disable its triggers, nor switch triggers off for its
session (`session_replication_role`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.db import connections, transaction
from django.db.backends.utils import CursorWrapper
from psycopg import sql

from accountability.history import history_tables

# Read, never written by the portal: Django's record of the migrations applied.
READ_ONLY_TABLES = frozenset({"django_migrations"})


class RoleRefused(Exception):
    """The role cannot serve as the application role; the message says why."""


@dataclass(frozen=True)
class Grants:
    role: str
    created: bool
    history_tables: int
    writable_tables: int


@contextmanager
def connected_as_owner(using: str = "default") -> Iterator[None]:
    """Run the block with `using` connected as the tables' owner (DATABASE_OWNER_URL);
    without it, as DATABASE_URL's user, who is then the owner."""
    owner = settings.DATABASE_OWNER
    if owner is None or using != "default":
        yield
        return
    connection = connections[using]
    saved = {key: connection.settings_dict[key] for key in owner}
    connection.close()
    connection.settings_dict.update(owner)
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict.update(saved)


def grant_app_role(*, role: str, password: str = "", using: str = "default") -> Grants:
    """Create the application role (LOGIN, no other power) or check the one there, and
    set its grants afresh on every table of the schema, so that a table that became
    history since the last run loses UPDATE and DELETE. Run as the owner after every
    `migrate`; safe to repeat."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        raise RoleRefused("Database roles exist on PostgreSQL only; DATABASE_URL is not.")
    with transaction.atomic(using=using), connection.cursor() as cursor:

        def run(statement: sql.Composable) -> None:
            cursor.execute(statement.as_string(connection.connection))

        cursor.execute("SELECT current_user, current_schema(), current_database()")
        owner, schema, database = cursor.fetchone()
        if role == owner:
            raise RoleRefused(
                f"{role} is the role this command connects as, the tables' owner; the "
                "application role must be another one (set DATABASE_OWNER_URL to the owner)."
            )
        cursor.execute(
            "SELECT rolsuper OR rolcreatedb OR rolcreaterole OR rolreplication OR rolbypassrls "
            "FROM pg_roles WHERE rolname = %s",
            [role],
        )
        found = cursor.fetchone()
        created = found is None
        if created:
            run(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(role)))
        elif found[0]:
            raise RoleRefused(
                f"{role} is a superuser, or may create databases or roles, replicate or "
                "bypass row security; the application role may do none of these."
            )
        else:
            run(sql.SQL("ALTER ROLE {} LOGIN").format(sql.Identifier(role)))
        if password:
            run(
                sql.SQL("ALTER ROLE {} PASSWORD {}").format(
                    sql.Identifier(role), sql.Literal(password)
                )
            )
        _refuse_owner_powers(cursor, role=role, owner=owner)

        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = %s", [schema])
        tables = {name for (name,) in cursor.fetchall()}
        history = tables & set(history_tables())
        read_only = tables & READ_ONLY_TABLES
        writable = tables - history - read_only
        role_name, schema_name = sql.Identifier(role), sql.Identifier(schema)
        run(
            sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(
                sql.Identifier(database), role_name
            )
        )
        run(sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(schema_name, role_name))
        run(sql.SQL("REVOKE ALL ON ALL TABLES IN SCHEMA {} FROM {}").format(schema_name, role_name))
        run(
            sql.SQL("REVOKE ALL ON ALL SEQUENCES IN SCHEMA {} FROM {}").format(
                schema_name, role_name
            )
        )
        for privileges, names in (
            ("SELECT", read_only),
            ("SELECT, INSERT", history),
            ("SELECT, INSERT, UPDATE, DELETE", writable),
        ):
            if names:
                run(
                    sql.SQL("GRANT {} ON {} TO {}").format(
                        sql.SQL(privileges),
                        sql.SQL(", ").join(sql.Identifier(name) for name in sorted(names)),
                        role_name,
                    )
                )
        run(
            sql.SQL("GRANT USAGE ON ALL SEQUENCES IN SCHEMA {} TO {}").format(
                schema_name, role_name
            )
        )
        _refuse_writable_history(cursor, role=role, history=history)
    return Grants(role, created, len(history), len(writable))


def _refuse_owner_powers(cursor: CursorWrapper, *, role: str, owner: str) -> None:
    cursor.execute(
        "SELECT c.relname FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner "
        "WHERE r.rolname = %s ORDER BY c.relname LIMIT 3",
        [role],
    )
    owned = [name for (name,) in cursor.fetchall()]
    if owned:
        raise RoleRefused(f"{role} owns {', '.join(owned)}; the application role must own nothing.")
    cursor.execute("SELECT pg_has_role(%s, %s, 'MEMBER')", [role, owner])
    if cursor.fetchone()[0]:
        raise RoleRefused(f"{role} is a member of {owner} and so could act as the owner.")


def _refuse_writable_history(cursor: CursorWrapper, *, role: str, history: set[str]) -> None:
    """What the grants give, checked rather than assumed (another role's privileges are
    inherited through membership, and PUBLIC's apply to every role)."""
    for table in sorted(history):
        cursor.execute(
            "SELECT has_table_privilege(%s, %s, 'UPDATE, DELETE, TRUNCATE')", [role, table]
        )
        if cursor.fetchone()[0]:
            raise RoleRefused(
                f"{role} may still change the history table {table}, through a role it is "
                "a member of or a grant to PUBLIC; revoke that grant."
            )
