"""Small helpers for the few hot statements written as plain SQL (the REST API's token
lookup and case status): compiling an ORM query there costs more than running it.
The statements are built from the models' own table names and run on PostgreSQL and
SQLite alike."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import overload


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
