"""Django's Redis cache backend, reusing one client object per connection pool, and the
counters that throttling keeps in the cache, which go on counting when Redis does not
answer.

Django builds a new ``redis.Redis`` for every cache call, and building one fills its
table of response callbacks (about 0.2 ms, twice per API request for throttling). A
client holds no connection of its own and is safe to share, so one per pool serves.

The cache holds only counters of throttling (the API's rate, the public status page's
failed tries): losing them for a while is better than refusing citizens and client
systems. When Redis does not answer, each process counts on its own (a limit then holds
per process instead of across them), logs a warning saying so, and tries Redis again
after ``REDIS_RETRY_S``, so that a dead Redis does not cost every request a timeout.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from django.core.cache import caches
from django.core.cache.backends.base import BaseCache
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
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


_COUNT_SCRIPT = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return count
"""


class ReusedClientRedisCache(RedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = _ReusedClientCacheClient
        self._count_script: Any = None  # redis-py's Script, registered on first use
        # Until when (time.monotonic()) counts stay in the process: Redis did not answer.
        self.unavailable_until = 0.0

    def count(self, key: str, timeout: int) -> int:
        """Add one to the counter ``key`` and return it; a new counter expires ``timeout``
        seconds later. One atomic command (a short Lua script): Django's incr() asks
        EXISTS first, and add() would set the expiry in a round trip of its own."""
        full_key = self.make_and_validate_key(key)
        backend: Any = self  # the stubs omit RedisCache._cache, Django's client wrapper
        client = backend._cache.get_client(full_key, write=True)
        if self._count_script is None:
            self._count_script = client.register_script(_COUNT_SCRIPT)
        return int(self._count_script(keys=[full_key], args=[timeout], client=client))


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


def count_in_window(key: str, window: int) -> int:
    """Count one more event under ``key`` and return the count so far; the counter lives
    ``window`` seconds from its first event (throttling)."""
    cache, redis = _counting_cache()
    if redis is None:
        return _count_in(cache, key, window)
    try:
        return redis.count(key, window)
    except RedisError as error:
        _redis_failed(redis, error)
        return _count_in(_in_process, key, window)


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
