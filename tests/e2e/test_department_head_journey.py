"""A department head's morning in a browser (issue 22): 赵主任 of the network department
finds on 部门办件 a complaint the service centre transferred, accepts it for a handler,
marks it complex (7 days instead of 2), and grants a handler's request for more time on
a petition.

The cases are set up through the services (the desk's registration and transfer, the
handler's request); the head's part happens on the pages, at fixed moments of Beijing
time (time_machine, ticking, so the live server sees them too).
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from playwright.sync_api import Page, expect

from deadlines.models import (
    Case,
    CaseState,
    Channel,
    Clock,
    ExtensionRequest,
    FeedbackEntry,
    MatterKind,
)
from deadlines.services.cases import (
    case_accept,
    case_open,
    case_request_extension,
    case_start_work,
    case_transfer,
)
from tests.e2e.conftest import (
    People,
    Screenshots,
    definition,
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
MONDAY = datetime(2026, 11, 2, 9, 0, tzinfo=SHANGHAI)  # working days
TUESDAY = datetime(2026, 11, 3, 9, 0, tzinfo=SHANGHAI)


def transferred_complaint(people: People) -> Case:
    """A phone complaint the desk registered and transferred to the network department."""
    j = people.j
    case = case_open(
        actor=j.desk,
        department=j.service,
        channel=Channel.PHONE,
        matter_kind=MatterKind.COMPLAINT,
        subject="小区水压忽高忽低",
        content="来电投诉：近一周小区水压忽高忽低，热水器无法正常使用。",
        citizen_name="赵女士",
        citizen_phone="13700003333",
    )
    case_transfer(
        actor=j.desk,
        case=case,
        to_department=j.network,
        handover_note="涉及片区管网压力调节，请管网维护部核查。",
    )
    return Case.objects.get(pk=case.pk)


def petition_awaiting_more_time(people: People) -> Case:
    """A petition the head gave 王强, who asked for 15 more days on its 30."""
    j = people.j
    assert j.network.head is not None
    case = case_open(
        actor=j.network.head,
        department=j.network,
        channel=Channel.LETTER,
        matter_kind=MatterKind.PETITION,
        subject="要求迁移小区主管道",
        content="来信要求将穿越小区绿地的供水主管道迁出。",
        citizen_name="孙先生",
    )
    case = case_accept(actor=j.network.head, case=case, handler=people.network_handler)
    case = case_start_work(actor=people.network_handler, case=case)
    clock = Clock.objects.get(case=case, policy__code="petition-closure")
    case_request_extension(
        actor=people.network_handler,
        case=Case.objects.get(pk=case.pk),
        clock=clock,
        amount=15,
        reason="迁移方案需规划部门会审。",
    )
    return case


def test_it_takes_a_head_through_a_transfer_a_complex_complaint_and_an_extension(
    people: People, page: Page, screenshots: Screenshots
) -> None:
    head = people.j.network.head
    assert head is not None
    problems = watch(page)
    with time_machine.travel(MONDAY, tick=True) as traveller:
        complaint = transferred_complaint(people)
        petition = petition_awaiting_more_time(people)
        traveller.move_to(TUESDAY)

        # 部门办件: the head's home page lists the department's open cases.
        sign_in(page, head, lands_on="deadlines:department_cases")
        expect(page.get_by_role("heading", level=1)).to_contain_text(people.j.network.name)
        rows = page.locator("table.cases tbody tr")
        expect(rows).to_have_count(2)
        arrived = rows.filter(has_text=complaint.number)
        expect(arrived).to_contain_text(zh(CaseState.AWAITING_TRANSFER.label))
        expect(arrived).to_contain_text(complaint.subject)
        expect(rows.filter(has_text=petition.number)).to_contain_text(
            people.network_handler.get_full_name()
        )
        screenshots(page, "department-cases")

        # The transfer: accepted for 王强.
        arrived.get_by_role("link", name=complaint.number, exact=True).click()
        expect(page).to_have_url(url("deadlines:case_detail", complaint.number))
        expect(definition(page, zh("State"))).to_have_text(zh(CaseState.AWAITING_TRANSFER.label))
        action = open_action(page, zh("Accept the transfer"))
        handler = action.get_by_label(label(zh("Handler")))
        handler.select_option(label=f"王强（{people.j.network.name}）")
        submit_action(action, zh("Accept the transfer"))
        expect(page.get_by_role("status")).to_contain_text(zh("Transfer accepted."))
        expect(definition(page, zh("State"))).to_have_text(zh(CaseState.ACCEPTED.label))
        expect(definition(page, zh("Handler"))).to_have_text("王强")
        screenshots(page, "transfer-accepted")

        # Complex: the result is due in 7 days from the same start instead of 2.
        action = open_action(page, zh("Mark the complaint complex"))
        action.get_by_label(label(zh("What makes it complex"))).fill(
            "需对片区三处减压阀逐一排查并连续监测水压。"
        )
        submit_action(action, zh("Mark the complaint complex"))
        expect(page.get_by_role("status")).to_contain_text(
            zh("Marked complex; the result is due in 7 days.")
        )
        result = page.locator("table.clocks tbody tr").filter(has_text="比较复杂的投诉")
        expect(result).to_contain_text("2026-11-09 24:00")  # 7 days from Monday
        screenshots(page, "marked-complex")

        # The handler's request for more time on the petition.
        nav_link(page, zh("Department cases")).click()
        page.locator("table.cases").get_by_role("link", name=petition.number, exact=True).click()
        expect(page).to_have_url(url("deadlines:case_detail", petition.number))
        action = open_action(page, zh("Decide the extension"))
        expect(action.locator("ul.pending")).to_contain_text("迁移方案需规划部门会审。")
        action.get_by_role("radio", name=zh("Approve"), exact=True).check()
        action.get_by_label(label(zh("Citizen told at"))).fill("2026-11-03T08:45")
        action.get_by_label(label(zh("Citizen told by"))).select_option(
            label=zh(FeedbackEntry.Channel.PHONE.label)
        )
        action.get_by_label(label(zh("What the citizen was told"))).fill(
            "办结期限延长15日至12月17日，原因：迁移方案需规划部门会审。"
        )
        submit_action(action, zh("Decide the extension"))
        expect(page.get_by_role("status")).to_contain_text(zh("Extension decided."))
        closure = page.locator("table.clocks tbody tr").filter(has_text="来信来访")
        expect(closure).to_contain_text("+ 15")
        expect(closure).to_contain_text("2026-12-17 24:00")
        expect(page.locator("ol.timeline")).to_contain_text(zh("Extension approved"))
        screenshots(page, "extension-approved")

    assert problems == []
    complaint.refresh_from_db()
    assert (complaint.state, complaint.department, complaint.handler, complaint.variant) == (
        CaseState.ACCEPTED,
        people.j.network,
        people.network_handler,
        "complex",
    )
    extension = ExtensionRequest.objects.get(case=petition)
    assert (extension.decision, extension.decided_by) == (ExtensionRequest.Decision.APPROVED, head)
    assert [path.name for path in screenshots.taken] == [
        "01-department-cases.png",
        "02-transfer-accepted.png",
        "03-marked-complex.png",
        "04-extension-approved.png",
    ]
