"""Shared fixtures, and the rule that CI turns every skip into a failure."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
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


@dataclass
class CastCounts:
    """How often the session wrote the cast (tests.deadlines.conftest.cast_rows), and how
    often it copied the rows of that write back instead; in the terminal summary."""

    written: int = 0
    copied: int = 0


cast_counts = CastCounts()


def _table_rows() -> dict[str, list[bytes]]:
    """Every row of every Django table as PostgreSQL's COPY text writes it, one line a
    row (a value's own line breaks are escaped), in the table's order."""
    quote = connection.ops.quote_name
    rows: dict[str, list[bytes]] = {}
    with connection.cursor() as cursor:
        for table in connection.introspection.django_table_names(
            only_existing=True, include_views=False
        ):
            with cursor.cursor.copy(f"COPY {quote(table)} TO STDOUT") as copy:
                data = b"".join(bytes(block) for block in copy)
            rows[table] = data.split(b"\n")[:-1]
    return rows


def _added_rows(before: dict[str, list[bytes]], after: dict[str, list[bytes]]) -> dict[str, bytes]:
    """The rows in `after` that are not in `before`, by table, as COPY text; empty when
    appending them would not give `after` back: a row of `before` changed or went, or a
    table they go to has an insert trigger of its own (COPY would fire it again)."""
    added: dict[str, bytes] = {}
    for table, lines in after.items():
        old, new = Counter(before.get(table, ())), Counter(lines)
        if old - new:
            return {}
        extra = new - old
        if extra:
            kept = []
            for line in lines:  # in the table's order
                if extra[line] > 0:
                    extra[line] -= 1
                    kept.append(line + b"\n")
            added[table] = b"".join(kept)
    if set(before) - set(after):
        return {}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "WHERE NOT t.tgisinternal AND t.tgtype & 4 <> 0 AND c.relname = ANY(%s) "
            "AND pg_catalog.pg_table_is_visible(c.oid)",
            [list(added)],
        )
        (insert_triggers,) = cursor.fetchone()
    return {} if insert_triggers else added


class SharedRows:
    """Rows that most tests need and that take long to write (the case tests' cast: the
    official calendar, the default policies, ~1500 queries, and the departments and
    people), written once per session instead of once per test.

    The ordinary tests that ask for them run one after the other (pytest_collection_
    modifyitems), in a transaction that stays open while they run: each test's own
    transaction (pytest-django's TestCase atomic) nests in it as a savepoint, so the test
    sees the rows exactly as written, and whatever it changes is rolled back with its
    savepoint. Before any other test that may use the database, the transaction is rolled
    back, never committed: those tests find the database as the migrations left it, as
    before.

    A test in real transactions (transaction=True, the live server) needs the rows
    committed: the other connections it opens could not see uncommitted ones, and the
    flush after it empties every table, whatever the test changed in them. On PostgreSQL
    the rows the first write added (read with COPY, before and after it) are copied back
    into the emptied tables, exactly as written, in one transaction; elsewhere, or when
    the write changed rows that were there before, the rows are written again.
    """

    def __init__(self, blocker: DjangoDbBlocker, write: Callable[[], None]) -> None:
        self._blocker = blocker
        self._write_rows = write
        self._atomic: Any = None
        # The rows the first write added, by table (COPY text), once known.
        self._added: dict[str, bytes] | None = None

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
        if self._added:
            self._copy_back(self._added)
        else:
            self._write()

    def _write(self) -> None:
        first = self._added is None and connection.vendor == "postgresql"
        before = _table_rows() if first else {}
        self._write_rows()
        cast_counts.written += 1
        if first:
            self._added = _added_rows(before, _table_rows())

    def _copy_back(self, added: dict[str, bytes]) -> None:
        """The rows as the first write added them, ids included; each sequence is moved
        past them if it is behind (a test that reset the sequences)."""
        quote = connection.ops.quote_name
        with transaction.atomic(), connection.cursor() as cursor:
            for table, rows in added.items():
                with cursor.cursor.copy(f"COPY {quote(table)} FROM STDIN") as copy:
                    copy.write(rows)
                for sequence in connection.introspection.get_sequences(cursor, table):
                    cursor.execute(
                        f"SELECT setval(%s, top) FROM (SELECT max({quote(sequence['column'])}) "
                        f"AS top FROM {quote(table)}) AS rows "
                        "WHERE top > coalesce(pg_sequence_last_value(%s::regclass), 0)",
                        [sequence["name"], sequence["name"]],
                    )
        cast_counts.copied += 1

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


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the ordinary tests that use the cast first, in the order they were collected,
    so that the cast is written once for all of them (SharedRows). Runs after
    pytest-django's ordering (ordinary database tests, then those in real transactions,
    then the rest), which it keeps: the sort is stable, and the tests it moves up are
    ordinary database tests."""

    def shares(item: pytest.Item) -> bool:
        return "shared_rows" in getattr(item, "fixturenames", ()) and not (
            _in_real_transactions(item)
        )

    items.sort(key=lambda item: not shares(item))


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


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if cast_counts.written or cast_counts.copied:
        terminalreporter.write_line(
            f"cast written {cast_counts.written} time(s), copied back {cast_counts.copied} "
            "time(s) for tests in real transactions (tests/conftest.py, SharedRows)"
        )
