"""The Redis cache backend reuses one client object per connection pool; throttling's
counter costs one round trip, or one per interval when a process shares its counts so."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

import pytest
import time_machine
from django.core.cache import caches
from redis.connection import AbstractConnection

from accountability import cache as cache_module
from accountability.cache import ReusedClientRedisCache, count_in_window


@pytest.mark.redis
def test_it_serves_every_cache_call_with_one_redis_client() -> None:
    cache = caches["default"]
    assert isinstance(cache, ReusedClientRedisCache)
    client = cache._cache  # type: ignore[attr-defined]  # the backend's client, as Django names it
    first = client.get_client("a", write=True)
    cache.set("reuse-check", 1)
    assert cache.incr("reuse-check") == 2
    assert client.get_client("b", write=True) is first
    assert client.get_client("b") is client.get_client("c")


@pytest.mark.redis
def test_it_counts_in_one_round_trip_and_lets_the_counter_expire(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cache = caches["default"]
    assert isinstance(cache, ReusedClientRedisCache)
    cache.delete("window-check")
    redis = cache._cache.get_client("window-check", write=True)  # type: ignore[attr-defined]
    redis.script_flush()  # as after a Redis restart: the script is loaded again on use
    assert count_in_window("window-warm-up", 60) >= 1
    sends: list[object] = []
    send = AbstractConnection.send_packed_command

    def counted_send(connection: AbstractConnection, *args: Any, **kwargs: Any) -> None:
        sends.append(args)
        send(connection, *args, **kwargs)

    monkeypatch.setattr(AbstractConnection, "send_packed_command", counted_send)
    assert [count_in_window("window-check", 60) for _ in range(3)] == [1, 2, 3]
    assert len(sends) == 3  # one round trip per count
    monkeypatch.undo()
    key = cache.make_and_validate_key("window-check")
    assert 0 < redis.ttl(key) <= 60
    # The counter expires with its first event's window: later counts do not extend it.
    redis.expire(key, 5)
    count_in_window("window-check", 60)
    assert redis.ttl(key) <= 5


def test_it_counts_in_a_window_without_redis_too(settings: Any) -> None:
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    from django.core.cache import cache

    cache.delete("window-check")
    with time_machine.travel(datetime(2026, 11, 23, 10, 0, tzinfo=UTC), tick=False):
        assert [count_in_window("window-check", 60) for _ in range(2)] == [1, 2]
    with time_machine.travel(datetime(2026, 11, 23, 10, 1, 1, tzinfo=UTC), tick=False):
        assert count_in_window("window-check", 60) == 1


@pytest.mark.redis
def test_it_counts_on_a_new_connection_once_redis_closed_the_old_one(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A counting connection that Redis closed (a restart, a timeout of idle clients) fails
    once and is made again: the count goes on in Redis, without falling back."""
    cache = caches["default"]
    assert isinstance(cache, ReusedClientRedisCache)
    cache.delete("reconnect-check")
    assert count_in_window("reconnect-check", 60) == 1
    connection = cache._counting_connection()
    connection.send_command("CLIENT", "ID")
    own_id = connection.read_response()
    redis = cache._cache.get_client("reconnect-check", write=True)  # type: ignore[attr-defined]
    assert redis.client_kill_filter(_id=own_id) == 1
    assert count_in_window("reconnect-check", 60) == 2
    assert cache.unavailable_until == 0.0
    assert "does not answer" not in caplog.text


class _Clock:
    """time.monotonic for accountability.cache, moved by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now

    def time(self) -> float:
        return time.time()


@pytest.mark.redis
def test_a_process_adds_its_counts_to_redis_at_most_once_an_interval(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With share_every, the counts between two additions stay in the process: one round
    trip per interval, none lost, and another process's counts seen at the next one."""
    cache = caches["default"]
    assert isinstance(cache, ReusedClientRedisCache)
    cache.clear()
    clock = _Clock()
    monkeypatch.setattr(cache_module, "time", clock)
    key = cache.make_and_validate_key("share-check")
    redis = cache._cache.get_client("share-check", write=True)  # type: ignore[attr-defined]
    sends: list[object] = []
    send = AbstractConnection.send_packed_command

    def counted_send(connection: AbstractConnection, *args: Any, **kwargs: Any) -> None:
        if "INCRBY" in repr(args):  # the counts' round trips, not the test's own reads
            sends.append(args)
        send(connection, *args, **kwargs)

    monkeypatch.setattr(AbstractConnection, "send_packed_command", counted_send)

    def count() -> int:
        return count_in_window("share-check", 60, share_every=0.1)

    assert [count() for _ in range(3)] == [1, 2, 3]
    assert len(sends) == 1
    assert int(redis.get(key)) == 1  # the first, added at once
    clock.now += 0.1
    assert count() == 4
    assert len(sends) == 2
    assert int(redis.get(key)) == 4  # the two counted here, and this one
    assert 0 < redis.ttl(key) <= 60

    # Another process (its own tallies) counts on top of what is in Redis ...
    first_process = cache_module._tallies
    monkeypatch.setattr(cache_module, "_tallies", {})
    assert count() == 5
    # ... and the first sees it at its next addition, having counted on its own before.
    monkeypatch.setattr(cache_module, "_tallies", first_process)
    assert count() == 5
    clock.now += 0.1
    assert count() == 7
    assert int(redis.get(key)) == 7

    # Clearing the cache forgets what the process had not added yet.
    count()
    cache.clear()
    assert count() == 1


def test_a_count_shared_at_an_interval_counts_in_process_without_redis(settings: Any) -> None:
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    from django.core.cache import cache

    cache.delete("share-check")
    assert [count_in_window("share-check", 60, share_every=0.1) for _ in range(3)] == [1, 2, 3]


def test_a_count_redis_did_not_take_leaves_nothing_to_add(settings: Any) -> None:
    """A count that fell back (Redis not answering) is not kept to add later: the next
    count, once Redis is tried again, goes to Redis, not to a tally."""
    settings.CACHES = {
        "default": {
            "BACKEND": "accountability.cache.ReusedClientRedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens on port 1
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    assert count_in_window("share-down-check", 60, share_every=0.1) == 1
    assert "share-down-check" not in cache_module._tallies
