"""Which limit a matter gets: by its kind, its channel and its stage (DOMAIN §3), each
selection a policy row citing its regulation.

Calendar facts used (2026): Fri 5 June; Mon 8 – Fri 12 June working; Fri 19 – Sun 21
June the Dragon Boat Festival; no holiday in July.
"""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from deadlines.models import (
    CaseEvent,
    Channel,
    Clock,
    ClockKind,
    EventAction,
    ExtensionRequest,
    FeedbackEntry,
    MatterKind,
    TimeLimitPolicy,
)
from deadlines.selectors.policies import policy_current, policy_for
from deadlines.services.cases import (
    case_accept,
    case_decide_extension,
    case_mark_complex,
    case_record_agreement,
    case_request_extension,
)
from deadlines.services.policies import policy_create, policy_retire
from tests.deadlines.cases.support import fresh
from tests.deadlines.conftest import Cast, at, local, open_case
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def running(case: Any) -> dict[str, Clock]:
    return {
        clock.kind: clock
        for clock in Clock.objects.filter(case=case, stopped_at__isnull=True).select_related(
            "policy"
        )
    }


# -- by channel -----------------------------------------------------------------------


def test_a_web_consultation_on_a_friday_evening_is_answered_in_two_working_days(
    cast: Cast,
) -> None:
    with at(local(6, 5, 19)):
        web = open_case(cast, channel=Channel.WEB, matter_kind=MatterKind.CONSULTATION)
        phone = open_case(cast, channel=Channel.PHONE, matter_kind=MatterKind.CONSULTATION)
    clocks = running(web)
    # Not the phone's 1 hour and 24 hours: Monday 8 and Tuesday 9 June, to 24:00.
    assert set(clocks) == {ClockKind.RESULT}
    assert clocks[ClockKind.RESULT].policy.code == "web-inquiry-reply"
    assert clocks[ClockKind.RESULT].due_at == local(6, 10)
    assert clocks[ClockKind.RESULT].policy.citation.endswith("限时办结制 第五条(五)")
    by_phone = running(phone)
    assert by_phone[ClockKind.FIRST_FEEDBACK].due_at == local(6, 5, 20)
    assert by_phone[ClockKind.RESULT].due_at == local(6, 6, 19)


def test_a_web_complaint_gets_two_working_days_and_a_letter_complaint_the_complaints_two_days(
    cast: Cast,
) -> None:
    with at(local(6, 5, 19)):
        web = open_case(cast, channel=Channel.WEB)
        letter = open_case(cast, channel=Channel.LETTER)
    assert running(web)[ClockKind.RESULT].policy.code == "web-complaint-reply"
    assert running(web)[ClockKind.RESULT].due_at == local(6, 10)
    # A complaint by letter keeps the complaint's 2 calendar days: Saturday 6 and
    # Sunday 7, a rest day, so it rolls to Monday 8 June, 24:00.
    assert running(letter)[ClockKind.RESULT].policy.code == "complaint-result"
    assert running(letter)[ClockKind.RESULT].due_at == local(6, 9)


def test_a_letter_consultation_follows_the_department_rule_not_the_phone_limits(
    cast: Cast,
) -> None:
    with at(local(6, 1, 9)):
        case = open_case(cast, channel=Channel.LETTER, matter_kind=MatterKind.CONSULTATION)
    clocks = running(case)
    assert set(clocks) == {ClockKind.RESULT}
    assert clocks[ClockKind.RESULT].policy.code == "letter-consultation-reply"
    assert clocks[ClockKind.RESULT].due_at == local(6, 5)  # Tue 2 – Thu 4 June, 24:00


def test_the_phone_limits_apply_to_a_visit_and_a_hotline_consultation_too(cast: Cast) -> None:
    for channel in (Channel.VISIT, Channel.HOTLINE):
        with at(local(6, 1, 9)):
            case = open_case(cast, channel=channel, matter_kind=MatterKind.CONSULTATION)
        assert running(case)[ClockKind.RESULT].policy.code == "consultation-result"


# -- complaints: complex, and beyond 7 days the supervising leader ---------------------


@pytest.fixture
def led(cast: Cast) -> Cast:
    cast.service.supervising_leader = cast.leader
    cast.service.save()
    return cast


