"""Finding the REST client a token belongs to, as every API request does first.

Each worker keeps what it read of a client for API_CLIENT_CACHE_SECONDS, so that a client
polling the API costs no database query per request for its token (bench/api.py: it was
a sixth of a request's work). The services that change or revoke a client forget it at
once in their own process; other processes read it again within that time.
"""

from __future__ import annotations

import hashlib
import json
import time

from django.conf import settings
from django.db import connection

from accountability.models import ApiClient
from accountability.rawsql import stored_moment


def api_token_digest(token: str) -> str:
    """What is stored of a token. A plain SHA-256 suffices: tokens are 256-bit random, so
    there is nothing to guess, and the lookup stays one indexed equality."""
    return hashlib.sha256(token.strip().encode()).hexdigest()


# What authentication and throttling read of a client, in the model's field order (as
# Model.from_db wants them); the other fields load on first use.
_CLIENT_FIELDS = [
    field.attname
    for field in ApiClient._meta.concrete_fields
    if field.attname in {"id", "name", "scopes", "throttle_rate", "revoked_at", "last_used_at"}
]
# A plain statement: compiling the ORM query cost more than running it.
_CLIENT_SQL = (
    f"SELECT {', '.join(_CLIENT_FIELDS)} FROM {ApiClient._meta.db_table} WHERE token_digest = %s"
)

# Token digest -> (when it was read, the client). Only tokens that exist are kept, so
# random tokens cannot fill it; it holds at most one entry per client.
_read: dict[str, tuple[float, ApiClient]] = {}


def api_client_for_token(token: str) -> ApiClient | None:
    """The client of ``token`` (revoked ones too: the caller refuses them), or None."""
    digest = api_token_digest(token)
    now = time.time()
    known = _read.get(digest)
    if known is not None and now - known[0] < settings.API_CLIENT_CACHE_SECONDS:
        return known[1]
    client = _client_by_digest(digest)
    if client is None:
        _read.pop(digest, None)
    elif settings.API_CLIENT_CACHE_SECONDS > 0:
        _read[digest] = (now, client)
    return client


def api_client_forget(client: ApiClient) -> None:
    """Read ``client`` afresh on its next request in this process."""
    _read.pop(client.token_digest, None)


def _client_by_digest(digest: str) -> ApiClient | None:
    with connection.cursor() as cursor:
        cursor.execute(_CLIENT_SQL, [digest])
        row = cursor.fetchone()
    if row is None:
        return None
    found = dict(zip(_CLIENT_FIELDS, row, strict=True))
    found["scopes"] = json.loads(found["scopes"])
    for moment in ("revoked_at", "last_used_at"):
        found[moment] = stored_moment(found[moment])
    client = ApiClient.from_db(connection.alias, _CLIENT_FIELDS, list(found.values()))
    client.token_digest = digest  # known already: api_client_forget needs it, unloaded
    return client
