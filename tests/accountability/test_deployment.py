"""Issue 21, item 10: HTTPS redirection and HSTS are on by default whenever DEBUG is off,
and each can be set from the environment; /healthz is never redirected (the container's
health check calls it over plain HTTP)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.test import Client

pytestmark = pytest.mark.django_db

ONE_YEAR = 365 * 24 * 3600
PRINT_SETTINGS = (
    "import json, django; django.setup(); from django.conf import settings as s; "
    "print(json.dumps([s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, "
    "s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.SECURE_HSTS_PRELOAD, s.SECURE_PROXY_SSL_HEADER]))"
)


def _settings_under(**variables: str) -> list[Any]:
    """The security settings as the portal reads them with these variables only."""
    environment = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("SECURE_", "DEBUG", "DJANGO_SETTINGS_MODULE"))
    }
    environment.update(
        DJANGO_SETTINGS_MODULE="accountability.settings",
        SECRET_KEY="deployment-test-secret-key-0123456789-abcdefghijklmnop",
        **variables,
    )
    result = subprocess.run(
        [sys.executable, "-c", PRINT_SETTINGS],
        cwd=django_settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return list(json.loads(result.stdout.strip().splitlines()[-1]))


def test_it_redirects_to_https_and_sends_hsts_by_default_without_debug() -> None:
    assert _settings_under() == [True, ONE_YEAR, False, False, None]


def test_it_leaves_both_off_under_debug_as_make_demo_runs() -> None:
    assert _settings_under(DEBUG="1") == [False, 0, False, False, None]


def test_it_reads_each_from_the_environment() -> None:
    assert _settings_under(
        SECURE_SSL_REDIRECT="0",
        SECURE_HSTS_SECONDS="3600",
        SECURE_HSTS_INCLUDE_SUBDOMAINS="1",
        SECURE_HSTS_PRELOAD="true",
        SECURE_PROXY_SSL_HEADER="X-Forwarded-Proto",
    ) == [False, 3600, True, True, ["HTTP_X_FORWARDED_PROTO", "https"]]


@pytest.fixture
def https_on(settings: Any) -> None:
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = ONE_YEAR
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")


def test_it_redirects_plain_http_but_not_the_health_check(https_on: None) -> None:
    client = Client()
    redirected = client.get("/accounts/login/")
    assert redirected.status_code == 301
    assert redirected["Location"] == "https://testserver/accounts/login/"
    assert client.get("/healthz").status_code in (200, 503)  # answered, not redirected


def test_it_tells_browsers_to_keep_to_https(https_on: None) -> None:
    response = Client().get("/accounts/login/", secure=True)
    assert response.status_code == 200
    assert response["Strict-Transport-Security"] == f"max-age={ONE_YEAR}"


def test_it_believes_the_proxy_that_ended_tls(https_on: None) -> None:
    response = Client().get("/accounts/login/", HTTP_X_FORWARDED_PROTO="https")
    assert response.status_code == 200
    assert "Strict-Transport-Security" in response