def test_a_complex_complaint_gets_seven_days_and_more_only_with_the_leaders_approval(
    led: Cast,
) -> None:
    cast = led
    with at(local(6, 1, 10)):
        case = open_case(cast)
        case = case_accept(actor=cast.head, case=case, handler=cast.handler)
    result = running(case)[ClockKind.RESULT]
    assert result.due_at == local(6, 4)  # 2 days: Tue 2 – Wed 3 June, 24:00

    with at(local(6, 2, 9)), pytest.raises(PermissionDenied):
        case_mark_complex(actor=cast.handler, case=case, reason="涉及三个单位。")
    with at(local(6, 2, 9)):
        case = case_mark_complex(actor=cast.head, case=case, reason="涉及三个单位,需现场勘查。")
    result.refresh_from_db()
    # 7 days from the same start: Tue 2 – Mon 8 June, 24:00.
    assert (result.policy.code, result.due_at) == ("complaint-result-complex", local(6, 9))
    event = CaseEvent.objects.get(case=case, action=EventAction.MARK_COMPLEX)
    assert (event.actor, event.reason) == (cast.head, "涉及三个单位,需现场勘查。")
    with at(local(6, 2, 10)), pytest.raises(ValidationError, match="已标记为复杂"):
        case_mark_complex(actor=cast.head, case=case, reason="再标一次")

    # Beyond 7 days: asked with a reason, approved by the supervising leader, not the head.
    with at(local(6, 5, 9)):
        extension = case_request_extension(
            actor=cast.handler, case=case, clock=result, amount=3, reason="等待水质检测报告。"
        )
    decision: dict[str, Any] = {
        "case": fresh(case),
        "extension": extension,
        "approve": True,
        "citizen_told_at": local(6, 5, 9, 30),
        "notice_channel": FeedbackEntry.Channel.PHONE,
        "notice": "因等待检测报告,答复延至6月11日。",
    }
    with at(local(6, 5, 10)), pytest.raises(PermissionDenied, match="承办部门分管领导批准"):
        case_decide_extension(actor=cast.head, **decision)
    with at(local(6, 5, 10)):
        case_decide_extension(actor=cast.leader, **{**decision, "case": fresh(case)})
    result.refresh_from_db()
    assert result.due_at == local(6, 12)  # 10 days: to Thursday 11 June, 24:00
    assert ExtensionRequest.objects.get().decided_by == cast.leader


def test_a_complaint_is_marked_complex_only_before_its_two_days_run_out(cast: Cast) -> None:
    with at(local(6, 1, 10)):
        case = open_case(cast)
    with at(local(6, 4, 0, 1)), pytest.raises(ValidationError, match="此件已超期，仍按超期处理"):
        case_mark_complex(actor=cast.head, case=case, reason="太晚了")
    consultation = open_case(cast, matter_kind=MatterKind.CONSULTATION)
    with pytest.raises(ValidationError, match="只有投诉可以标记为复杂"):
        case_mark_complex(actor=cast.head, case=consultation, reason="复杂")


def test_the_two_day_complaint_limit_cannot_be_extended_but_the_complex_one_can(
    cast: Cast,
) -> None:
    assert not policy_current("complaint-result").extendable
    complex_ = policy_current("complaint-result-complex")
    assert complex_.extension_approver == "supervising_leader"
    assert complex_.max_extension_amount is None  # the regulation sets no bound


# -- petitions ------------------------------------------------------------------------


def test_a_petition_from_the_hotline_is_closed_in_seven_working_days_extendable_by_the_leader(
    led: Cast,
) -> None:
    cast = led
    with at(local(6, 15, 9)):
        case = open_case(cast, channel=Channel.HOTLINE, matter_kind=MatterKind.PETITION)
        case = case_accept(actor=cast.head, case=case, handler=cast.handler)
    closure = running(case)[ClockKind.CLOSURE]
    # Tue 16 – Thu 18, the festival skipped, Mon 22 – Thu 25 June: 7 working days.
    assert (closure.policy.code, closure.due_at) == ("petition-closure-hotline", local(6, 26))
    with at(local(6, 24, 9)):
        extension = case_request_extension(
            actor=cast.handler, case=case, clock=closure, amount=5, reason="涉及范围广。"
        )
        case_decide_extension(
            actor=cast.leader,
            case=fresh(case),
            extension=extension,
            approve=True,
            citizen_told_at=local(6, 24, 9),
            notice_channel=FeedbackEntry.Channel.WRITTEN,
            notice="办理期限延长5个工作日。",
        )
    closure.refresh_from_db()
    assert closure.due_at == local(7, 3)  # five more working days: to Thursday 2 July


