"""The lookup secret printed on a receipt (收件回执): with the case number, it lets a
citizen see the case's status without signing in.

Only a keyed digest is stored, so the database alone cannot answer a lookup; a lost
receipt gets a new secret, which retires the old one.
"""

from __future__ import annotations

import hmac
import secrets
from hashlib import sha256

from django.conf import settings

# No 0/O, 1/I/L: a secret is read off paper and typed by hand.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
LENGTH = 8


def new_secret() -> str:
    """A fresh secret such as ``K7XP-3M9Q`` (about 40 bits)."""
    raw = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    return f"{raw[:4]}-{raw[4:]}"


def normalise(secret: str) -> str:
    """What a citizen types, as stored: case and dashes and spaces do not matter."""
    return "".join(ch for ch in secret.upper() if ch.isalnum())


def digest(number: str, secret: str) -> str:
    message = f"{number}:{normalise(secret)}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, sha256).hexdigest()


def matches(number: str, secret: str, stored: str) -> bool:
    """Constant-time comparison, so the answer's timing gives nothing away."""
    return bool(stored) and hmac.compare_digest(digest(number, secret), stored)
