"""The printed papers carry the utility's name and letterhead from the organisation
settings, cite regulations by title and article, and show nothing internal (issue 22,
"Papers"): the receipt, the one-time notice, the written refusal, the warning notice
and the reminder notice, each of the demo's own, rendered as its readers see it."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta
from html.parser import HTMLParser
from io import StringIO
from typing import Any

import pytest
import time_machine
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from accountability.models import AuditEntry, OrganisationProfile, Regulation
from deadlines.models import Case, Reminder
from deadlines.selectors.cases import promised_clock
from deadlines.services.scans import clocks_breach_due, reminders_issue_due
from intake.models import OneTimeNotice, RejectionFiling
from intake.selectors.desk import awaited_limit
from sanctions.models import SanctionDecision
from sanctions.selectors import decision_counted_records

pytestmark = pytest.mark.django_db

# A Wednesday morning, a working day, in the demo's year (as tests/accountability/
# test_no_internal_codes.py builds it).
FROZEN_AT = "2026-11-18 10:00:00+08:00"
PASSWORD = "demo-2026"
# Who may read a paper differs by paper: the first of these who is shown it reads it.
READERS = ("inspector", "desk", "service_head", "handler", "leader", "inspection_head")
SHORT_MARK = re.compile(r"v\d+|#\d+")
DEMO_COMMANDS = (
    "load_defaults",
    "demo_seed",
    "load_catalogue",
    "demo_cases",
    "demo_front_desk",
    "demo_outages",
    "demo_sanctions",
)


@dataclass
class Paper:
    name: str
    url: str
    citations: list[str]
    """Regulations the paper cites, as 《title》article."""
    codes: list[str]
    """Internal codes of the objects the paper is about, none of which may show."""
    text: str = ""
    reader: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def _build_demo() -> None:
    for command in DEMO_COMMANDS:
        call_command(command, stdout=StringIO())
    # The demo's first-feedback clocks run out before noon; the scan issues the reminder
    # notice the day after the miss.
    clocks_breach_due(now=timezone.now() + timedelta(hours=3))
    reminders_issue_due(now=timezone.now() + timedelta(days=1))


def _policy_codes(policy: Any) -> list[str]:
    codes = [policy.code, f"{policy.code}, v{policy.version}", f"v{policy.version}"]
    if policy.service_item_code:
        codes.append(policy.service_item_code)
    if policy.regulation is not None:
        codes.append(policy.regulation.code)
    return codes


def _papers() -> list[Paper]:
    papers: list[Paper] = []
    # The receipt of a case whose receipt states a time limit.
    for case in Case.objects.order_by("pk"):
        clock = promised_clock(case)
        policy = clock.policy if clock is not None else awaited_limit(case)
        if policy is not None and policy.regulation is not None:
            codes = _policy_codes(policy)
            if case.service_item_code:
                codes.append(case.service_item_code)
            papers.append(
                Paper(
                    "receipt",
                    reverse("intake:receipt", args=[case.number]),
                    [policy.citation],
                    codes,
                )
            )
            break
    notice = OneTimeNotice.objects.select_related("service_item").get()
    item = notice.content["item"]
    papers.append(
        Paper(
            "one-time notice",
            reverse("intake:notice", args=[notice.number]),
            [f"《{Regulation.objects.get(code='window-service-rules').title}》附件6"],
            [item["code"], f"v{item['version']}", "window-service-rules"],
        )
    )
    filing = RejectionFiling.objects.select_related("case").get()
    papers.append(
        Paper(
            "written refusal",
            reverse("intake:rejection", args=[filing.case.number]),
            [f"《{Regulation.objects.get(code='window-service-rules').title}》附件6 第六条"],
            ["window-service-rules"],
        )
    )
    decision = (
        SanctionDecision.objects.filter(notice_number__gt="")
        .select_related("rule__regulation", "violation__type__regulation")
        .order_by("pk")
        .first()
    )
    assert decision is not None
    vtype = decision.violation.type
    # A written warning: the self-criticism is due within 7 days, by its regulation.
    assert decision.self_criticism_due_at is not None
    discipline = Regulation.objects.get(code="efficiency-discipline")
    citations = [
        decision.rule.citation,
        vtype.citation,
        f"《{discipline.title}》效能违规教育制度 三3",
    ]
    papers.append(
        Paper(
            "warning notice",
            reverse("sanctions:warning_notice", args=[decision.pk]),
            citations,
            [
                vtype.code,
                decision.rule.regulation.code,
                vtype.regulation.code,
                "efficiency-discipline",
                *(f"#{row['id']}" for row in decision.counted),
            ],
        )
    )
    reminder = Reminder.objects.select_related("breach__clock__policy__regulation").first()
    assert reminder is not None, "the scan issued no reminder notice in the demo"
    policy = reminder.breach.clock.policy
    papers.append(
        Paper(
            "reminder notice",
            reverse("deadlines:reminder_detail", args=[reminder.pk]),
            [policy.citation],
            _policy_codes(policy),
        )
    )
    assert [paper.name for paper in papers] == [
        "receipt",
        "one-time notice",
        "written refusal",
        "warning notice",
        "reminder notice",
    ]
    return papers


def _read(paper: Paper) -> Paper:
    for username in READERS:
        client = Client()
        assert client.login(username=username, password=PASSWORD)
        response = client.get(paper.url)
        if response.status_code == 200:
            paper.text, paper.reader = response.content.decode(), username
            return paper
    raise AssertionError(f"nobody of {READERS} is shown the {paper.name} at {paper.url}")


class _Sheet(HTMLParser):
    """The text of the printed sheet (the element of class "paper") and whether it holds a
    button, a form or a navigation, which would print."""

    VOID = {"br", "hr", "img", "input", "link", "meta", "source", "wbr"}

    def __init__(self) -> None:
        super().__init__()
        self.depth = 0  # inside the sheet when > 0
        self.controls: list[str] = []
        self.chunks: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        classes = (dict(attrs).get("class") or "").split()
        if self.depth:
            if tag in {"button", "form", "nav", "select", "textarea"}:
                self.controls.append(tag)
            if tag not in self.VOID:
                self.depth += 1
        elif "paper" in classes and tag not in self.VOID:
            self.depth = 1

    def handle_endtag(self, tag: str) -> None:
        if self.depth and tag not in self.VOID:
            self.depth -= 1

    def handle_data(self, data: str) -> None:
        if self.depth:
            self.chunks.append(data)

    @property
    def text(self) -> str:
        return _squash("".join(self.chunks))


def _squash(text: str) -> str:
    """Runs of white space (the letterhead's full-width spaces too) as one space."""
    return re.sub(r"\s+", " ", text)


def _sheet(html: str) -> _Sheet:
    sheet = _Sheet()
    sheet.feed(html)
    assert sheet.chunks, "no printed sheet (class paper) on the page"
    return sheet


def _demo_papers() -> list[Paper]:
    return [_read(paper) for paper in _papers()]


def test_it_heads_every_paper_with_the_organisation_and_cites_regulations_by_title() -> None:
    with time_machine.travel(FROZEN_AT, tick=False):
        _build_demo()
        profile = OrganisationProfile.objects.get()
        papers = _demo_papers()
    assert profile.name == "示范市水务集团有限公司"  # set by demo_seed
    assert profile.letterhead_lines
    failures = []
    for paper in papers:
        sheet = _sheet(paper.text)
        expected = [profile.name, *profile.letterhead_lines, *paper.citations]
        if paper.name != "warning notice":  # sealed by the inspection office
            expected.append(profile.seal)
        failures += [
            f"{paper.name}: no {text!r}" for text in expected if _squash(text) not in sheet.text
        ]
        for code in paper.codes:
            # A short mark ("v1", "#12") could be anything outside the sheet: asked of the
            # sheet; a code, of the whole page.
            if code in (sheet.text if SHORT_MARK.fullmatch(code) else paper.text):
                failures.append(f"{paper.name}: shows {code!r}")
        failures += [f"{paper.name}: prints a {tag}" for tag in sheet.controls]
        if 'href="/static/css/paper.css"' not in paper.text:
            failures.append(f"{paper.name}: without the paper's stylesheet")
        # No regulation is named by its code anywhere on the page.
        for code in Regulation.objects.values_list("code", flat=True):
            if code in paper.text:
                failures.append(f"{paper.name}: names the regulation {code}")
    assert not failures, "\n".join(failures)


def test_it_prints_what_the_administrator_changes_and_the_defaults_without_settings() -> None:
    with time_machine.travel(FROZEN_AT, tick=False):
        _build_demo()
        profile = OrganisationProfile.objects.get()
        old_name = profile.name
        admin = Client()
        assert admin.login(username="admin", password=PASSWORD)
        response = admin.post(
            reverse("admin:accountability_organisationprofile_change", args=[profile.pk]),
            {
                "name": "清河市自来水有限公司",
                "short_name": "清河自来水",
                "address": "清河市解放路8号",
                "postcode": "123000",
                "hotline": "96116",
                "website": "water.qinghe.example.cn",
                "letterhead_extra": "传真：0418-1234567",
                "seal_caption": "清河市自来水有限公司（业务专用章）",
            },
        )
        assert response.status_code == 302, response.content.decode()[:2000]
        entry = AuditEntry.objects.get(action="organisation.change")
        assert entry.actor is not None
        assert entry.actor.username == "admin"
        assert entry.before is not None
        assert entry.before["name"] == old_name
        assert entry.after is not None
        assert entry.after["name"] == "清河市自来水有限公司"
        papers = _demo_papers()
        for paper in papers:
            sheet = _sheet(paper.text).text
            assert "清河市自来水有限公司" in sheet, paper.name
            assert old_name not in paper.text, paper.name
            for line in ("地址：清河市解放路8号", "邮编：123000", "服务热线：96116"):
                assert line in sheet, (paper.name, line)
            assert "网址：water.qinghe.example.cn" in sheet, paper.name
            assert "传真：0418-1234567" in sheet, paper.name
            if paper.name == "warning notice":
                assert "清河市自来水有限公司监察室（盖章）" in sheet
            else:
                assert "清河市自来水有限公司（业务专用章）" in sheet, paper.name

        # Without a settings row the papers carry the defaults, never an empty head.
        OrganisationProfile.objects.all().delete()
        for paper in papers:
            sheet = _sheet(_read(paper).text).text
            assert "某某市自来水有限公司" in sheet, paper.name
            assert "清河" not in sheet, paper.name


def test_it_prints_the_paper_alone_on_a4() -> None:
    css = (settings.BASE_DIR / "static" / "css" / "paper.css").read_text(encoding="utf-8")
    printed = css[css.index("@media print") :]
    assert re.search(r"@page\s*\{\s*size:\s*A4", printed)
    hidden = printed[: printed.index("display: none")]
    for selector in (".site-header", ".no-print", "button", "form", ".messages"):
        assert selector in hidden, selector


def test_it_prints_the_records_a_warning_counted_by_day_never_by_number() -> None:
    decision = SanctionDecision(
        counted=[
            {"kind": "decision", "id": 41, "at": "2026-09-02T02:00:00+00:00", "label": "口头告诫"},
            {"kind": "violation", "id": 7, "at": "2026-03-31T17:30:00+00:00", "label": "超时"},
        ]
    )
    with translation.override("zh-hans"):
        records = decision_counted_records(decision)
    assert [(r.kind, f"{r.on:%Y-%m-%d}", r.label) for r in records] == [
        ("违规记录", "2026-04-01", "超时"),  # 01:30 in Beijing
        ("决定", "2026-09-02", "口头告诫"),
    ]