def test_a_petition_a_superior_body_transferred_is_marked_so_at_registration(
    cast: Cast,
) -> None:
    with at(local(6, 15, 9)):
        transferred = open_case(
            cast, channel=Channel.LETTER, matter_kind=MatterKind.PETITION, variant="transferred"
        )
        direct = open_case(cast, channel=Channel.LETTER, matter_kind=MatterKind.PETITION)
    assert running(transferred)[ClockKind.CLOSURE].policy.code == "petition-closure-transferred"
    assert running(direct)[ClockKind.CLOSURE].policy.code == "petition-closure"


# -- reports: answered in 7 working days, closed 30 working days after agreement -------


def test_a_reports_closure_runs_from_the_agreement_both_sides_accepted(cast: Cast) -> None:
    with at(local(6, 1, 9)):
        case = open_case(cast, matter_kind=MatterKind.REPORT)
        case = case_accept(actor=cast.head, case=case, handler=cast.handler)
    clocks = running(case)
    assert set(clocks) == {ClockKind.FIRST_FEEDBACK}  # no closure from registration
    assert clocks[ClockKind.FIRST_FEEDBACK].due_at == local(6, 11)  # 7 working days
    with at(local(6, 15, 10)):
        case = case_record_agreement(
            actor=cast.handler, case=case, note="举报人同意由管网所现场整改。"
        )
    closure = running(case)[ClockKind.CLOSURE]
    # 30 working days from Monday 15 June, the festival skipped: Tuesday 28 July, 24:00.
    assert (closure.policy.code, closure.started_at) == ("report-closure", local(6, 15, 10))
    assert closure.due_at == local(7, 29)
    with at(local(6, 16)), pytest.raises(ValidationError, match="双方认可已记录"):
        case_record_agreement(actor=cast.handler, case=case, note="again")


def test_a_simple_real_name_report_is_closed_in_30_days_from_registration(cast: Cast) -> None:
    with at(local(6, 1, 9)):
        case = open_case(cast, matter_kind=MatterKind.REPORT, variant="real_name")
        case = case_accept(actor=cast.head, case=case, handler=cast.handler)
    closure = running(case)[ClockKind.CLOSURE]
    assert (closure.policy.code, closure.due_at) == ("report-closure-real-name", local(7, 2))
    with at(local(6, 10)):
        case_record_agreement(actor=cast.handler, case=case, note="双方认可")
    assert Clock.objects.filter(case=case, kind=ClockKind.CLOSURE).count() == 1


# -- applications: the promised limit from acceptance ---------------------------------


def test_an_accepted_application_without_a_catalogue_item_gets_the_department_rule(
    cast: Cast,
) -> None:
    with at(local(6, 1, 9)):
        case = open_case(cast, matter_kind=MatterKind.APPLICATION, channel=Channel.VISIT)
    assert not running(case)  # registered, not accepted: nothing promised yet
    with at(local(6, 2, 9)):
        case = case_accept(actor=cast.desk, case=case, handler=cast.handler)
    closure = running(case)[ClockKind.CLOSURE]
    assert (closure.policy.code, closure.started_at) == ("application-closure", local(6, 2, 9))
    assert closure.due_at == local(6, 6)  # Wed 3 – Fri 5 June, 24:00
    assert closure.responsible == cast.handler


# -- the selection itself ---------------------------------------------------------------


def test_every_selection_is_a_policy_row_with_its_regulation_and_article(cast: Cast) -> None:
    for policy in TimeLimitPolicy.objects.filter(retired_at__isnull=True):
        assert policy.article, policy.code
        assert policy.regulation_id is not None or policy.basis != "regulation", policy.code
    admin = cast.leader
    admin.is_staff = admin.is_superuser = True
    admin.save()
    client = Client()
    assert client.login(username=admin.username, password=PASSWORD)
    page = client.get(reverse("admin:deadlines_timelimitpolicy_changelist") + "?all=")
    assert page.status_code == 200
    text = page.content.decode()
    for code in ("web-inquiry-reply", "web-complaint-reply", "petition-closure-hotline"):
        assert code in text
    assert "限时办结制 第五条(五)" in text


def test_the_kind_outranks_the_channel_and_the_stage_outranks_both(cast: Cast) -> None:
    def pick(**given: str) -> str:
        policy = policy_for(**given)
        return policy.code if policy else ""

    assert pick(clock_kind="result", matter_kind="complaint", channel="letter") == (
        "complaint-result"
    )
    assert pick(clock_kind="result", matter_kind="complaint", channel="web") == (
        "web-complaint-reply"
    )
    assert pick(clock_kind="result", matter_kind="complaint", channel="web", variant="complex") == (
        "complaint-result-complex"
    )
    assert pick(clock_kind="first_feedback", matter_kind="consultation", channel="web") == ""
    assert pick(clock_kind="closure", matter_kind="report") == ""
    assert pick(clock_kind="closure", matter_kind="report", variant="agreed") == "report-closure"


