"""Sending messages to citizens: the backend chosen by the MESSAGES_BACKEND setting.

``file`` (the default) writes each message to a file under MESSAGES_DIR, for the demo and
the tests; ``alibaba`` and ``tencent`` send SMS through the providers' SDKs, imported only
when that backend is chosen, so a missing SDK fails only there. A dotted path names any
other class with the same interface (deadlines.messaging.base.Backend).
"""

from __future__ import annotations

from django.conf import settings
from django.utils.module_loading import import_string

from deadlines.messaging.base import (
    Accepted,
    Backend,
    Outgoing,
    PermanentError,
    Receipt,
    TransientError,
)

BACKENDS = {
    "file": "deadlines.messaging.file.FileBackend",
    "alibaba": "deadlines.messaging.alibaba.AlibabaBackend",
    "tencent": "deadlines.messaging.tencent.TencentBackend",
}

__all__ = [
    "BACKENDS",
    "Accepted",
    "Backend",
    "Outgoing",
    "PermanentError",
    "Receipt",
    "TransientError",
    "backend_get",
]


def backend_get(name: str | None = None) -> Backend:
    """The backend `name` names (an alias of BACKENDS or a dotted path), by default the
    one MESSAGES_BACKEND chooses."""
    chosen = str(name or getattr(settings, "MESSAGES_BACKEND", "file"))
    backend: Backend = import_string(BACKENDS.get(chosen, chosen))()
    return backend
