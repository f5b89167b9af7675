"""The signature on pushed delivery receipts.

A provider's receipt push reaches the portal through the utility's gateway, which signs
it: ``X-Receipt-Timestamp`` (Unix seconds) and ``X-Receipt-Signature``, the hex
HMAC-SHA256 of ``<timestamp>\\n<raw body>`` under the provider's receipt secret
(MESSAGES_RECEIPT_SECRETS). A push without a valid signature, or older than MAX_SKEW
(a replay), is refused.
"""

from __future__ import annotations

import hmac
import time
from hashlib import sha256
from typing import Any

from django.conf import settings

MAX_SKEW_S = 300
TIMESTAMP_HEADER = "X-Receipt-Timestamp"
SIGNATURE_HEADER = "X-Receipt-Signature"


class BadSignature(Exception):
    pass


def receipt_secret(provider: str) -> str:
    secrets: dict[str, str] = getattr(settings, "MESSAGES_RECEIPT_SECRETS", {})
    return secrets.get(provider, "")


def sign(secret: str, timestamp: str, body: bytes) -> str:
    return hmac.new(secret.encode(), timestamp.encode() + b"\n" + body, sha256).hexdigest()


def signed_headers(provider: str, body: bytes, *, now: float | None = None) -> dict[str, str]:
    """The headers a gateway adds (for the tests and the demo)."""
    timestamp = str(int(now if now is not None else time.time()))
    return {
        TIMESTAMP_HEADER: timestamp,
        SIGNATURE_HEADER: sign(receipt_secret(provider), timestamp, body),
    }


def receipt_verify(provider: str, body: bytes, headers: Any, *, now: float | None = None) -> None:
    """Raise BadSignature unless the body carries a fresh, valid signature."""
    secret = receipt_secret(provider)
    if not secret:
        raise BadSignature("no receipt secret is configured for this provider")
    timestamp = headers.get(TIMESTAMP_HEADER, "")
    signature = headers.get(SIGNATURE_HEADER, "")
    if not timestamp.isdigit() or not signature:
        raise BadSignature("unsigned")
    current = now if now is not None else time.time()
    if abs(current - int(timestamp)) > MAX_SKEW_S:
        raise BadSignature("stale")
    if not hmac.compare_digest(sign(secret, timestamp, body), signature):
        raise BadSignature("wrong signature")
