"""403, 404 and 500 are Chinese pages in the portal's layout, with the reason the server
gave and never an internal one (issue 22); the API and Open311 keep their JSON shape."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.conf import settings
from django.test import Client, RequestFactory
from django.urls import reverse

from accountability import error_pages, restapi_errors
from accountability.roles import Role
from tests.factories import UserFactory

BRAND = "服务承诺责任管理平台"  # the header of base.html


def _signed_in(*roles: Role) -> Client:
    client = Client()
    client.force_login(UserFactory(roles=list(roles)))
    return client


def _page(response: Any) -> str:
    assert response["Content-Type"].startswith("text/html")
    return str(response.content.decode())


@pytest.mark.django_db
def test_it_tells_the_front_desk_why_the_rejection_register_is_closed_to_them() -> None:
    response = _signed_in(Role.FRONT_DESK).get(reverse("intake:rejection_register"))
    assert response.status_code == 403
    page = _page(response)
    assert BRAND in page
    assert "您无权打开此页面" in page
    assert "您无权查看否定备案台账。" in page
    assert "Forbidden" not in page


@pytest.mark.django_db
def test_it_gives_the_reason_in_english_to_whoever_chose_english() -> None:
    client = _signed_in(Role.FRONT_DESK)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = _page(client.get(reverse("intake:rejection_register")))
    assert "The rejection register is not one you may see." in page


@pytest.mark.django_db
def test_it_says_no_case_has_the_number_asked_for() -> None:
    response = _signed_in(Role.HANDLER).get(
        reverse("deadlines:case_detail", kwargs={"number": "2020-999999"})
    )
    assert response.status_code == 404
    page = _page(response)
    assert BRAND in page
    assert "找不到页面" in page
    assert "没有这个编号的办件。" in page


@pytest.mark.django_db
def test_it_never_shows_djangos_reason_naming_a_model() -> None:
    response = _signed_in(Role.LEADERSHIP).get(reverse("oversight:report", kwargs={"pk": 999999}))
    assert response.status_code == 404
    page = _page(response)
    assert "PeriodicReport" not in page
    assert "matches the given query" not in page
    assert "地址可能输入有误" in page


@pytest.mark.django_db
def test_it_answers_an_unknown_address_with_the_general_reason() -> None:
    response = Client().get("/no/such/page/")
    assert response.status_code == 404
    page = _page(response)
    assert BRAND in page
    assert "地址可能输入有误" in page
    assert "intake/" not in page  # no list of the URL patterns tried


@pytest.mark.django_db
def test_it_answers_a_nul_in_the_path_with_the_page_before_any_session() -> None:
    response = Client().get("/cases/2026%00/")
    assert response.status_code == 404
    assert "找不到页面" in _page(response)


@pytest.mark.django_db
def test_it_answers_a_form_sent_without_its_csrf_token_with_the_portal_page() -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("login"), {"username": "desk", "password": "x"})
    assert response.status_code == 403
    page = _page(response)
    assert BRAND in page
    assert "表单已过期或来自其他页面" in page
    assert "CSRF" not in page


def test_it_renders_the_500_page_without_a_database_or_a_request_context() -> None:
    # No django_db mark: any query here would fail the test.
    response = restapi_errors.server_error(RequestFactory().get("/cases/"))
    assert response.status_code == 500
    page = _page(response)
    assert BRAND in page
    assert "服务器未能响应" in page
    assert "csrfmiddlewaretoken" not in page  # no language form without a request


@pytest.mark.django_db
def test_it_answers_a_failing_page_with_the_500_page(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(user: Any) -> None:
        raise RuntimeError("the landing broke")

    monkeypatch.setattr("accountability.views.landing_for", broken)
    client = Client(raise_request_exception=False)
    client.force_login(UserFactory())
    response = client.get(reverse("home"))
    assert response.status_code == 500
    page = _page(response)
    assert "服务器未能响应" in page
    assert "the landing broke" not in page


def test_it_keeps_the_json_shape_under_the_api() -> None:
    factory = RequestFactory()
    denied = error_pages.permission_denied(factory.get("/open311/v2/x.json"), PermissionError())
    assert denied.status_code == 403
    assert denied["Content-Type"] == "application/json"
    assert json.loads(denied.content)["error"]["code"] == "permission_denied"
    missing = error_pages.page_not_found(factory.get("/api/v1/x/"), None)
    assert missing.status_code == 404
    assert missing["Content-Type"] == "application/json"
