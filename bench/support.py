"""What the PostgreSQL benchmarks share: a database of their own, created afresh on the
server of DATABASE_URL, and bulk loading with the secondary indexes built after the rows.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit, urlunsplit


def bench_url(database: str) -> tuple[str, str]:
    """The bench database's URL and the URL of the server's maintenance database."""
    base = os.environ.get("DATABASE_URL", "")
    if not base.startswith(("postgres://", "postgresql://")):
        base = "postgresql://postgres@127.0.0.1:5432/postgres"
    parts = urlsplit(base)
    return (
        urlunsplit(parts._replace(path=f"/{database}")),
        urlunsplit(parts._replace(path="/postgres")),
    )


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DEBUG", "1")  # the development secret key; nothing is served
    os.environ["DJANGO_SETTINGS_MODULE"] = "accountability.settings"
    import django

    django.setup()


def _exists(database: str, maintenance_url: str) -> bool:
    import psycopg

    with psycopg.connect(maintenance_url, autocommit=True) as conn:
        row = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database]).fetchone()
    return row is not None


def open_database(database: str, *, reuse: bool, holds_data: Callable[[], bool]) -> bool:
    """Set Django up on the bench database, migrated: the one of an earlier run when
    ``reuse`` is asked and it ``holds_data`` (asked once Django is set up), else created
    afresh. Returns whether it is fresh, to be built."""
    url, maintenance = bench_url(database)
    fresh = not (reuse and _exists(database, maintenance))
    if fresh:
        recreate_database(database, maintenance)
    setup_django(url)
    from django.core.management import call_command
    from django.db import connection

    if not fresh and not holds_data():
        connection.close()
        recreate_database(database, maintenance)
        fresh = True
    call_command("migrate", verbosity=0)
    return fresh


def recreate_database(database: str, maintenance_url: str) -> None:
    import psycopg

    with psycopg.connect(maintenance_url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {database}")


@contextmanager
def bulk_load(cursor: Any, tables: Sequence[str]) -> Iterator[None]:
    """Load the tables inside the block: their secondary indexes are dropped before and
    built after (several times faster than keeping each up to date row by row; the
    constraint indexes, keys and unique ones, stay), then the tables are analysed and the
    load flushed, so that what is measured next does not pay for the load's checkpoint."""
    cursor.execute("SET synchronous_commit = off")
    cursor.execute("SET maintenance_work_mem = '512MB'")
    cursor.execute(
        """
        SELECT indexname, indexdef FROM pg_indexes AS i
        WHERE tablename = ANY(%s)
          AND NOT EXISTS (SELECT 1 FROM pg_constraint AS c WHERE c.conname = i.indexname)
        """,
        [list(tables)],
    )
    indexes = cursor.fetchall()
    for name, _definition in indexes:
        cursor.execute(f'DROP INDEX "{name}"')
    yield
    for _name, definition in indexes:
        cursor.execute(definition)
    for table in tables:
        cursor.execute(f"VACUUM ANALYZE {table}")
    cursor.execute("CHECKPOINT")
