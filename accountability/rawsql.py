"""Small helpers for the few statements written as plain SQL: the hot ones (the REST
API's token lookup and case status), where compiling an ORM query costs more than running
it, and the yearly counters' upsert, which the ORM cannot say in one statement. The
statements are built from the models' own table names and run on PostgreSQL and SQLite
alike."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import overload

from django.db import connection
from django.db.models import Model


@overload
def stored_moment(value: datetime) -> datetime: ...
@overload
def stored_moment(value: None) -> None: ...
def stored_moment(value: datetime | None) -> datetime | None:
    """A moment read by a plain cursor, made aware: PostgreSQL hands back aware datetimes,
    SQLite naive ones in UTC."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


def next_in_year(model: type[Model], year: int) -> int:
    """The next number of `year` in a yearly counter table (`model`, with the columns
    ``year``, unique, and ``last``), safe when two callers ask at once: one upsert bumps
    the year's counter under its row lock, and the counter is part of the caller's
    transaction (a rolled-back caller gives its number back)."""
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (year, last) VALUES (%s, 1) "
            f"ON CONFLICT (year) DO UPDATE SET last = {table}.last + 1 RETURNING last",
            [year],
        )
        (last,) = cursor.fetchone()
    return int(last)
