"""Django's Redis cache backend, reusing one client object per connection pool, and the
counters that throttling keeps in the cache, which go on counting when Redis does not
answer.

Django builds a new ``redis.Redis`` for every cache call, and building one fills its
table of response callbacks (about 0.2 ms, twice per API request for throttling). A
client holds no connection of its own and is safe to share, so one per pool serves.

Counting, which every API request does, goes further: each thread of a process keeps a
connection of its own for it and sends the counter's two commands on it directly.
redis-py's command path (taking a connection from the pool and checking it, retries,
metrics) cost three times the round trip itself (bench/api.py).

The cache holds only counters of throttling (the API's rate, the public status page's
failed tries): losing them for a while is better than refusing citizens and client
systems. When Redis does not answer, each process counts on its own (a limit then holds
per process instead of across them), logs a warning saying so, and tries Redis again
after ``REDIS_RETRY_S``, so that a dead Redis does not cost every request a timeout.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from dataclasses import dataclass
from typing import Any

from django.core.cache import caches
from django.core.cache.backends.base import BaseCache
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.connection import AbstractConnection
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

# After Redis failed to answer, counts stay in the process this long before Redis is
# tried again.
REDIS_RETRY_S = 10.0


class _ReusedClientCacheClient(RedisCacheClient):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        django_client: Any = self  # the stubs omit RedisCacheClient's private helpers
        index = django_client._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            pool = django_client._get_connection_pool(write)
            client = self._clients[index] = django_client._client(connection_pool=pool)
        return client


class ReusedClientRedisCache(RedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = _ReusedClientCacheClient
        # Each thread's connection for counting (see count) and the process it was made
        # in: a worker forked after a count must not share its parent's socket.
        self._counting = threading.local()
        # Until when (time.monotonic()) counts stay in the process: Redis did not answer.
        self.unavailable_until = 0.0

    def _counting_connection(self) -> AbstractConnection:
        made: tuple[int, AbstractConnection] | None = getattr(self._counting, "made", None)
        pid = os.getpid()
        if made is None or made[0] != pid:
            backend: Any = self  # the stubs omit RedisCache._cache, Django's client wrapper
            # The write pool's settings (server, database, timeouts) in a connection of
            # this thread's own, which connects on first use and again after an error.
            pool = backend._cache._get_connection_pool(True)
            made = self._counting.made = (pid, pool.connection_class(**pool.connection_kwargs))
        return made[1]

    def clear(self) -> None:
        """Empty the cache, and forget the counts this process has not added to it yet."""
        with _tallies_lock:
            _tallies.clear()
        super().clear()

    def count(self, key: str, timeout: int, amount: int = 1) -> int:
        """Add ``amount`` to the counter ``key`` and return it; a new counter expires
        ``timeout`` seconds later. One round trip: INCRBY, then EXPIRE NX (Redis 7), which
        sets the expiry only on a counter without one, so that later counts do not extend
        it."""
        full_key = self.make_and_validate_key(key)
        connection = self._counting_connection()
        command = connection.pack_commands(
            [("INCRBY", full_key, amount), ("EXPIRE", full_key, timeout, "NX")]
        )
        try:
            return self._exchange(connection, command)
        except RedisConnectionError:
            # A connection that Redis closed meanwhile (a restart) fails once: again on a
            # new one. Failing twice is Redis not answering (a timeout is never retried).
            return self._exchange(connection, command)

    @staticmethod
    def _exchange(connection: AbstractConnection, command: list[bytes]) -> int:
        try:
            connection.send_packed_command(command, check_health=False)
            count = connection.read_response()
            connection.read_response()
        except BaseException:
            # An answer left unread would be taken for the next count's.
            connection.disconnect()
            raise
        return int(count)


# Where a process counts while Redis does not answer.
_in_process = LocMemCache("throttle-counts-in-process", {"OPTIONS": {"MAX_ENTRIES": 10_000}})


def _redis_failed(cache: ReusedClientRedisCache, error: RedisError) -> None:
    if time.monotonic() >= cache.unavailable_until:
        logger.warning(
            "The cache (Redis) does not answer (%s): throttling falls back to a count per "
            "process for %d s, then tries Redis again.",
            type(error).__name__,
            REDIS_RETRY_S,
        )
    cache.unavailable_until = time.monotonic() + REDIS_RETRY_S


def _counting_cache() -> tuple[BaseCache, ReusedClientRedisCache | None]:
    """The cache to count in now, and the Redis cache when that is the one."""
    cache = caches["default"]  # the backend itself: django.core.cache.cache is a proxy
    if not isinstance(cache, ReusedClientRedisCache):
        return cache, None  # the in-process cache without REDIS_URL
    if time.monotonic() < cache.unavailable_until:
        return _in_process, None
    return cache, cache


def _count_in(cache: BaseCache, key: str, window: int) -> int:
    try:
        return cache.incr(key)
    except ValueError:  # the window's first event
        return 1 if cache.add(key, 1, timeout=window) else cache.incr(key)


def count_in_window(key: str, window: int, *, share_every: float = 0.0) -> int:
    """Count one more event under ``key`` and return the count so far; the counter lives
    ``window`` seconds from its first event (throttling).

    With ``share_every`` (seconds), the process adds its events to the shared counter in
    Redis at most that often and counts those in between itself, on top of the shared
    count it last read (see _Tally): a busy client then costs a round trip per interval
    instead of per request, and its count lags behind by what the other processes served
    it since their last addition, never more."""
    cache, redis = _counting_cache()
    if redis is None:
        return _count_in(cache, key, window)
    try:
        if share_every <= 0:
            return redis.count(key, window)
        return _tally_count(redis, key, window, share_every)
    except RedisError as error:
        _redis_failed(redis, error)
        return _count_in(_in_process, key, window)


@dataclass
class _Tally:
    """A process's events under one counter since it last added them to Redis."""

    shared: int  # the counter in Redis after the last addition, this process's included
    unshared: int  # counted here since, not yet added
    shared_at: float  # time.monotonic() of the last addition
    ends_at: float  # time.monotonic() when the counter's window is over


