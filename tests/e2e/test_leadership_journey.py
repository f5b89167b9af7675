"""Leadership's look and decision in a browser (issue 22): 钱副总, who supervises the
service centre, signs in to the dashboard, sees the overdue figure and the cases behind
it, approves from 待我决定 the reassignment the inspection office proposed for a
handler of the service centre (organisational handling: leadership decides, DOMAIN §1),
and reads the half-monthly report the schedule produced.

The cases, the proposal and the report are set up through the services (the desk, the
inspection office, the beat's runs); the leader's part happens on the pages, at a fixed
moment of Beijing time (time_machine, ticking, so the live server sees it too).
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from playwright.sync_api import Page, expect

from deadlines.models import Case, Channel, MatterKind
from deadlines.services.cases import case_open
from oversight.models import PeriodicReport, ReportKind
from oversight.services.figures import figures_refresh
from oversight.services.reports import reports_produce_due
from sanctions.models import (
    DecisionState,
    ResponsibilityKind,
    SanctionDecision,
    SanctionKind,
    ViolationType,
)
from sanctions.services import (
    responsibility_assign,
    sanction_propose,
    violation_confirm,
    violation_raise_finding,
    violation_review,
)
from tests.e2e.conftest import (
    People,
    Screenshots,
    definition,
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


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment of November 2026, Beijing time."""
    return datetime(2026, 11, day, hour, minute, tzinfo=SHANGHAI)


def complaint(people: People, subject: str, *, when: datetime, department: object) -> Case:
    with time_machine.travel(when, tick=False):
        return case_open(
            actor=people.j.desk,
            department=department,  # type: ignore[arg-type]
            channel=Channel.PHONE,
            matter_kind=MatterKind.COMPLAINT,
            subject=subject,
            content="来电投诉。",
            citizen_name="市民",
        )


def proposed_reassignment(people: People) -> SanctionDecision:
    """The office's finding against 李文 (serious poor execution), confirmed, and its
    proposal of rule 6: reassignment, which the leader of the unit decides."""
    inspector = people.inspector
    with time_machine.travel(at(10, 10), tick=False):
        violation = violation_raise_finding(
            actor=inspector,
            type=ViolationType.objects.get(code="poor-execution"),
            finding="多次推迟上门勘察，致报装拖延逾月。",
            staff=people.handler,
            occurred_at=at(9, 9),
            severity="serious",
        )
        violation = violation_review(actor=inspector, violation=violation)
        violation = violation_confirm(actor=inspector, violation=violation, severity="serious")
        answer = responsibility_assign(
            actor=inspector,
            violation=violation,
            person=people.handler,
            kind=ResponsibilityKind.DIRECT,
        )
        return sanction_propose(
            actor=inspector, responsibility=answer, chosen_kinds=[SanctionKind.REASSIGNMENT]
        )


def test_it_takes_a_leader_from_the_dashboard_through_a_decision_to_the_report(
    people: People, page: Page, screenshots: Screenshots
) -> None:
    j = people.j
    problems = watch(page)
    late = [
        complaint(people, "抄表员估抄水量", when=at(3, 9), department=j.service),
        complaint(people, "营业厅排队过长", when=at(3, 10), department=j.service),
    ]
    complaint(people, "消火栓漏水", when=at(16, 9), department=j.network)  # not due yet
    decision = proposed_reassignment(people)
    with time_machine.travel(at(16, 1), tick=False):
        reports_produce_due(now=at(16, 1))  # the beat's run after the half month
    figures_refresh(now=at(17, 8))

    with time_machine.travel(at(17, 9), tick=True):
        # The dashboard is the leader's home: every department, with the decision waiting.
        sign_in(page, people.leader, lands_on="oversight:dashboard")
        expect(page.get_by_role("heading", level=1)).to_contain_text(zh("Dashboard"))
        overdue = page.locator(".tile.red .big")
        expect(overdue).to_have_text("2")
        expect(page.locator(".tile").first.locator(".big")).to_have_text("3")  # open
        expect(page.locator("p.awaiting-decisions")).to_contain_text("1")
        screenshots(page, "dashboard")

        overdue.get_by_role("link", name="2", exact=True).click()
        expect(page.get_by_role("heading", level=1)).to_contain_text(zh("Overdue (red card)"))
        rows = page.locator("table.cases tbody tr")
        expect(rows).to_have_count(2)
        for case in late:
            expect(rows.filter(has_text=case.number)).to_contain_text(j.service.name)
        screenshots(page, "overdue-cases")

        # 待我决定: the office's proposal, which the leader of the unit decides.
        nav_link(page, zh("Awaiting my decision")).click()
        expect(page).to_have_url(url("sanctions:awaiting"))
        row = page.locator("table.awaiting tbody tr")
        expect(row).to_have_count(1)
        expect(row).to_contain_text(people.handler.get_full_name())
        expect(row).to_contain_text(zh(SanctionKind.REASSIGNMENT.label))
        expect(row).to_contain_text(people.inspector.get_full_name())
        screenshots(page, "awaiting")

        row.get_by_role("link").first.click()
        expect(page).to_have_url(url("sanctions:decision", decision.pk))
        expect(definition(page, zh("State"))).to_have_text(zh(DecisionState.PROPOSED.label))
        expect(page.locator("#explanation")).to_contain_text("6")
        action = open_action(page, zh("Approve"))
        submit_action(action, zh("Approve"))
        expect(page.get_by_role("status")).to_contain_text(zh("Approved."))
        expect(definition(page, zh("State"))).to_have_text(zh(DecisionState.APPROVED.label))
        expect(definition(page, zh("Approved or refused"))).to_contain_text(
            people.leader.get_full_name()
        )
        screenshots(page, "approved")

        # The half-monthly report of 1–15 November, kept as the schedule produced it.
        nav_link(page, zh("Reports")).click()
        expect(page).to_have_url(url("oversight:reports"))
        report = PeriodicReport.objects.get(kind=ReportKind.HALF_MONTH)
        listed = page.locator("table.cases tbody tr").filter(has_text="2026-11-01 – 2026-11-15")
        expect(listed).to_contain_text(zh(ReportKind.HALF_MONTH.label))
        expect(listed).to_contain_text(zh("Schedule"))
        screenshots(page, "reports")

        listed.get_by_role("link", name=zh(ReportKind.HALF_MONTH.label)).click()
        expect(page).to_have_url(url("oversight:report", report.pk))
        expect(page.get_by_role("heading", level=1)).to_contain_text("2026-11-01")
        by_department = page.locator("section").filter(
            has=page.get_by_role("heading", name=zh("Cases by department"))
        )
        expect(by_department.locator("tbody tr").filter(has_text=j.service.name)).to_have_count(1)
        screenshots(page, "report")

    assert problems == []
    decision.refresh_from_db()
    assert (decision.state, decision.decided_by) == (DecisionState.APPROVED, people.leader)
    assert [path.name for path in screenshots.taken] == [
        "01-dashboard.png",
        "02-overdue-cases.png",
        "03-awaiting.png",
        "04-approved.png",
        "05-reports.png",
        "06-report.png",
    ]
