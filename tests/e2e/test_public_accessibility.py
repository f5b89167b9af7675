"""The citizen's own page works at phone width and with a screen reader (issue 23,
part 4): axe-core (the engine bundled with axe-playwright-python) finds no WCAG 2 A or
AA violation on the lookup form, on a refused lookup or on a found case, and the
keyboard reaches the fields and the button in reading order, each with its label."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from axe_playwright_python.sync_playwright import Axe
from django.urls import reverse
from django.utils.translation import gettext
from playwright.sync_api import Page, expect

from deadlines.models import Channel, MatterKind
from deadlines.services.cases import (
    case_accept,
    case_close,
    case_open,
    case_resolve,
    case_start_work,
)
from tests.e2e.conftest import Journey, Screenshots, watch

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PHONE = {"width": 375, "height": 812}
WCAG = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
SHANGHAI = ZoneInfo("Asia/Shanghai")


def violations(page: Page) -> list[str]:
    """Each violated rule with the elements it names, readable in the failure."""
    results = Axe().run(page, options=WCAG)
    return [
        f"{rule['id']} ({rule['impact']}): {[node['target'] for node in rule['nodes']]}"
        for rule in results.response["violations"]
    ]


def focused_label(page: Page) -> str:
    """The accessible name a screen reader announces for the focused element."""
    return str(
        page.evaluate(
            """() => {
                const el = document.activeElement;
                if (el.labels && el.labels.length) return el.labels[0].innerText;
                return el.innerText || el.getAttribute('aria-label') || '';
            }"""
        )
    ).strip()


def test_the_public_status_page_passes_axe_at_phone_width_and_in_focus_order(
    journey: Journey, new_context: Any, screenshots: Screenshots
) -> None:
    # Monday 1 June 2026, 09:00 in Shanghai.
    with time_machine.travel(datetime(2026, 6, 1, 9, 0, tzinfo=SHANGHAI), tick=False):
        case = case_open(
            actor=journey.desk,
            department=journey.service,
            channel=Channel.PHONE,
            matter_kind=MatterKind.COMPLAINT,
            subject="三楼以上水压不足",
            content="来电反映：小区三楼以上水压不足。",
            citizen_name="刘女士",
        )
    secret = case.lookup_secret
    context = new_context()
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.set_viewport_size(PHONE)
    problems = watch(page)

    page.goto(reverse("intake:public_status"))
    assert violations(page) == []
    # The keyboard's path: skip past the header's links to the form, then number,
    # secret and the button, in that order, each announced by its label.
    page.locator("#id_number").focus()
    assert focused_label(page).startswith(gettext("Case number"))
    page.keyboard.press("Tab")
    assert focused_label(page).startswith(gettext("Lookup secret"))
    page.keyboard.press("Tab")
    assert focused_label(page) == gettext("Look it up")
    screenshots(page, "lookup-form")

    page.locator("#id_number").fill(case.number)
    page.locator("#id_secret").fill("WRONG-0000")
    page.keyboard.press("Enter")
    expect(page.get_by_role("alert")).to_be_visible()
    assert violations(page) == []
    screenshots(page, "refused")

    page.locator("#id_number").fill(case.number)
    page.locator("#id_secret").fill(secret)
    page.get_by_role("button", name=gettext("Look it up")).click()
    expect(page.locator("#case-title")).to_contain_text(case.number)
    assert violations(page) == []
    # Nothing wider than the phone: no sideways scrolling.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshots(page, "case")

    # Closed two days later: the page offers the rating, and the rating form passes too.
    head = journey.service.head
    assert head is not None
    with time_machine.travel(datetime(2026, 6, 3, 10, 0, tzinfo=SHANGHAI), tick=False):
        case = case_accept(actor=head, case=case)
        case = case_start_work(actor=head, case=case)
        case = case_resolve(actor=head, case=case, resolution="已调整水压。")
        case_close(actor=head, case=case)
    page.goto(reverse("intake:public_status_link", args=[case.number, secret]))
    page.get_by_role("button", name=gettext("Rate the service")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(gettext("Rate our service"))
    assert violations(page) == []
    screenshots(page, "rating-form")
    page.get_by_label(gettext("Satisfied"), exact=True).check()
    page.get_by_role("button", name=gettext("Send my rating")).click()
    expect(page.get_by_role("status")).to_contain_text(
        gettext("Thank you. Your rating has been recorded.")
    )
    assert violations(page) == []
    screenshots(page, "rated")
    assert problems == []
