"""The staff pages: lists with filters and pinned query counts, and the case page with
its clocks, timeline and the actions the viewer may take."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.test import Client
from django.urls import reverse

from deadlines.diagram import case_state_diagram
from deadlines.models import CaseEvent, CaseState, ClockKind, MatterKind, Urgency
from deadlines.services.cases import (
    case_accept,
    case_escalate,
    case_request_extension,
    case_resolve,
    case_start_work,
)
from tests.deadlines.conftest import Cast, open_case
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
# Monday 1 June 2026, 09:00: an ordinary working week.
MONDAY = datetime(2026, 6, 1, 9, tzinfo=SHANGHAI)


def signed_in(user: Any) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def page_of(client: Client, url: str, params: dict[str, Any] | None = None) -> str:
    response = client.get(url, params or {})
    assert response.status_code == 200
    return response.content.decode()


def detail(number: str) -> str:
    return reverse("deadlines:case_detail", args=[number])


def act(number: str, action: str) -> str:
    return reverse("deadlines:case_act", args=[number, action])


def test_it_shows_a_case_with_each_clocks_due_moment_and_colour(cast: Cast) -> None:
    with time_machine.travel(MONDAY, tick=False):
        case = open_case(cast)  # a complaint: result within 2 calendar days
    client = signed_in(cast.handler)
    # Due at 24:00 on Wednesday 3 June; the yellow card comes one day before.
    with time_machine.travel(MONDAY + timedelta(hours=1), tick=False):
        page = page_of(client, detail(case.number))
    assert "2026-06-03 24:00" in page  # its last day, never 00:00 of the next
    assert "2026-06-04 00:00" not in page
    assert 'class="light green"' in page
    assert "水压不足" in page
    with time_machine.travel(datetime(2026, 6, 3, 1, tzinfo=SHANGHAI), tick=False):
        assert 'class="light yellow"' in page_of(client, detail(case.number))
    with time_machine.travel(datetime(2026, 6, 4, 0, 1, tzinfo=SHANGHAI), tick=False):
        page = page_of(client, detail(case.number))
    assert 'class="light red"' in page
    assert "超时" in page


def test_it_offers_only_the_actions_the_viewer_may_take(cast: Cast) -> None:
    case = open_case(cast)
    case = case_accept(actor=cast.handler, case=case)
    case = case_start_work(actor=cast.handler, case=case)
    handler_page = page_of(signed_in(cast.handler), detail(case.number))
    assert act(case.number, "resolve") in handler_page
    assert act(case.number, "suspend") in handler_page
    assert act(case.number, "close") not in handler_page
    assert act(case.number, "terminate") not in handler_page

    case_resolve(actor=cast.handler, case=case, resolution="已加压")
    head_page = page_of(signed_in(cast.head), detail(case.number))
    assert act(case.number, "close") in head_page
    assert act(case.number, "send_back") in head_page
    assert act(case.number, "resolve") not in head_page
    desk_page = page_of(signed_in(cast.desk), detail(case.number))
    assert act(case.number, "close") not in desk_page
    assert act(case.number, "feedback") in desk_page


def test_it_keeps_cases_from_people_who_have_no_business_with_them(cast: Cast) -> None:
    case = open_case(cast)
    assert signed_in(cast.outsider).get(detail(case.number)).status_code == 403
    assert signed_in(cast.inspector).get(detail(case.number)).status_code == 200
    assert signed_in(cast.handler).get(detail("2026-999999")).status_code == 404


def test_it_runs_an_action_and_shows_it_in_the_timeline(cast: Cast) -> None:
    case = open_case(cast)
    client = signed_in(cast.head)
    response = client.post(
        act(case.number, "accept"), {"version": case.version, "handler": cast.handler.pk}
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == CaseState.ACCEPTED
    assert case.handler == cast.handler
    page = page_of(client, detail(case.number))
    assert "已受理" in page  # the event, in the timeline
    assert CaseEvent.objects.filter(case=case, action="accept", actor=cast.head).exists()


def test_it_keeps_the_entries_and_explains_when_a_form_is_incomplete(cast: Cast) -> None:
    case = open_case(cast)
    response = signed_in(cast.desk).post(
        act(case.number, "transfer"), {"version": case.version, "handover_note": "请管网所处理"}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "请管网所处理" in page
    assert "这个字段是必填项" in page
    case.refresh_from_db()
    assert case.state == CaseState.REGISTERED


def test_it_reports_a_conflict_when_someone_else_acted_first(cast: Cast) -> None:
    case = open_case(cast)
    shown_version = case.version
    case_accept(actor=cast.handler, case=case)
    response = signed_in(cast.head).post(
        act(case.number, "withdraw"), {"version": shown_version, "reason": "市民来电撤回"}
    )
    assert response.status_code == 409
    page = response.content.decode()
    assert "已被他人修改" in page
    assert "市民来电撤回" in page  # the entry is kept
    case.refresh_from_db()
    assert case.state == CaseState.ACCEPTED


def test_it_explains_a_refusal_by_the_rules(cast: Cast) -> None:
    with time_machine.travel(MONDAY, tick=False):
        case = case_accept(actor=cast.handler, case=open_case(cast))
    clock = case.clocks.get(kind="result")
    with time_machine.travel(MONDAY + timedelta(hours=2), tick=False):
        response = signed_in(cast.handler).post(
            act(case.number, "request_extension"),
            {"version": case.version, "clock": clock.pk, "amount": 2, "reason": "需现场勘查"},
        )
    assert response.status_code == 400
    page = response.content.decode()
    assert "不得延期" in page
    assert "需现场勘查" in page


def test_it_offers_an_extension_only_on_the_clocks_that_can_be_extended_in_their_unit(
    cast: Cast,
) -> None:
    with time_machine.travel(MONDAY, tick=False):
        complaint = case_accept(actor=cast.handler, case=open_case(cast))
        petition = open_case(cast, matter_kind=MatterKind.PETITION)
        petition = case_accept(actor=cast.head, case=petition, handler=cast.handler)
        # Escalated: two progress-report clocks run beside the closure; neither extends.
        case_escalate(actor=cast.handler, case=petition, leader=cast.leader, reason="重大。")
    client = signed_in(cast.handler)
    with time_machine.travel(MONDAY + timedelta(hours=1), tick=False):
        # A complaint's 2 days cannot be extended: the action is not offered at all.
        assert act(complaint.number, "request_extension") not in page_of(
            client, detail(complaint.number)
        )
        page = page_of(client, detail(petition.number))
    assert act(petition.number, "request_extension") in page
    select = re.search(r'<select name="clock".*?</select>', page, re.S)
    assert select is not None
    closure = petition.clocks.get(kind=ClockKind.CLOSURE)
    options = re.findall(r'<option value="(\d+)"[^>]*>([^<]*)</option>', select.group())
    assert options == [
        (
            str(closure.pk),
            f"{closure.policy.name}（30 日历日，截止 2026-07-01 24:00；"
            "延期由承办部门负责人批准，总共不超过 60 工作日）",
        )
    ]
    assert "延长时间（日历日）" in page


def test_it_records_the_notice_to_the_citizen_from_the_decision_form(cast: Cast) -> None:
    with time_machine.travel(MONDAY, tick=False):
        petition = open_case(cast, matter_kind=MatterKind.PETITION)
        petition = case_accept(actor=cast.head, case=petition, handler=cast.handler)
        closure = petition.clocks.get(kind=ClockKind.CLOSURE)
        extension = case_request_extension(
            actor=cast.handler, case=petition, clock=closure, amount=20, reason="需现场勘查"
        )
    petition.refresh_from_db()
    client = signed_in(cast.head)
    with time_machine.travel(MONDAY + timedelta(hours=2), tick=False):
        decision = {
            "version": petition.version,
            "extension": extension.pk,
            "approve": "yes",
            "citizen_told_at": "2026-06-01T10:30",
            "notice_channel": "sms",
        }
        refused = client.post(act(petition.number, "decide_extension"), decision)
        assert refused.status_code == 400
        assert "请填写告知服务对象的内容" in refused.content.decode()
        response = client.post(
            act(petition.number, "decide_extension"),
            decision | {"notice": "短信告知:延期20日至7月21日,理由是需现场勘查。"},
        )
    assert response.status_code == 302
    extension.refresh_from_db()
    assert extension.citizen_notice is not None
    assert (extension.citizen_notice.channel, extension.citizen_notice.at) == (
        "sms",
        datetime(2026, 6, 1, 10, 30, tzinfo=SHANGHAI),
    )
    closure.refresh_from_db()
    assert closure.due_at == datetime(2026, 7, 22, tzinfo=SHANGHAI)


def test_it_refuses_an_action_the_person_may_not_take(cast: Cast) -> None:
    case = case_accept(actor=cast.handler, case=open_case(cast))
    response = signed_in(cast.desk).post(
        act(case.number, "terminate"), {"version": case.version, "reason": "无法联系"}
    )
    assert response.status_code == 403
    case.refresh_from_db()
    assert case.state == CaseState.ACCEPTED


def _open_many(cast: Cast, count: int, **fields: Any) -> None:
    for _ in range(count):
        case_accept(actor=cast.handler, case=open_case(cast, **fields))


@pytest.mark.parametrize("url_name", ["deadlines:my_cases", "deadlines:department_cases"])
def test_it_lists_a_page_of_cases_in_a_fixed_number_of_queries(
    cast: Cast, url_name: str, django_assert_num_queries: Any
) -> None:
    client = signed_in(cast.handler)
    _open_many(cast, 3)
    page_of(client, reverse(url_name))  # warm the session and the calendar
    # Session, user, roles, staff profile (department list only), count, page, and the
    # header's notification count.
    expected = 6 if url_name == "deadlines:my_cases" else 7
    with django_assert_num_queries(expected):
        small = page_of(client, reverse(url_name))
    _open_many(cast, 27)
    with django_assert_num_queries(expected):
        full = page_of(client, reverse(url_name))
    assert small.count("<tr>") == 3 + 1
    assert full.count("<tr>") == 25 + 1  # one page, and its header
    assert "第 1 页,共 2 页" in full


def test_it_filters_the_department_list(cast: Cast) -> None:
    with time_machine.travel(MONDAY, tick=False):
        complaint = case_accept(actor=cast.handler, case=open_case(cast, subject="投诉甲"))
        urgent = open_case(
            cast,
            subject="紧急求助乙",
            matter_kind=MatterKind.HELP_REQUEST,
            urgency=Urgency.URGENT,
        )
        consultation = open_case(cast, subject="咨询丙", matter_kind=MatterKind.CONSULTATION)
    client = signed_in(cast.head)
    url = reverse("deadlines:department_cases")
    # Monday 20:30: the urgent help's first feedback (1 h) and the consultation's (1 h)
    # have passed; the complaint's result (Wednesday 24:00) has not.
    with time_machine.travel(datetime(2026, 6, 1, 20, 30, tzinfo=SHANGHAI), tick=False):
        overdue = page_of(client, url, {"overdue": "on"})
        at_risk = page_of(client, url, {"at_risk": "on"})
        accepted = page_of(client, url, {"state": "accepted"})
        by_kind = page_of(client, url, {"matter_kind": "consultation"})
        by_urgency = page_of(client, url, {"urgency": "urgent"})
    assert urgent.subject in overdue
    assert consultation.subject in overdue
    assert complaint.subject not in overdue
    # At risk is yellow, as the rows colour it: the urgent help is red (its first
    # feedback is overdue), the complaint green (its result is due Wednesday 24:00).
    assert urgent.subject not in at_risk
    assert complaint.subject not in at_risk
    assert complaint.subject in accepted
    assert urgent.subject not in accepted
    assert consultation.subject in by_kind
    assert complaint.subject not in by_kind
    assert urgent.subject in by_urgency
    assert complaint.subject not in by_urgency


def test_it_lets_leadership_pick_any_department(cast: Cast) -> None:
    case = open_case(cast, department=cast.network, subject="管网漏水")
    page = page_of(
        signed_in(cast.leader), reverse("deadlines:department_cases"), {"department": "network"}
    )
    assert case.subject in page
    # A head sees their own department whatever the link asks for.
    page = page_of(
        signed_in(cast.head), reverse("deadlines:department_cases"), {"department": "network"}
    )
    assert case.subject not in page


def test_the_state_diagram_in_docs_is_the_one_the_code_draws() -> None:
    committed = (Path(settings.BASE_DIR) / "docs" / "case-states.md").read_text(encoding="utf-8")
    assert committed == case_state_diagram(), "run: python manage.py case_diagram"
    assert "registered --> accepted: accept" in committed


def test_the_first_responder_answers_on_the_spot_and_the_case_still_counts(cast: Cast) -> None:
    case = open_case(cast, matter_kind=MatterKind.CONSULTATION, subject="营业厅几点下班")
    refused = signed_in(cast.handler).post(
        act(case.number, "answer"), {"version": case.version, "answer": "16:30"}
    )
    assert refused.status_code == 403
    response = signed_in(cast.desk).post(
        act(case.number, "answer"),
        {"version": case.version, "answer": "请向燃气公司咨询", "referred_to": "燃气公司 96777"},
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == CaseState.CLOSED
    assert case.referred_to == "燃气公司 96777"
    assert not case.clocks.filter(stopped_at__isnull=True).exists()
    assert CaseEvent.objects.filter(case=case, action="answer", actor=cast.desk).exists()


def test_a_matter_handed_at_once_to_another_unit_puts_that_unit_on_the_40_minute_clock(
    cast: Cast,
) -> None:
    with time_machine.travel(MONDAY, tick=False):
        case = open_case(
            cast,
            department=cast.network,
            matter_kind=MatterKind.HELP_REQUEST,
            urgency=Urgency.URGENT,
        )
    clock = case.clocks.get(kind="unit_to_first_responder")
    assert clock.due_at == MONDAY + timedelta(minutes=40)
    assert clock.responsible == cast.network_head
    assert case.clocks.get(kind="first_feedback").due_at == MONDAY + timedelta(hours=1)
