"""/healthz: 200 when the database and the broker answer, 503 naming the part that does not."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import OperationalError, connections
from django.test import Client

from accountability.celery import app as celery_app

pytestmark = pytest.mark.django_db


def test_it_is_ok_when_both_answer(client: Client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok"}


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


def test_it_names_the_database_when_it_does_not_answer(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise OperationalError("connection refused")

    monkeypatch.setattr(connections["default"], "cursor", refuse)
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["failing"] == ["database"]
    assert "connection refused" in body["database"]


@pytest.mark.redis
def test_it_checks_the_real_redis_broker_when_configured(client: Client) -> None:
    assert celery_app.conf.broker_url.startswith("redis://")
    assert client.get("/healthz").status_code == 200
