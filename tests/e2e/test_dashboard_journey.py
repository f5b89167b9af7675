"""A department head's look at the dashboard in a browser (issue 8): the head signs in,
opens the dashboard from the navigation, sees their department's overdue case, drills
down from the figure to the list behind it and opens the case.

The cases are registered through the case services, two of them a week ago so that
their 2-day result clocks are past due now; one belongs to another department and must
not show. Screenshots of every step are kept (tests/e2e/conftest.py).
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from playwright.sync_api import Page, expect

from deadlines.models import Case, Channel, MatterKind
from deadlines.services.cases import case_open
from oversight.services.figures import figures_refresh
from tests.e2e.conftest import Journey, Screenshots, label
from tests.factories import PASSWORD

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def register(journey: Journey, subject: str, *, days_ago: int, department: Any) -> Case:
    with time_machine.travel(timezone.now() - timedelta(days=days_ago), tick=False):
        return case_open(
            actor=journey.desk,
            department=department,
            channel=Channel.PHONE,
            matter_kind=MatterKind.COMPLAINT,
            subject=subject,
            content="来电反映：小区三楼以上水压不足。",
            citizen_name="刘女士",
        )


def test_it_takes_a_head_from_the_dashboard_to_an_overdue_case(
    page: Page, journey: Journey, screenshots: Screenshots
) -> None:
    overdue = register(journey, "三楼以上水压不足", days_ago=7, department=journey.service)
    register(journey, "水表漏水", days_ago=0, department=journey.service)
    register(journey, "管网爆管", days_ago=7, department=journey.network)
    figures_refresh(now=timezone.now())  # the beat task's run
    head = journey.service.head
    assert head is not None

    page.goto(reverse("login"))
    page.get_by_label(label(gettext("Username"))).fill(head.username)
    page.get_by_label(label(gettext("Password"))).fill(PASSWORD)
    page.get_by_role("button", name=gettext("Sign in"), exact=True).click()
    expect(page.get_by_role("navigation", name=gettext("Main navigation"))).to_be_visible()
    screenshots(page, "signed-in")

    page.get_by_role("navigation", name=gettext("Main navigation")).get_by_role(
        "link", name=gettext("Dashboard"), exact=True
    ).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(journey.service.name)
    overdue_tile = page.locator(".tile.red")
    expect(overdue_tile.locator(".big")).to_have_text("1")  # not the other department's
    expect(page.locator(".tile").first.locator(".big")).to_have_text("2")  # open
    expect(page.locator(".tile.registered .big")).to_have_text("2")  # in the period
    expect(page.locator("svg.chart.bars rect.red").first).to_be_visible()
    screenshots(page, "dashboard")

    overdue_tile.get_by_role("link", name="1", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(gettext("Overdue (red card)"))
    rows = page.locator("table.cases tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(overdue.subject)
    expect(rows.first.locator(".light.red")).to_have_text(gettext("Overdue"))
    screenshots(page, "overdue-list")

    rows.first.get_by_role("link", name=overdue.number, exact=True).click()
    expect(page).to_have_url(
        re.compile(re.escape(reverse("deadlines:case_detail", args=[overdue.number])) + "$")
    )
    expect(page.get_by_role("heading", level=1)).to_contain_text(overdue.number)
    screenshots(page, "case")

    assert [path.name for path in screenshots.taken] == [
        "01-signed-in.png",
        "02-dashboard.png",
        "03-overdue-list.png",
        "04-case.png",
    ]
    assert all(path.stat().st_size > 0 for path in screenshots.taken)
