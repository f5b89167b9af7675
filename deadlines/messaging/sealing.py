"""Parameters a message must carry but the database must not show (the receipt's lookup
secret, of which deadlines.lookup keeps only a keyed digest): encrypted with a key derived
from SECRET_KEY, so the database alone does not answer a lookup."""

from __future__ import annotations

import base64
import json
from hashlib import sha256
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings


def _fernet() -> Fernet:
    key = sha256(b"deadlines.messaging.sealing:" + settings.SECRET_KEY.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def seal(values: dict[str, Any]) -> str:
    if not values:
        return ""
    return _fernet().encrypt(json.dumps(values).encode()).decode()


def unseal(token: str) -> dict[str, Any]:
    """The sealed values; empty when there are none or SECRET_KEY changed since."""
    if not token:
        return {}
    try:
        values: dict[str, Any] = json.loads(_fernet().decrypt(token.encode()))
    except InvalidToken:
        return {}
    return values
