"""Shared fixtures, and the rule that CI turns every skip into a failure."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.db import connection, transaction
from pytest_django import DjangoDbBlocker
from pytest_django.fixtures import validate_django_db


def _redis_problem() -> str | None:
    url = os.environ.get("REDIS_URL")
    if not url:
        return "REDIS_URL is not set"
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError as error:
        return f"Redis at {url} does not answer: {error}"
    return None


# -- rows written once for the many tests that need them ------------------------------------


def _in_real_transactions(item: pytest.Item) -> bool:
    """Whether pytest-django runs the test as a TransactionTestCase (committing, and
    flushing every table after it), by the rules of pytest_django.fixtures."""
    names = set(getattr(item, "fixturenames", ()))
    marker = item.get_closest_marker("django_db")
    transactional, reset_sequences = validate_django_db(marker)[:2] if marker else (False, False)
    return bool(
        transactional
        or reset_sequences
        or names & {"transactional_db", "live_server", "django_db_reset_sequences"}
    )


class SharedRows:
    """Rows that most tests need and that take long to write (the case tests' cast: the
    official calendar, the default policies, ~1300 queries, and the departments and
    people), written once into a transaction that stays open while consecutive tests use
    them, instead of once per test.

    Each test's own transaction (pytest-django's TestCase atomic) nests in it as a
    savepoint, so the test sees the rows exactly as written, and whatever it changes is
    rolled back with its savepoint. Before any other test that may use the database, the
    transaction is rolled back, never committed: those tests find the database as the
    migrations left it, as before. A test in real transactions (transaction=True, the
    live server) writes the rows itself, committed: the other connections it opens
    could not see uncommitted ones, and the flush after it empties every table.
    """

    def __init__(self, blocker: DjangoDbBlocker, write: Callable[[], None]) -> None:
        self._blocker = blocker
        self._write = write
        self._atomic: Any = None

    @property
    def is_open(self) -> bool:
        return self._atomic is not None

    def prepare(self, item: pytest.Item) -> None:
        """Open the transaction with the rows for a test that asks for them (and runs in
        the usual test transaction), roll it back for any other."""
        wants = "shared_rows" in getattr(item, "fixturenames", ())
        if wants and not _in_real_transactions(item):
            self._open()
        else:
            self.close()

    def write_committed(self) -> None:
        """For a test in real transactions: the rows, committed like its own."""
        assert not self.is_open
        self._write()

    def _open(self) -> None:
        if self.is_open:
            return
        with self._blocker.unblock():
            # The rows must sit outside the test's transaction: inside it, they would be
            # rolled back with it, and the next test would find them missing.
            assert not connection.in_atomic_block, "a test transaction is already open"
            self._atomic = transaction.atomic()
            self._atomic.__enter__()
            try:
                self._write()
            except BaseException:
                self.close()
                raise

    def close(self) -> None:
        if not self.is_open:
            return
        atomic, self._atomic = self._atomic, None
        with self._blocker.unblock():
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


_shared_rows: SharedRows | None = None
# The test being set up, for the first use of shared_rows, made during its set-up.
_item_in_setup: pytest.Item | None = None


@pytest.fixture(scope="session")
def shared_rows(django_db_setup: None, django_db_blocker: DjangoDbBlocker) -> Iterator[SharedRows]:
    """The cast's rows (tests.deadlines.conftest.cast_rows), for the `cast` fixture.

    Session-scoped, so that pytest sets it up before the test's own transaction opens;
    from then on, pytest_runtest_setup opens and closes the transaction before each test.
    """
    global _shared_rows
    from tests.deadlines.conftest import cast_rows

    _shared_rows = SharedRows(django_db_blocker, cast_rows)
    assert _item_in_setup is not None
    _shared_rows.prepare(_item_in_setup)
    yield _shared_rows
    _shared_rows.close()
    _shared_rows = None


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    global _item_in_setup
    _item_in_setup = item
    if _shared_rows is not None:
        _shared_rows.prepare(item)
    if item.get_closest_marker("postgres") and connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: set DATABASE_URL=postgresql://...")
    if item.get_closest_marker("redis"):
        problem = _redis_problem()
        if problem:
            pytest.skip(f"needs Redis: {problem}")


_skipped: list[str] = []


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.skipped:
        _skipped.append(report.nodeid)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if os.environ.get("REQUIRE_SERVICES") and _skipped:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
        print(f"\nREQUIRE_SERVICES is set, so these {len(_skipped)} skipped tests fail the run:")
        for nodeid in _skipped:
            print(f"  {nodeid}")
