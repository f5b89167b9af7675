"""A real Celery worker and a real beat, as separate processes against Redis and the test
database: beat reads the schedule from the database (django-celery-beat), fires the
breach scan on a short interval, the worker runs it, and the breach row appears.

The subprocesses see only committed data, so the test runs in real transactions (the
serialised rollback brings back the roles and the default schedule afterwards)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.utils import timezone
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from accountability.celery import app as celery_app
from deadlines.models import Breach, BreachKind, Clock, ClockKind, MatterKind
from tests.deadlines.conftest import Cast, open_case

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

WAIT_S = 25


def _database_url() -> str:
    db = connection.settings_dict
    credentials = quote(db["USER"] or "postgres")
    if db.get("PASSWORD"):
        credentials += ":" + quote(db["PASSWORD"])
    host, port = db["HOST"] or "127.0.0.1", db["PORT"] or 5432
    return f"postgresql://{credentials}@{host}:{port}/{db['NAME']}"


@pytest.fixture
def celery_processes(tmp_path: Path) -> Iterator[Any]:
    """Start a worker and beat on the test database; stop them (and show their logs if
    the test failed) afterwards."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": _database_url(),
        "PYTHONUNBUFFERED": "1",
    }
    started: list[tuple[subprocess.Popen[bytes], Path]] = []

    def start(*args: str) -> None:
        log = tmp_path / f"{args[0]}.log"
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "accountability", *args],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
        )
        started.append((process, log))

    yield start, started
    for process, _log in started:
        process.send_signal(signal.SIGTERM)
    for process, log in started:
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        print(f"--- {log.name} ---\n{log.read_text(errors='replace')[-4000:]}")


def test_it_runs_the_breach_scan_from_beat_on_a_worker(
    cast: Cast, celery_processes: Any, tmp_path: Path
) -> None:
    start, started = celery_processes
    # A consultation opened three hours ago (the worker lives in real time): its
    # one-hour feedback limit passed two hours ago, in wall-clock time whatever the
    # calendar of the year.
    with time_machine.travel(timezone.now() - timedelta(hours=3), tick=False):
        case = open_case(cast, matter_kind=MatterKind.CONSULTATION)
    feedback = Clock.objects.get(case=case, kind=ClockKind.FIRST_FEEDBACK)
    assert feedback.due_at is not None
    assert feedback.due_at < timezone.now()
    assert not Breach.objects.exists()

    # The schedule is data: only the breach scan, every second.
    PeriodicTask.objects.update(enabled=False)
    every_second, _ = IntervalSchedule.objects.get_or_create(
        every=1, period=IntervalSchedule.SECONDS
    )
    scan = PeriodicTask.objects.get(task="deadlines.tasks.scan_breaches")
    scan.interval, scan.enabled, scan.expire_seconds = every_second, True, 30
    scan.save()
    celery_app.control.purge()  # nothing left over from an earlier run

    start("worker", "--pool=solo", "--loglevel=INFO", "--without-gossip", "--without-mingle")
    start(
        "beat",
        "--loglevel=INFO",
        "--max-interval=1",
        f"--schedule={tmp_path / 'beat-schedule'}",
    )
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline and not Breach.objects.filter(clock=feedback).exists():
        for process, log in started:
            assert process.poll() is None, log.read_text(errors="replace")
        time.sleep(0.25)

    breach = Breach.objects.get(clock=feedback)
    assert (breach.kind, breach.moment) == (BreachKind.OVERDUE, feedback.due_at)
    feedback.refresh_from_db()
    assert feedback.breached_at is not None
    # Beat keeps firing every second; the later runs find nothing more to record.
    time.sleep(2)
    assert Breach.objects.filter(clock=feedback).count() == 1
    worker_log = started[0][1].read_text(errors="replace")
    assert "deadlines.tasks.scan_breaches" in worker_log
    assert "succeeded" in worker_log
