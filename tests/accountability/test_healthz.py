"""/healthz: 200 when the database, the cache and the broker answer, 503 naming the part
that does not, with the kind of error but never the host and port it could not reach."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import OperationalError, connections
from django.test import Client

from accountability.celery import app as celery_app

pytestmark = pytest.mark.django_db


def test_it_is_ok_when_all_answer(client: Client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "cache": "ok", "broker": "ok"}


def _tells_no_address(body: str) -> None:
    for address in ("127.0.0.1", "localhost", ":1", "port 1", "5432", "6379"):
        assert address not in body


def test_it_names_the_broker_when_it_does_not_answer(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Nothing listens on port 1.
    monkeypatch.setitem(celery_app.conf, "broker_url", "redis://127.0.0.1:1/0")
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["failing"] == ["broker"]
    assert body["database"] == "ok"
    assert body["broker"] != "ok"
    _tells_no_address(response.content.decode())


def test_it_names_the_cache_when_redis_does_not_answer(client: Client, settings: Any) -> None:
    settings.CACHES = {
        "default": {
            "BACKEND": "accountability.cache.ReusedClientRedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        }
    }
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["failing"] == ["cache"]
    assert body["cache"] == "ConnectionError"
    _tells_no_address(response.content.decode())


def test_it_names_the_database_when_it_does_not_answer(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise OperationalError(
            'connection to server at "127.0.0.1", port 5432 failed: Connection refused'
        )

    monkeypatch.setattr(connections["default"], "cursor", refuse)
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["failing"] == ["database"]
    assert body["database"] == "OperationalError"
    _tells_no_address(response.content.decode())


@pytest.mark.redis
def test_it_checks_the_real_redis_broker_when_configured(client: Client) -> None:
    assert celery_app.conf.broker_url.startswith("redis://")
    assert client.get("/healthz").status_code == 200
