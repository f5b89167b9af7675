"""Probes behind /healthz: each returns None when the part answers, else what went wrong."""

from __future__ import annotations

from django.db import DatabaseError, connections


def database_problem() -> str | None:
    try:
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as error:
        return f"{type(error).__name__}: {error}".strip()
    return None


def broker_problem() -> str | None:
    from accountability.celery import app

    try:
        with app.connection_for_write() as connection:
            connection.ensure_connection(max_retries=1, timeout=2)
    except Exception as error:  # kombu raises transport-specific errors; report any of them
        return f"{type(error).__name__}: {error}".strip()
    return None
