"""gunicorn's settings for the portal. gunicorn reads this file from its working
directory (the Docker image's /app, the repository for bench/api.py); options on the
command line take precedence."""

from __future__ import annotations

import gc
from importlib import import_module
from typing import Any


def post_worker_init(worker: Any) -> None:
    """Once a worker has loaded Django, load every view too (the URLconf imports them on
    the first request otherwise), then move all these long-lived objects out of the
    garbage collector's view. A full collection then scans only what requests leave
    behind: without this, it walked some 140,000 objects and stalled the worker for
    about 0.1 s every few thousand requests, which showed in the API's p99 latency."""
    from django.conf import settings

    import_module(settings.ROOT_URLCONF)
    gc.freeze()
