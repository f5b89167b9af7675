"""Pages in a real browser (issue 22): the portal's icon loads, and neither a working
page, a refusal (403), a missing page (404) nor the administration logs an error to the
browser's console or fails to load something it asks for."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from tests.e2e.conftest import Journey, Screenshots, watch
from tests.e2e.test_front_desk_journey import sign_in

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_pages_load_their_icon_and_log_no_console_error(
    journey: Journey, page: Page, screenshots: Screenshots
) -> None:
    problems = watch(page)
    sign_in(page, journey.desk)
    icon = page.locator('link[rel="icon"]')
    expect(icon).to_have_attribute("type", "image/svg+xml")
    icon_url = icon.get_attribute("href")
    assert icon_url is not None
    assert page.request.get(icon_url).ok
    screenshots(page, "registration")

    refused = page.goto(reverse("intake:rejection_register"))
    assert refused is not None
    assert refused.status == 403
    expect(page.locator(".error-page")).to_contain_text("您无权查看否定备案台账。")
    screenshots(page, "refused")

    missing = page.goto(reverse("deadlines:case_detail", kwargs={"number": "2020-999999"}))
    assert missing is not None
    assert missing.status == 404
    expect(page.locator(".error-page")).to_contain_text("没有这个编号的办件。")
    screenshots(page, "missing")

    assert page.request.get("/favicon.ico").ok  # followed to the icon
    assert problems == []


def test_the_administration_shows_the_icon_without_console_errors(
    journey: Journey, new_context: Any, live_server: Any, screenshots: Screenshots
) -> None:
    page = new_context().new_page()
    problems = watch(page)
    page.goto(reverse("admin:login"))
    expect(page.locator('link[rel="icon"]')).to_have_count(1)
    screenshots(page, "admin-login")
    assert problems == []
