"""Reading settings from environment variables.

Every reader names the variable in its error, so that a bad value stops
start-up with a message an operator can act on (ImproperlyConfigured is
raised while settings load, before anything else runs).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
FALSE_WORDS = frozenset({"0", "false", "no", "off", ""})


def read_bool(name: str, default: bool, environ: Mapping[str, str] = os.environ) -> bool:
    raw = environ.get(name)
    if raw is None:
        return default
    word = raw.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ImproperlyConfigured(
        f"{name}={raw!r} is not a boolean; use one of 1/0, true/false, yes/no, on/off."
    )


def read_int(
    name: str, default: int, *, minimum: int = 0, environ: Mapping[str, str] = os.environ
) -> int:
    raw = environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a whole number.") from None
    if value < minimum:
        raise ImproperlyConfigured(f"{name}={raw!r} must be at least {minimum}.")
    return value


def read_list(name: str, default: list[str], environ: Mapping[str, str] = os.environ) -> list[str]:
    raw = environ.get(name)
    if raw is None:
        return default
    items = [item.strip() for item in raw.split(",")]
    if not all(items):
        raise ImproperlyConfigured(
            f"{name}={raw!r} has an empty entry; give a comma-separated list such as "
            "'portal.example.com,127.0.0.1'."
        )
    return items


def read_database(
    name: str, default_url: str, environ: Mapping[str, str] = os.environ
) -> dict[str, Any]:
    """Parse DATABASE_URL; only PostgreSQL and SQLite are supported."""
    url = environ.get(name) or default_url
    if not url.startswith(("postgres://", "postgresql://", "sqlite://")):
        raise ImproperlyConfigured(
            f"{name}={url!r} is not supported; use postgresql://USER@HOST:PORT/NAME "
            "or sqlite:///PATH."
        )
    try:
        config: dict[str, Any] = dict(dj_database_url.parse(url))
    except (ValueError, KeyError) as error:
        raise ImproperlyConfigured(f"{name}={url!r} cannot be parsed: {error}") from None
    if not config.get("NAME"):
        raise ImproperlyConfigured(f"{name}={url!r} names no database.")
    if config["ENGINE"] == "django.db.backends.postgresql":
        # A persistent connection per process (a gunicorn worker, a Celery child), kept
        # for 10 minutes: taking a connection from psycopg's pool and handing it back on
        # every request cost a polled API request about a tenth of its time
        # (bench/api.py). A connection that broke (a database restart) fails one request
        # and is then replaced.
        config["CONN_MAX_AGE"] = 600
        # Server-side binding lets psycopg prepare a statement once it has run 5 times on
        # a connection, so PostgreSQL stops planning the queries every page and API call
        # repeats: planning a case lookup took longer than running it. Django leaves both
        # off by default for PgBouncer in transaction mode (see README, DATABASE_URL).
        options = config.get("OPTIONS", {})
        # No JIT compilation: it pays off for long reports, never for a page, and its
        # threshold follows the planner's estimate, so a search estimated at many rows
        # compiled its filter for 5 s to run it in 0.1 s (bench/search.py, issue 24).
        config["OPTIONS"] = {
            **options,
            "server_side_binding": True,
            "prepare_threshold": 5,
            "options": f"{options.get('options', '')} -c jit=off".strip(),
        }
    return config


def read_database_owner(
    name: str, database: Mapping[str, Any], environ: Mapping[str, str] = os.environ
) -> dict[str, Any] | None:
    """Parse DATABASE_OWNER_URL: the database of DATABASE_URL (`database`), reached as the
    role that owns its tables, for `migrate` and `db_grant_app_role`. Only the connection
    details (user, password, host, port) are kept: the database is DATABASE_URL's, so that
    the test suite's own database is migrated, never the one this URL names."""
    url = (environ.get(name) or "").strip()
    if not url:
        return None
    owner = read_database(name, default_url=url, environ={})
    if owner["ENGINE"] != "django.db.backends.postgresql" or owner["ENGINE"] != database["ENGINE"]:
        raise ImproperlyConfigured(
            f"{name} is for PostgreSQL, with DATABASE_URL on PostgreSQL too; leave it unset "
            "otherwise."
        )
    if owner["NAME"] != database["NAME"]:
        raise ImproperlyConfigured(
            f"{name} names the database {owner['NAME']!r} but DATABASE_URL names "
            f"{database['NAME']!r}; both must name the same database."
        )
    return {key: owner[key] for key in ("USER", "PASSWORD", "HOST", "PORT")}


def read_redis_url(name: str, environ: Mapping[str, str] = os.environ) -> str | None:
    raw = environ.get(name)
    if raw is None or raw.strip() == "":
        return None
    if not raw.startswith(("redis://", "rediss://", "unix://")):
        raise ImproperlyConfigured(f"{name}={raw!r} is not a Redis URL; use redis://HOST:PORT/DB.")
    return raw


def read_secret_key(
    name: str, *, debug: bool, fallback: str, environ: Mapping[str, str] = os.environ
) -> str:
    raw = environ.get(name, "")
    if raw:
        if not debug and len(raw) < 32:
            raise ImproperlyConfigured(f"{name} is too short; use at least 32 random characters.")
        return raw
    if not debug:
        raise ImproperlyConfigured(
            f"{name} must be set when DEBUG is off; generate one with "
            "`python -c 'import secrets; print(secrets.token_urlsafe(50))'`."
        )
    return fallback


def read_choice(
    name: str, *, default: str, choices: tuple[str, ...], environ: Mapping[str, str] = os.environ
) -> str:
    raw = environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    value = raw.strip().upper()
    if value not in choices:
        raise ImproperlyConfigured(f"{name}={raw!r} is not one of {', '.join(choices)}.")
    return value


def read_proxy_ssl_header(
    name: str, environ: Mapping[str, str] = os.environ
) -> tuple[str, str] | None:
    """A header name such as ``X-Forwarded-Proto`` -> Django's SECURE_PROXY_SSL_HEADER:
    the request came over HTTPS when the proxy set that header to ``https``."""
    raw = (environ.get(name) or "").strip()
    if not raw:
        return None
    if not all(part.isalnum() for part in raw.split("-")):
        raise ImproperlyConfigured(
            f"{name}={raw!r} is not a header name; use one such as X-Forwarded-Proto."
        )
    return "HTTP_" + raw.upper().replace("-", "_"), "https"
