"""The outbox (issue 21, item 6): work enqueued after commit is sent again until a worker
takes it, and runs once however many copies arrive. The export job is the work that
enqueues today (oversight.services.exports.export_job_create)."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django_celery_beat.models import PeriodicTask
from kombu.exceptions import OperationalError

from accountability import outbox
from accountability.celery import app as celery_app
from accountability.models import OutboxMessage
from accountability.outbox import outbox_deliver, outbox_resend, outbox_send
from accountability.roles import Role
from accountability.tasks import deliver_outbox
from oversight.models import ExportJob, ExportState
from oversight.selectors import exports
from oversight.selectors.exports import ExportFilters
from oversight.services import exports as export_files
from oversight.services.exports import export_job_create
from tests.deadlines.conftest import _staff
from tests.deadlines.test_celery_worker import _database_url
from tests.factories import DepartmentFactory

pytestmark = [pytest.mark.django_db]

MORNING = datetime(2026, 3, 4, 1, 0, tzinfo=UTC)  # a Wednesday, 09:00 in Beijing


@pytest.fixture(autouse=True)
def export_dir(settings: Any, tmp_path: Path) -> Path:
    settings.OVERSIGHT_EXPORT_DIR = tmp_path / "exports"
    return settings.OVERSIGHT_EXPORT_DIR


@pytest.fixture
def leader(db: None) -> Any:
    return _staff("leader", DepartmentFactory(code="leadership"), Role.LEADERSHIP)


@pytest.fixture
def every_export_a_job(monkeypatch: pytest.MonkeyPatch) -> None:
    """Even an export of no rows runs as a job (small ones are otherwise sent at once)."""
    monkeypatch.setattr(exports, "STREAM_LIMIT", -1)


@pytest.fixture
def eager() -> Iterator[None]:
    celery_app.conf.task_always_eager = True
    try:
        yield
    finally:
        celery_app.conf.task_always_eager = False


@pytest.fixture
def broker_down() -> Iterator[Callable[[], None]]:
    """Every send fails as it does with Redis down, until the test calls the function
    this yields (the broker is back)."""

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    patch = pytest.MonkeyPatch()
    patch.setattr(deliver_outbox, "apply_async", refuse)
    yield patch.undo
    patch.undo()


@pytest.fixture
def export_runs(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The job ids export_run is called with (it still runs)."""
    calls: list[int] = []
    real = export_files.export_run

    def counted(*, job_id: int) -> str:
        calls.append(job_id)
        return real(job_id=job_id)

    monkeypatch.setattr(export_files, "export_run", counted)
    return calls


def _request_export(leader: Any, capture: Any) -> ExportJob:
    with capture(execute=True):
        return export_job_create(actor=leader, kind="cases", filters=ExportFilters())


@time_machine.travel(MORNING, tick=False)
def test_it_keeps_a_job_whose_send_failed_and_beat_sends_it_once_the_broker_is_back(
    leader: Any,
    eager: None,
    broker_down: Callable[[], None],
    export_runs: list[int],
    django_capture_on_commit_callbacks: Any,
) -> None:
    job = _request_export(leader, django_capture_on_commit_callbacks)
    job.refresh_from_db()
    assert job.state == ExportState.QUEUED
    message = OutboxMessage.objects.get()
    assert (message.task, message.kwargs) == ("oversight.tasks.run_export", {"job_id": job.pk})
    assert (message.attempts, message.sent_at, message.taken_at) == (1, None, None)

    broker_down()  # the broker is back
    assert outbox_resend(now=MORNING) == 0  # the send after commit may still be on its way
    with time_machine.travel(MORNING + outbox.SEND_GRACE, tick=False):
        assert outbox_resend(now=MORNING + outbox.SEND_GRACE) == 1
    job.refresh_from_db()
    assert job.state == ExportState.DONE
    assert export_runs == [job.pk]
    message.refresh_from_db()
    assert message.attempts == 2
    assert message.taken_at is not None
    # Taken: beat leaves it alone from now on.
    assert outbox_resend(now=MORNING + timedelta(hours=1)) == 0
    assert export_runs == [job.pk]