# -- cases opened before the selection ---------------------------------------------------


def test_start_missing_clocks_starts_an_accepted_applications_limit_from_its_acceptance(
    cast: Cast,
) -> None:
    # An application accepted while no application limit was in force, as before.
    fallback = policy_current("application-closure")
    policy_retire(actor=None, policy=fallback, reason="test: the old selection")
    with at(local(6, 1, 9)):
        case = open_case(cast, matter_kind=MatterKind.APPLICATION, channel=Channel.VISIT)
        case = case_accept(actor=cast.desk, case=case, handler=cast.handler)
        unaccepted = open_case(cast, matter_kind=MatterKind.APPLICATION, channel=Channel.VISIT)
    assert not running(case)
    fields = {
        f.name: getattr(fallback, f.name)
        for f in TimeLimitPolicy._meta.concrete_fields
        if f.name not in {"id", "version", "retired_at", "created_at"}
    }
    policy_create(actor=None, policy=TimeLimitPolicy(**fields), reason="test: the new selection")

    out = StringIO()
    with at(local(6, 3, 12)):
        call_command("start_missing_clocks", stdout=out)
    assert out.getvalue().splitlines() == [
        "Started 1 clocks on open cases:",
        "  application-closure: 1",
    ]
    closure = running(case)[ClockKind.CLOSURE]
    assert (closure.started_at, closure.due_at) == (local(6, 1, 9), local(6, 5))
    assert CaseEvent.objects.filter(case=case, action=EventAction.START_CLOCK).count() == 1
    assert not running(unaccepted)  # never accepted: nothing to start
    again = StringIO()
    call_command("start_missing_clocks", stdout=again)
    assert again.getvalue().strip() == "No open case lacks a clock its time limits call for."


def test_extensions_show_their_approver_and_whether_a_bound_applies(led: Cast) -> None:
    cast = led
    with at(local(6, 1, 10)):
        case = open_case(cast)
        case = case_accept(actor=cast.head, case=case, handler=cast.handler)
        case_mark_complex(actor=cast.head, case=case, reason="复杂")
        page = Client()
        assert page.login(username=cast.handler.username, password=PASSWORD)
        text = page.get(reverse("deadlines:case_detail", args=[case.number])).content.decode()
    # The extension form names who approves and that the regulation sets no bound.
    assert "分管领导批准，无固定上限" in text


# -- the steps on the case page ---------------------------------------------------------


def _client(user: Any) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def test_the_head_marks_a_complaint_complex_on_the_case_page_and_the_handler_cannot(
    cast: Cast,
) -> None:
    with at(local(6, 1, 10)):
        case = open_case(cast)
        case = case_accept(actor=cast.head, case=case, handler=cast.handler)
    detail = reverse("deadlines:case_detail", args=[case.number])
    act = reverse("deadlines:case_act", args=[case.number, "mark_complex"])
    with at(local(6, 2, 9)):
        assert act not in _client(cast.handler).get(detail).content.decode()
        assert act in _client(cast.head).get(detail).content.decode()
        response = _client(cast.head).post(
            act, {"version": case.version, "reason": "涉及三个单位,需现场勘查。"}
        )
    assert response.status_code == 302
    assert running(case)[ClockKind.RESULT].due_at == local(6, 9)
    with at(local(6, 2, 10)):
        page = _client(cast.head).get(detail).content.decode()
    assert act not in page  # marked once
    assert "承办单位负责人标记为复杂投诉" in page  # in the timeline


def test_the_handler_records_the_agreement_on_a_reports_case_page(cast: Cast) -> None:
    with at(local(6, 1, 9)):
        case = open_case(cast, matter_kind=MatterKind.REPORT)
        case = case_accept(actor=cast.head, case=case, handler=cast.handler)
    act = reverse("deadlines:case_act", args=[case.number, "record_agreement"])
    with at(local(6, 15, 10)):
        empty = _client(cast.handler).post(act, {"version": case.version, "note": " "})
        assert empty.status_code == 400
        assert not running(case).get(ClockKind.CLOSURE)
        done = _client(cast.handler).post(
            act, {"version": case.version, "note": "举报人同意由管网所现场整改。"}
        )
    assert done.status_code == 302
    assert running(case)[ClockKind.CLOSURE].due_at == local(7, 29)
