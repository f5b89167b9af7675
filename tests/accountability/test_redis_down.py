"""Issue 21, item 5: with the cache (Redis) unreachable, the public status page and every
API and Open311 call keep answering; throttling counts per process and says so in the
log. An error the API did not foresee answers in its JSON error shape, never HTML.

The cache points at a closed port (nothing listens on port 1), so these tests need no
Redis server of their own."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse

from accountability import cache as throttle_cache
from deadlines import apis as case_apis
from intake.services.catalogue import catalogue_load
from intake.views.public import MAX_FAILURES
from tests.api_support import api_client, call, make_dispatch, reset_throttles
from tests.deadlines.conftest import Cast, cast, open_case

pytestmark = pytest.mark.django_db

__all__ = ["cast"]  # a fixture

CLOSED_PORT = "redis://127.0.0.1:1/0"
FALLBACK_WARNING = "throttling falls back to a count per process"
STATUS = reverse("intake:public_status")


@pytest.fixture
def redis_down(settings: Any) -> None:
    settings.CACHES = {
        "default": {
            **django_settings.CACHES["default"],
            "BACKEND": "accountability.cache.ReusedClientRedisCache",
            "LOCATION": CLOSED_PORT,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    throttle_cache._in_process.clear()


def _warned(caplog: pytest.LogCaptureFixture) -> bool:
    return any(
        FALLBACK_WARNING in record.getMessage() and record.levelno == logging.WARNING
        for record in caplog.records
    )


def test_it_answers_the_public_status_page_with_redis_down(
    cast: Cast, redis_down: None, caplog: pytest.LogCaptureFixture
) -> None:
    case = open_case(cast)
    client = Client()
    found = client.post(STATUS, {"number": case.number, "secret": case.lookup_secret})
    assert found.status_code == 200
    assert "水压不足" in found.content.decode()
    wrong = client.post(STATUS, {"number": case.number, "secret": "AAAA-AAAA"})
    assert wrong.status_code == 404
    assert _warned(caplog)


def test_it_still_slows_guessing_per_process_with_redis_down(cast: Cast, redis_down: None) -> None:
    case = open_case(cast)
    client = Client(REMOTE_ADDR="10.0.0.7")
    for _ in range(MAX_FAILURES):
        assert client.post(STATUS, {"number": "2026-999999", "secret": "X"}).status_code == 404
    refused = client.post(STATUS, {"number": case.number, "secret": case.lookup_secret})
    assert refused.status_code == 429


@pytest.fixture
def token(cast: Cast) -> str:
    reset_throttles()
    catalogue_load(
        actor=None, path=Path(django_settings.BASE_DIR) / "fixtures/service_catalogue.json"
    )
    make_dispatch()
    return api_client(rate="10000/min")[1]


def test_it_answers_every_api_and_open311_call_with_redis_down(
    cast: Cast, token: str, redis_down: None, caplog: pytest.LogCaptureFixture
) -> None:
    case = open_case(cast)
    reads = [
        "/api/v1/cases/",
        f"/api/v1/cases/{case.number}/",
        "/api/v1/service-items/",
        "/api/v1/departments/",
        "/api/v1/outages/",
        "/open311/v2/services.json",
        "/open311/v2/requests.json",
        f"/open311/v2/requests/{case.number}.json",
    ]
    for url in reads:
        response = call(token, url)
        assert response.status_code == 200, url
        assert response["Content-Type"] == "application/json", url
    filed = call(
        token,
        "/open311/v2/requests.json",
        "post",
        data={"service_code": "complaint", "description": "幸福路停水"},
    )
    assert filed.status_code == 201
    assert _warned(caplog)


def test_it_throttles_the_api_per_process_with_redis_down(redis_down: None) -> None:
    token = api_client(rate="2/min")[1]
    assert [call(token, "/api/v1/departments/").status_code for _ in range(3)] == [200, 200, 429]
    assert call(token, "/api/v1/departments/").json()["error"]["code"] == "throttled"


def test_it_tries_redis_again_only_after_a_while(
    redis_down: None, caplog: pytest.LogCaptureFixture
) -> None:
    """A dead Redis costs one failed attempt per REDIS_RETRY_S, not one per request, and
    one warning."""
    token = api_client(rate="100/min")[1]
    for _ in range(5):
        assert call(token, "/api/v1/departments/").status_code == 200
    warnings = [r for r in caplog.records if FALLBACK_WARNING in r.getMessage()]
    assert len(warnings) == 1


# -- the JSON error shape, whatever fails ----------------------------------------------------


def test_an_unforeseen_error_in_an_api_view_answers_in_the_json_shape(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    token = api_client()[1]
    reset_throttles()

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("the selector broke")

    monkeypatch.setattr(case_apis, "case_public_list", broken)
    response = call(token, "/api/v1/cases/")
    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"]["status"] == 500
    assert response.json()["error"]["code"] == "server_error"
    assert "the selector broke" not in response.content.decode()
    assert any("the selector broke" in str(r.exc_info) for r in caplog.records if r.exc_info)


def test_an_error_outside_the_api_views_answers_in_the_json_shape_too(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A middleware failing: handler500 answers the API in JSON, a page with HTML."""

    def broken(language: str) -> None:
        raise RuntimeError("the language switch broke")

    monkeypatch.setattr("accountability.middleware.translation.activate", broken)
    client = Client(raise_request_exception=False)
    api = client.get("/api/v1/cases/")
    assert api.status_code == 500
    assert api.json()["error"]["code"] == "server_error"
    page = client.get(reverse("login"))
    assert page.status_code == 500
    assert page["Content-Type"].startswith("text/html")