_tallies: dict[str, _Tally] = {}
_tallies_lock = threading.Lock()  # gthread workers count from several threads
# Past this many tallies, those of windows that are over are dropped (one per client
# and window, and per address for requests without a token).
_TALLIES_KEPT = 1000


def _tally_count(redis: ReusedClientRedisCache, key: str, window: int, share_every: float) -> int:
    now = time.monotonic()
    with _tallies_lock:
        tally = _tallies.get(key)
        made = tally is None
        if tally is None:
            if len(_tallies) >= _TALLIES_KEPT:
                for over in [over for over, kept in _tallies.items() if kept.ends_at <= now]:
                    del _tallies[over]
            tally = _tallies[key] = _Tally(
                shared=0, unshared=0, shared_at=now, ends_at=now + window
            )
            amount = 1
        elif now - tally.shared_at < share_every:
            tally.unshared += 1
            return tally.shared + tally.unshared
        else:
            # Claimed under the lock, so that another thread does not add them too.
            amount, tally.unshared, tally.shared_at = tally.unshared + 1, 0, now
    # Outside the lock: the round trip must not hold up the process's other threads,
    # which count on the tally meanwhile.
    try:
        shared = redis.count(key, window, amount)
    except RedisError:
        # As if not tried: the earlier events stay to add, this one is counted in the
        # process (the caller's fallback), and the next event tries Redis again.
        with _tallies_lock:
            tally.unshared += amount - 1
            if made and tally.unshared == 0:
                _tallies.pop(key, None)
            else:
                tally.shared_at = now - share_every
        raise
    with _tallies_lock:
        tally.shared = max(tally.shared, shared)
    return shared


def counts_in_window(*keys: str) -> list[int]:
    """The counts so far under ``keys`` (0 for a counter not started or expired), without
    counting."""
    cache, redis = _counting_cache()
    if redis is None:
        found = cache.get_many(keys)
    else:
        try:
            found = redis.get_many(keys)
        except RedisError as error:
            _redis_failed(redis, error)
            found = _in_process.get_many(keys)
    return [int(found.get(key, 0)) for key in keys]
