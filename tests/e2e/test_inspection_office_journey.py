"""The inspection office's work in a browser (issue 22): 陈监察 takes a founded complaint
about a clerk who would not take responsibility from the violation queue, reviews and
confirms it, names the clerk directly responsible, and proposes what the rulebook
proposes (rule 2: a written warning); 吴主任, a member of the efficiency leading group,
approves it from 待我决定 in their own browser; 陈监察 serves it and prints the warning
notice (告诫通知书) with its number and the written self-criticism's due date.

The complaint case and its violation are set up through the services; the office's part
happens on the pages, at fixed moments of Beijing time (time_machine, ticking, so the
live server sees them too).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from playwright.sync_api import BrowserContext, Page, expect

from deadlines.models import Channel, MatterKind
from deadlines.services.cases import case_open
from sanctions.models import (
    DecisionState,
    ResponsibilityKind,
    SanctionDecision,
    SanctionKind,
    Violation,
    ViolationState,
    ViolationType,
)
from sanctions.services import violation_raise_complaint
from tests.e2e.conftest import (
    People,
    Screenshots,
    definition,
    exactly,
    label,
    nav_link,
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
COMPLAINED = datetime(2026, 11, 2, 9, 0, tzinfo=SHANGHAI)  # a Monday
FOUNDED = datetime(2026, 11, 6, 15, 0, tzinfo=SHANGHAI)
REVIEWED = datetime(2026, 11, 9, 9, 30, tzinfo=SHANGHAI)  # the next Monday


def a_founded_complaint(people: People) -> Violation:
    """A citizen's complaint that the desk clerk 周晓琳 sent them away ("不归我管"),
    founded on investigation and raised for review."""
    j = people.j
    head = j.service.head
    assert head is not None
    with time_machine.travel(COMPLAINED, tick=False):
        case = case_open(
            actor=head,
            department=j.service,
            channel=Channel.PHONE,
            matter_kind=MatterKind.COMPLAINT,
            subject="窗口人员推诿",
            content="来电投诉：到营业厅咨询过户，窗口人员称“不归我管”，未告知去向。",
            citizen_name="钱先生",
            citizen_phone="13600004444",
        )
    with time_machine.travel(FOUNDED, tick=False):
        return violation_raise_complaint(
            actor=people.inspector,
            case=case,
            staff=j.desk,
            type=ViolationType.objects.get(code="first-contact-failure"),
            occurred_at=COMPLAINED,
            evidence="调取窗口录像和通话记录，投诉属实。",
        )


def test_it_takes_the_office_from_the_queue_to_a_served_warning_notice(
    people: People,
    page: Page,
    new_context: Callable[[], BrowserContext],
    screenshots: Screenshots,
) -> None:
    desk = people.j.desk
    violation = a_founded_complaint(people)
    type_name = violation.type.name
    problems = watch(page)
    with time_machine.travel(REVIEWED, tick=True):
        # 违规记录队列: the office's home page.
        sign_in(page, people.inspector, lands_on="sanctions:queue")
        row = page.locator("table.cases tbody tr").filter(has_text=type_name)
        expect(row).to_have_count(1)
        expect(row).to_contain_text(desk.get_full_name())
        expect(row).to_contain_text(zh(ViolationState.RAISED.label))
        screenshots(page, "queue")

        row.get_by_role("link").first.click()
        expect(page).to_have_url(url("sanctions:violation", violation.pk))
        expect(page.get_by_role("heading", level=1)).to_contain_text(type_name)
        expect(page.locator("#complaint-evidence")).to_contain_text("投诉属实")

        # Review: taken up, then confirmed as the facts show (the type's default severity).
        action = open_action(page, zh("Take up for review"))
        submit_action(action, zh("Take up for review"))
        expect(page.get_by_role("status")).to_contain_text(zh("Under review."))
        expect(definition(page, zh("State"))).to_contain_text(zh(ViolationState.UNDER_REVIEW.label))
        action = open_action(page, zh("Confirm"))
        action.get_by_label(label(zh("Note"))).fill("录像显示未引导至过户窗口，情况属实。")
        submit_action(action, zh("Confirm"))
        expect(page.get_by_role("status")).to_contain_text(
            zh("Confirmed; assign responsibility next.")
        )
        expect(definition(page, zh("State"))).to_contain_text(zh(ViolationState.CONFIRMED.label))
        screenshots(page, "confirmed")

        action = open_action(page, zh("Assign responsibility"))
        action.get_by_label(label(zh("Person"))).select_option(label=desk.get_full_name())
        action.get_by_label(label(zh("Responsibility"))).select_option(
            label=zh(ResponsibilityKind.DIRECT.label)
        )
        submit_action(action, zh("Assign responsibility"))
        expect(page.get_by_role("status")).to_contain_text(zh("Responsibility assigned."))
        answers = page.locator("section[aria-labelledby=responsibility-title] li")
        expect(answers).to_have_count(1)
        expect(answers).to_contain_text(desk.get_full_name())
        expect(answers).to_contain_text(zh(ResponsibilityKind.DIRECT.label))
        screenshots(page, "responsibility")

        # The rulebook's proposal, with its reasons; the office picks what it proposes.
        answers.get_by_role("link", name=zh("Propose a sanction")).click()
        expect(page.get_by_role("heading", level=1)).to_contain_text(zh("Propose a sanction"))
        proposal = page.locator("section[aria-labelledby=proposal-title]")
        expect(proposal).to_contain_text("违反上述制度被投诉、举报,造成不良影响,情况属实")
        expect(proposal).to_contain_text(zh(SanctionKind.WRITTEN_WARNING.label))
        expect(page.locator("#explanation")).not_to_be_empty()
        written_warning = page.get_by_role(
            "checkbox", name=exactly(zh(SanctionKind.WRITTEN_WARNING.label))
        )
        expect(written_warning).not_to_be_checked()  # the proposer picks (DOMAIN §7)
        written_warning.check()
        screenshots(page, "proposal")
        page.get_by_role("button", name=zh("Propose"), exact=True).click()

        decision = SanctionDecision.objects.get(violation=violation)
        expect(page).to_have_url(url("sanctions:decision", decision.pk))
        expect(page.get_by_role("status")).to_contain_text(
            zh("Proposed; someone else approves or refuses it.")
        )
        expect(definition(page, zh("State"))).to_have_text(zh(DecisionState.PROPOSED.label))
        expect(page.locator("#who-decides")).to_contain_text("效能建设领导小组")
        screenshots(page, "proposed")

        # 吴主任 decides it for the efficiency leading group, in their own browser.
        head = new_context().new_page()
        problems_of_head = watch(head)
        sign_in(head, people.inspection_head, lands_on="sanctions:queue")
        nav_link(head, zh("Awaiting my decision")).click()
        expect(head).to_have_url(url("sanctions:awaiting"))
        awaiting = head.locator("table.awaiting tbody tr")
        expect(awaiting).to_have_count(1)
        expect(awaiting).to_contain_text(desk.get_full_name())
        expect(awaiting).to_contain_text(zh(SanctionKind.WRITTEN_WARNING.label))
        expect(awaiting).to_contain_text(people.inspector.get_full_name())
        awaiting.get_by_role("link").first.click()
        action = open_action(head, zh("Approve"))
        submit_action(action, zh("Approve"))
        expect(head.get_by_role("status")).to_contain_text(zh("Approved."))
        expect(definition(head, zh("State"))).to_have_text(zh(DecisionState.APPROVED.label))
        screenshots(head, "approved")

        # Served by the office, signed by the group's principal leader.
        page.reload()
        action = open_action(page, zh("Serve"))
        signer = action.get_by_label(label(zh("Signed by")))
        expect(signer.locator("option:checked")).to_have_text(people.leader.get_full_name())
        submit_action(action, zh("Serve"))
        expect(page.get_by_role("status")).to_contain_text(
            zh("Served; the unit head has been told.")
        )
        expect(definition(page, zh("State"))).to_have_text(zh(DecisionState.SERVED.label))
        decision.refresh_from_db()
        assert decision.notice_number
        screenshots(page, "served")

        # The decision paper.
        page.get_by_role("link", name=f"{zh('Warning notice')} {decision.notice_number}").click()
        expect(page).to_have_url(url("sanctions:warning_notice", decision.pk))
        paper = page.locator("article.warning-notice")
        expect(paper.get_by_role("heading", level=1)).to_have_text(
            zh("Warning notice (告诫通知书)")
        )
        expect(paper).to_contain_text(decision.notice_number)
        expect(paper).to_contain_text(desk.get_full_name())
        expect(paper).to_contain_text(type_name)
        expect(paper).to_contain_text(zh(SanctionKind.WRITTEN_WARNING.label))
        expect(paper).to_contain_text(people.leader.get_full_name())  # signed by
        expect(paper).to_contain_text("2026-11-16 24:00")  # self-criticism: 7 days
        screenshots(page, "warning-notice")

    assert problems == problems_of_head == []
    decision.refresh_from_db()
    assert (decision.state, decision.proposed_by, decision.decided_by, decision.signed_by) == (
        DecisionState.SERVED,
        people.inspector,
        people.inspection_head,
        people.leader,
    )
    assert [path.name for path in screenshots.taken] == [
        "01-queue.png",
        "02-confirmed.png",
        "03-responsibility.png",
        "04-proposal.png",
        "05-proposed.png",
        "06-approved.png",
        "07-served.png",
        "08-warning-notice.png",
    ]
