"""A handler's case in a browser (issue 22): 李文 opens the petition the head gave them
from 我的办件, starts work, logs what the citizen was told, asks for more time (which
the head grants in their own browser), records the result a week later, and finds the
case closed once the head has signed it off.

The cast and the petition (registered by the desk, accepted by the head for the handler)
are set up through the services; everything after happens on the pages, at fixed
moments of Beijing time (time_machine, ticking, so the live server sees them too).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from playwright.sync_api import BrowserContext, Page, expect

from deadlines.models import Case, CaseState, Channel, ExtensionRequest, FeedbackEntry, MatterKind
from deadlines.services.cases import case_accept, case_open
from tests.e2e.conftest import (
    People,
    Screenshots,
    definition,
    label,
    open_action,
    sign_in,
    submit_action,
    url,
    watch,
    zh,
)

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

SHANGHAI = ZoneInfo("Asia/Shanghai")
MONDAY = datetime(2026, 11, 2, 9, 0, tzinfo=SHANGHAI)  # a working day
NEXT_TUESDAY = datetime(2026, 11, 10, 10, 0, tzinfo=SHANGHAI)


def a_petition(people: People) -> Case:
    """A letter registered at the desk and accepted by the service centre's head for 李文."""
    j = people.j
    case = case_open(
        actor=j.desk,
        department=j.service,
        channel=Channel.LETTER,
        matter_kind=MatterKind.PETITION,
        subject="小区二次供水水箱清洗",
        content="来信反映：小区二次供水水箱一年未清洗，要求安排清洗并公布水质检测结果。",
        citizen_name="王先生",
        citizen_phone="13900002222",
    )
    assert j.service.head is not None
    return case_accept(actor=j.service.head, case=case, handler=people.handler)


def state_is(page: Page, state: CaseState) -> None:
    expect(definition(page, zh("State"))).to_have_text(zh(state.label))


