"""The Redis cache backend reuses one client object per connection pool; throttling's
counter costs one round trip."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
import time_machine
from django.core.cache import caches
from redis.connection import AbstractConnection

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