@time_machine.travel(MORNING, tick=False)
def test_it_answers_the_export_request_while_the_broker_is_down(
    leader: Any,
    broker_down: Callable[[], None],
    every_export_a_job: None,
    django_capture_on_commit_callbacks: Any,
) -> None:
    client = Client()
    client.force_login(leader)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("oversight:export_start"), {"kind": "cases"})
    job = ExportJob.objects.get()
    assert response.status_code == 302
    assert job.state == ExportState.QUEUED
    assert OutboxMessage.objects.get().sent_at is None


@time_machine.travel(MORNING, tick=False)
def test_it_runs_a_message_once_however_many_copies_arrive(
    leader: Any, export_runs: list[int], django_capture_on_commit_callbacks: Any
) -> None:
    sent: list[Any] = []
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(deliver_outbox, "apply_async", lambda **kwargs: sent.append(kwargs))
        job = _request_export(leader, django_capture_on_commit_callbacks)
    message = OutboxMessage.objects.get()
    assert sent == [{"args": (message.pk,), "retry": False}]
    assert message.sent_at == MORNING

    outbox_deliver(message_id=message.pk, delivery="first")
    outbox_deliver(message_id=message.pk, delivery="copy sent by beat")
    assert export_runs == [job.pk]
    message.refresh_from_db()
    assert message.taken_by == "first"
    # The delivery that took it, redelivered after its worker was lost, runs again (the
    # task itself leaves a finished job alone).
    outbox_deliver(message_id=message.pk, delivery="first")
    assert export_runs == [job.pk, job.pk]
    job.refresh_from_db()
    assert job.state == ExportState.DONE


def test_it_sends_again_a_message_sent_but_not_taken_in_ten_minutes(
    leader: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    sent: list[Any] = []
    monkeypatch.setattr(deliver_outbox, "apply_async", lambda **kwargs: sent.append(kwargs))
    with time_machine.travel(MORNING, tick=False):
        message = OutboxMessage.objects.create(task="oversight.tasks.run_export", kwargs={})
        assert outbox_send(message)
    assert outbox_resend(now=MORNING + outbox.RESEND_AFTER - timedelta(seconds=1)) == 0
    assert outbox_resend(now=MORNING + outbox.RESEND_AFTER) == 1
    assert len(sent) == 2
    message.refresh_from_db()
    assert (message.attempts, message.sent_at) == (2, MORNING + outbox.RESEND_AFTER)


def test_it_forgets_taken_messages_after_a_week(leader: Any) -> None:
    old = OutboxMessage.objects.create(task="t", taken_at=MORNING, taken_by="x")
    recent = OutboxMessage.objects.create(task="t", taken_at=MORNING + timedelta(days=1))
    waiting = OutboxMessage.objects.create(task="t", created_at=MORNING, sent_at=MORNING)
    outbox_resend(now=MORNING + outbox.KEEP_TAKEN + timedelta(seconds=1))
    assert set(OutboxMessage.objects.values_list("pk", flat=True)) == {recent.pk, waiting.pk}
    assert not OutboxMessage.objects.filter(pk=old.pk).exists()


def test_it_resends_from_beat_every_minute() -> None:
    entry = PeriodicTask.objects.select_related("interval").get(
        task="accountability.tasks.resend_outbox"
    )
    assert entry.enabled
    assert (entry.interval.every, entry.interval.period) == (1, "minutes")
    celery_app.loader.import_default_modules()  # what a worker does at start
    assert "accountability.tasks.resend_outbox" in celery_app.tasks
    assert "accountability.tasks.deliver_outbox" in celery_app.tasks


# -- a real broker killed in between, and a real worker -------------------------------------------

WAIT_S = 30


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class PrivateRedis:
    """A Redis server of the test's own, on a free port, that the test can kill and
    start again (the shared one serves everyone else's tests)."""

    def __init__(self, folder: Path) -> None:
        self.port = _free_port()
        self.folder = folder
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                *("redis-server", "--port", str(self.port), "--bind", "127.0.0.1"),
                *("--save", "", "--appendonly", "no", "--dir", str(self.folder)),
            ],
            stdout=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise AssertionError("the private Redis did not start")

    def kill(self) -> None:
        assert self.process is not None
        self.process.kill()
        self.process.wait()