def test_it_takes_a_handler_from_my_cases_to_a_closed_case(
    people: People,
    page: Page,
    new_context: Callable[[], BrowserContext],
    screenshots: Screenshots,
) -> None:
    with time_machine.travel(MONDAY, tick=True) as traveller:
        case = a_petition(people)
        problems = watch(page)
        traveller.move_to(MONDAY.replace(hour=10))

        # 我的办件: the handler's home page lists the case the head gave them.
        sign_in(page, people.handler, lands_on="deadlines:my_cases")
        expect(page.get_by_role("heading", level=1)).to_have_text(zh("My cases"))
        row = page.locator("table.cases tbody tr").filter(has_text=case.number)
        expect(row).to_contain_text(case.subject)
        expect(row).to_contain_text(zh(CaseState.ACCEPTED.label))
        expect(row).to_contain_text(people.handler.get_full_name())
        screenshots(page, "my-cases")

        row.get_by_role("link", name=case.number, exact=True).click()
        expect(page).to_have_url(url("deadlines:case_detail", case.number))
        expect(page.get_by_role("heading", level=1)).to_have_text(f"{case.number} · {case.subject}")
        state_is(page, CaseState.ACCEPTED)
        expect(definition(page, zh("Handler"))).to_have_text(people.handler.get_full_name())
        expect(definition(page, zh("Citizen"))).to_contain_text("王先生")
        screenshots(page, "case")

        action = open_action(page, zh("Start work"))
        submit_action(action, zh("Start work"))
        expect(page.get_by_role("status")).to_contain_text(zh("Work started."))
        state_is(page, CaseState.IN_PROGRESS)
        screenshots(page, "work-started")

        # What the citizen was told, by phone.
        action = open_action(page, zh("Log a contact"))
        action.get_by_label(label(zh("To whom"))).select_option(
            label=zh(FeedbackEntry.Audience.CITIZEN.label)
        )
        action.get_by_label(label(zh("Channel"))).select_option(
            label=zh(FeedbackEntry.Channel.PHONE.label)
        )
        told = "已电话告知王先生：已联系物业，本周内安排清洗水箱。"
        action.get_by_label(label(zh("Content"))).fill(told)
        submit_action(action, zh("Log a contact"))
        expect(page.get_by_role("status")).to_contain_text(zh("Contact logged."))
        assert FeedbackEntry.objects.filter(case=case, content=told).count() == 1
        screenshots(page, "contact-logged")

        # More time for the water test: the petition's 30 days, by the head's approval.
        action = open_action(page, zh("Ask for an extension"))
        clock = action.get_by_label(label(zh("Time limit")))
        expect(clock.locator("option:checked")).to_contain_text("来信来访")
        action.locator("input[name=amount]").fill("15")
        action.get_by_label(label(zh("Reason"))).fill(
            "水质检测需送第三方检测机构，约需两周出具报告。"
        )
        submit_action(action, zh("Ask for an extension"))
        expect(page.get_by_role("status")).to_contain_text(
            zh("Extension requested; it waits for the approver's decision.")
        )
        request = ExtensionRequest.objects.get(case=case)
        assert (request.amount, request.decision) == (15, ExtensionRequest.Decision.PENDING)
        screenshots(page, "extension-requested")

        # The service centre's head grants it in their own browser, an hour later.
        traveller.move_to(MONDAY.replace(hour=11))
        head = new_context().new_page()
        problems_of_head = watch(head)
        sign_in(head, people.j.service.head, lands_on="deadlines:department_cases")
        head.goto(reverse("deadlines:case_detail", args=[case.number]))
        action = open_action(head, zh("Decide the extension"))
        action.get_by_role("radio", name=zh("Approve"), exact=True).check()
        action.get_by_label(label(zh("Citizen told at"))).fill("2026-11-02T10:30")
        action.get_by_label(label(zh("Citizen told by"))).select_option(
            label=zh(FeedbackEntry.Channel.PHONE.label)
        )
        action.get_by_label(label(zh("What the citizen was told"))).fill(
            "办结期限延长15日，原因：水质需送第三方检测。"
        )
        submit_action(action, zh("Decide the extension"))
        expect(head.get_by_role("status")).to_contain_text(zh("Extension decided."))
        screenshots(head, "extension-approved")

        # A week later: the result, which the head then signs off.
        traveller.move_to(NEXT_TUESDAY)
        page.reload()
        action = open_action(page, zh("Record the result"))
        action.get_by_label(label(zh("Result"))).fill(
            "11月5日已清洗水箱，水质检测合格，检测报告已在小区公告栏公布，并电话告知王先生。"
        )
        submit_action(action, zh("Record the result"))
        expect(page.get_by_role("status")).to_contain_text(
            zh("Result recorded; the head signs it off.")
        )
        state_is(page, CaseState.RESOLVED)
        expect(definition(page, zh("Result"))).to_contain_text("水质检测合格")
        screenshots(page, "result-recorded")

        head.goto(reverse("deadlines:case_detail", args=[case.number]))
        action = open_action(head, zh("Sign off and close"))
        action.get_by_label(label(zh("Note"))).fill("同意办结。")
        submit_action(action, zh("Sign off and close"))
        expect(head.get_by_role("status")).to_contain_text(zh("Closed."))
        screenshots(head, "signed-off")

        page.reload()
        state_is(page, CaseState.CLOSED)
        expect(page.locator("details.action summary")).not_to_contain_text(
            [zh("Record the result")]
        )
        screenshots(page, "closed")

    assert problems == problems_of_head == []
    case.refresh_from_db()
    assert (case.state, case.handler) == (CaseState.CLOSED, people.handler)
    assert [path.name for path in screenshots.taken] == [
        "01-my-cases.png",
        "02-case.png",
        "03-work-started.png",
        "04-contact-logged.png",
        "05-extension-requested.png",
        "06-extension-approved.png",
        "07-result-recorded.png",
        "08-signed-off.png",
        "09-closed.png",
    ]
