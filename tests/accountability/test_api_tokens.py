"""REST API clients: tokens stored as digests, scopes per endpoint, revocation,
throttling per client, and the one JSON error shape."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from accountability.apiclients import api_token_digest
from accountability.models import ApiClient, ApiScope, AuditEntry
from accountability.services import api_client_change, api_client_create, api_client_revoke
from tests.api_support import admin_user, api_client, call, make_dispatch, reset_throttles
from tests.deadlines import conftest as case_fixtures
from tests.deadlines.conftest import Cast, open_case
from tests.factories import UserFactory

cast = case_fixtures.cast  # the case tests' cast, as a fixture here

pytestmark = pytest.mark.django_db

CASES, CATALOGUE, WRITE = ApiScope.CASES_READ, ApiScope.CATALOGUE_READ, ApiScope.OPEN311_WRITE


@pytest.fixture(autouse=True)
def _fresh_throttles() -> None:
    reset_throttles()


def _assert_error(response: Any, status: int, code: str) -> None:
    assert response.status_code == status
    assert response["Content-Type"].startswith("application/json")
    error = response.json()["error"]
    assert error["status"] == status
    assert error["code"] == code
    assert error["message"]


def test_it_stores_only_a_digest_of_the_token() -> None:
    client, token = api_client([CASES])
    stored = ApiClient.objects.get(pk=client.pk)
    assert stored.token_digest == api_token_digest(token)
    assert token not in {str(value) for value in stored.__dict__.values()}
    assert token.startswith(stored.token_prefix)


def test_it_answers_401_in_the_error_shape_without_a_token() -> None:
    response = call(None, "/api/v1/departments/")
    _assert_error(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_it_answers_401_for_an_unknown_token() -> None:
    api_client([CATALOGUE])
    _assert_error(call("wsa_not-a-token", "/api/v1/departments/"), 401, "not_authenticated")


@pytest.mark.parametrize("cache_seconds", [0, 5])
def test_it_answers_401_once_the_client_is_revoked(settings: Any, cache_seconds: int) -> None:
    # With the client cache on too: the revoking process forgets the client at once.
    settings.API_CLIENT_CACHE_SECONDS = cache_seconds
    client, token = api_client([CATALOGUE])
    assert call(token, "/api/v1/departments/").status_code == 200
    api_client_revoke(actor=admin_user(), client=client, reason="leaked")
    _assert_error(call(token, "/api/v1/departments/"), 401, "not_authenticated")
    entry = AuditEntry.objects.get(action="api_client.revoke")
    assert entry.reason == "leaked"
    assert entry.object_id == str(client.pk)


def test_it_reads_a_client_again_once_its_cache_time_is_up(
    settings: Any, django_assert_num_queries: Any
) -> None:
    settings.API_CLIENT_CACHE_SECONDS = 5
    client, token = api_client([CATALOGUE])
    start = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False):
        call(token, "/api/v1/departments/")  # reads the client, records last_used_at
        with django_assert_num_queries(1):  # the departments; the client is known
            assert call(token, "/api/v1/departments/").status_code == 200
    # Revoked by another process (as its service would), unknown to this one for now.
    ApiClient.objects.filter(pk=client.pk).update(revoked_at=start)
    with time_machine.travel(start + timedelta(seconds=4), tick=False):
        assert call(token, "/api/v1/departments/").status_code == 200
    with time_machine.travel(start + timedelta(seconds=5), tick=False):
        _assert_error(call(token, "/api/v1/departments/"), 401, "not_authenticated")


def test_it_forgets_a_changed_client_at_once(settings: Any) -> None:
    settings.API_CLIENT_CACHE_SECONDS = 5
    client, token = api_client([CATALOGUE, CASES])
    assert call(token, "/api/v1/departments/").status_code == 200
    api_client_change(actor=admin_user(), client=client, scopes=[CASES], throttle_rate="")
    _assert_error(call(token, "/api/v1/departments/"), 403, "permission_denied")


def test_it_audits_creation_without_the_digest() -> None:
    client, _token = api_client([CASES, CATALOGUE])
    entry = AuditEntry.objects.get(action="api_client.create")
    assert entry.after is not None
    assert entry.after["scopes"] == sorted([CASES, CATALOGUE])
    assert "token_digest" not in entry.after
    assert client.token_digest not in str(entry.after)


def test_it_refuses_an_unknown_scope() -> None:
    with pytest.raises(ValidationError) as raised:
        api_client(["cases:write"])
    assert "scopes" in raised.value.message_dict


def test_it_lets_only_administrators_create_clients() -> None:
    with pytest.raises(PermissionDenied):
        api_client_create(actor=UserFactory(username="someone"), name="x", scopes=[CASES])


def test_it_records_when_a_client_was_last_used() -> None:
    client, token = api_client([CATALOGUE])
    assert client.last_used_at is None
    call(token, "/api/v1/departments/")
    client.refresh_from_db()
    assert client.last_used_at is not None


def test_it_throttles_each_client_at_its_own_rate() -> None:
    _slow, slow_token = api_client([CATALOGUE], name="slow", rate="2/min")
    _other, other_token = api_client([CATALOGUE], name="other")
    assert call(slow_token, "/api/v1/departments/").status_code == 200
    assert call(slow_token, "/api/v1/departments/").status_code == 200
    throttled = call(slow_token, "/api/v1/departments/")
    _assert_error(throttled, 429, "throttled")
    assert int(throttled["Retry-After"]) > 0
    assert call(other_token, "/api/v1/departments/").status_code == 200


def test_it_lets_a_throttled_client_in_again_when_its_window_ends() -> None:
    _slow, token = api_client([CATALOGUE], name="slow", rate="2/min")
    start = datetime(2026, 11, 23, 10, 0, 15, tzinfo=UTC)
    with time_machine.travel(start, tick=False):
        assert [call(token, "/api/v1/departments/").status_code for _ in range(3)] == [
            200,
            200,
            429,
        ]
        assert int(call(token, "/api/v1/departments/")["Retry-After"]) == 45
    with time_machine.travel(start + timedelta(seconds=44), tick=False):
        assert call(token, "/api/v1/departments/").status_code == 429
    with time_machine.travel(start + timedelta(seconds=45), tick=False):
        assert call(token, "/api/v1/departments/").status_code == 200


def test_it_answers_json_whatever_the_client_accepts() -> None:
    _client, token = api_client([CATALOGUE])
    for accept in ("text/html", "application/xml", "*/*"):
        response = call(token, "/api/v1/departments/", HTTP_ACCEPT=accept)
        assert response.status_code == 200, accept
        assert response["Content-Type"] == "application/json"
        assert isinstance(response.json(), list)


def test_it_answers_unknown_api_addresses_with_a_json_404() -> None:
    _assert_error(Client().get("/api/v1/nothing-here/"), 404, "not_found")
    _assert_error(Client().get("/open311/v2/nothing.json"), 404, "not_found")


def test_it_shows_the_token_once_when_created_in_the_admin() -> None:
    browser = Client()
    browser.force_login(admin_user())
    response = browser.post(
        "/admin/accountability/apiclient/add/",
        {"name": "billing", "scopes": [CASES], "throttle_rate": "", "note": ""},
        follow=True,
    )
    assert response.status_code == 200
    client = ApiClient.objects.get(name="billing")
    shown = [str(m) for m in response.context["messages"]]
    # Tokens are URL-safe base64, so the first run of those characters after the prefix
    # is the token whatever punctuation the translated message puts after it.
    token = next(match[0] for m in shown if (match := re.search(r"wsa_[\w-]+", m)))
    assert api_token_digest(token) == client.token_digest
    assert client.scopes == [CASES]
    assert call(token, "/api/v1/cases/").status_code == 200


def test_it_revokes_from_the_admin_action() -> None:
    client, token = api_client([CATALOGUE])
    browser = Client()
    browser.force_login(admin_user())
    browser.post(
        "/admin/accountability/apiclient/",
        {"action": "revoke", "_selected_action": [client.pk]},
    )
    client.refresh_from_db()
    assert client.revoked_at is not None
    assert call(token, "/api/v1/departments/").status_code == 401


# -- every endpoint: no token 401, another scope 403, its scope 200 --------------------------
# Open311's reads are public (tests/intake/test_open311_reads.py); posting is guarded here.

ENDPOINTS = [
    ("get", "/api/v1/cases/", CASES),
    ("get", "/api/v1/cases/{number}/", CASES),
    ("get", "/api/v1/service-items/", CATALOGUE),
    ("get", "/api/v1/departments/", CATALOGUE),
    ("get", "/api/v1/outages/", CASES),
    ("post", "/open311/v2/requests.json", WRITE),
]


@pytest.mark.parametrize(("method", "url", "scope"), ENDPOINTS)
def test_it_guards_every_endpoint_by_scope(cast: Cast, method: str, url: str, scope: str) -> None:
    make_dispatch()
    number = open_case(cast).number
    url = url.format(number=number)
    body: dict[str, Any] = {}
    if method == "post":
        body = {"data": {"service_code": "complaint", "description": "停水三小时"}}
    others = [s.value for s in ApiScope if s != scope]
    _without, without_token = api_client(others, name="without")
    _with, with_token = api_client([scope], name="with")

    _assert_error(call(None, url, method, **body), 401, "not_authenticated")
    _assert_error(call(without_token, url, method, **body), 403, "permission_denied")
    assert call(with_token, url, method, **body).status_code in (200, 201)


def test_it_answers_the_case_status_errors_in_the_error_shape(cast: Cast) -> None:
    # The case status has a dispatch of its own for GET: DRF's steps, errors included.
    url = f"/api/v1/cases/{open_case(cast).number}/"
    _client, token = api_client([CASES], name="slow", rate="1/min")
    with time_machine.travel(datetime(2026, 11, 23, 10, 0, 15, tzinfo=UTC), tick=False):
        assert call(token, url).status_code == 200
        throttled = call(token, url)
        _assert_error(throttled, 429, "throttled")
        assert int(throttled["Retry-After"]) == 45
        assert throttled["Allow"] == "GET, HEAD, OPTIONS"
    unknown = call("wsa_not-a-token", url)
    _assert_error(unknown, 401, "not_authenticated")
    assert unknown["WWW-Authenticate"].startswith("Bearer")
    _assert_error(call(None, url, HTTP_AUTHORIZATION="Bearer two words"), 401, "not_authenticated")
    _other, other_token = api_client([CASES], name="other")
    _assert_error(call(other_token, url, "post"), 405, "method_not_allowed")
    assert call(other_token, url, "head").status_code == 200
    assert call(other_token, url, "options").status_code == 200
