"""Shared fixtures, and the rule that CI turns every skip into a failure."""

from __future__ import annotations

import os

import pytest
from django.db import connection


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


def pytest_runtest_setup(item: pytest.Item) -> None:
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
