"""Probes behind /healthz: each returns None when its part answers, else the kind of error.

The answer names the failing part and the error's kind (OperationalError,
ConnectionError), never its message, which names hosts and ports that /healthz, open to
any caller, must not tell; the full error goes to the log for the operator.
"""

from __future__ import annotations

import logging

from django.core.cache import caches
from django.db import DatabaseError, connections
from redis.exceptions import RedisError

from accountability.cache import ReusedClientRedisCache

logger = logging.getLogger(__name__)


def _failed(part: str, error: Exception) -> str:
    logger.warning("Health check: the %s does not answer: %r", part, error)
    return type(error).__name__


def database_problem() -> str | None:
    try:
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as error:
        return _failed("database", error)
    return None


def cache_problem() -> str | None:
    """The shared cache (Redis), when there is one; the in-process cache always answers."""
    cache = caches["default"]
    if not isinstance(cache, ReusedClientRedisCache):
        return None
    try:
        cache.get("healthz")
    except RedisError as error:
        return _failed("cache", error)
    return None


def broker_problem() -> str | None:
    from accountability.celery import app

    try:
        with app.connection_for_write() as connection:
            connection.ensure_connection(max_retries=1, timeout=2)
    except Exception as error:  # kombu raises transport-specific errors; report any of them
        return _failed("broker", error)
    return None
