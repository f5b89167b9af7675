"""The address a request came from, as throttling counts it (sign-in, the public status
page).

Behind reverse proxies every request arrives from the nearest proxy, so counting by
REMOTE_ADDR would throttle every citizen at once. With TRUSTED_PROXIES set to the number
of proxies in front of the portal, each of which appends the address it saw to
X-Forwarded-For, the client is the entry that the outermost trusted proxy appended;
entries further left are whatever the client sent, and are never trusted.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def _valid(address: str) -> bool:
    try:
        ipaddress.ip_address(address)
    except ValueError:
        return False
    return True


def client_ip(request: HttpRequest) -> str | None:
    """The client's IP address, or None when the request has none (a test's request)."""
    proxies = settings.TRUSTED_PROXIES
    if proxies:
        forwarded = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [hop for hop in forwarded if hop]
        if len(forwarded) >= proxies and _valid(forwarded[-proxies]):
            return forwarded[-proxies]
    remote = str(request.META.get("REMOTE_ADDR", ""))
    return remote if _valid(remote) else None


def client_address(request: HttpRequest) -> str:
    """client_ip as a key for counters: never empty."""
    return client_ip(request) or "unknown"