@pytest.fixture
def private_broker(tmp_path: Path) -> Iterator[PrivateRedis]:
    if shutil.which("redis-server") is None:
        pytest.skip("needs the redis-server program to start a broker of its own")
    redis = PrivateRedis(tmp_path)
    redis.start()
    saved = celery_app.conf.broker_url

    def use(url: str) -> None:
        # Drop the connection pools so that the next send connects to `url`.
        celery_app.conf["broker_url"] = url
        celery_app._pool = None  # type: ignore[attr-defined]
        celery_app.amqp._producer_pool = None  # type: ignore[attr-defined]

    use(redis.url)
    try:
        yield redis
    finally:
        use(saved)
        if redis.process is not None and redis.process.poll() is None:
            redis.kill()


@pytest.fixture
def worker(tmp_path: Path) -> Iterator[Any]:
    """Start a Celery worker on the test database with extra environment; stop it (and
    show its log) afterwards, as tests/deadlines/test_celery_worker.py does."""
    started: list[tuple[subprocess.Popen[bytes], Path]] = []

    def start(env: dict[str, str]) -> Path:
        log = tmp_path / "worker.log"
        process = subprocess.Popen(
            [
                *(sys.executable, "-m", "celery", "-A", "accountability", "worker"),
                *("--pool=solo", "--loglevel=INFO", "--without-gossip", "--without-mingle"),
            ],
            cwd=settings.BASE_DIR,
            env={
                **os.environ,
                "DJANGO_SETTINGS_MODULE": "tests.settings",
                "DATABASE_URL": _database_url(),
                "PYTHONUNBUFFERED": "1",
                **env,
            },
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
        )
        started.append((process, log))
        return log

    yield start
    for process, log in started:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        print(f"--- {log.name} ---\n{log.read_text(errors='replace')[-4000:]}")


def _deliveries_finished(log: Path) -> list[str]:
    return [
        line
        for line in log.read_text(errors="replace").splitlines()
        if "accountability.tasks.deliver_outbox" in line and "succeeded" in line
    ]


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_it_survives_a_broker_killed_between_commit_and_send(
    leader: Any,
    private_broker: PrivateRedis,
    worker: Any,
    export_dir: Path,
    every_export_a_job: None,
) -> None:
    client = Client()
    client.force_login(leader)

    private_broker.kill()
    response = client.post(reverse("oversight:export_start"), {"kind": "cases"})
    assert response.status_code == 302
    job = ExportJob.objects.get()
    message = OutboxMessage.objects.get()
    assert (job.state, message.sent_at, message.attempts) == (ExportState.QUEUED, None, 1)

    private_broker.start()
    # Beat's sweep, once the message is older than the grace for the send after commit.
    assert outbox_resend(now=message.created_at + outbox.SEND_GRACE) == 1
    # And a copy, as beat sends when a message has waited in the queue too long.
    message.refresh_from_db()
    assert outbox_send(message)

    log = worker({"REDIS_URL": private_broker.url, "EXPORT_DIR": str(export_dir)})
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline and len(_deliveries_finished(log)) < 2:
        time.sleep(0.25)
    # Two deliveries: the one that took the message ran the export, the copy nothing.
    finished = _deliveries_finished(log)
    assert sorted(line.rsplit(": ", 1)[1] for line in finished) == ["'done'", "None"], finished
    job.refresh_from_db()
    message.refresh_from_db()
    assert job.state == ExportState.DONE, job.error
    assert message.taken_at is not None
    assert (export_dir / job.file.name).exists()
