"""The Redis cache backend reuses one client object per connection pool."""

from __future__ import annotations

import pytest
from django.core.cache import caches

from accountability.cache import ReusedClientRedisCache


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
