"""Clocks as a case moves: which start, stop, pause and move, and the exact due moments.

Due moments follow the Civil Code: the day of the event is not counted, a period ends at
24:00 of its last day (stored as 00:00 of the next day), and a calendar-day period whose
last day is a rest day ends on the next working day. The dates are in June and July 2026;
the calendar facts they rely on are checked in the first test. Calendar (2026):

    June: Mon 1 … Fri 5, Sat 6, Sun 7, Mon 8 … Fri 12, Mon 15 … Thu 18,
          Fri 19 – Sun 21 Dragon Boat Festival, Mon 22 … Fri 26, Mon 29, Tue 30
    July: Wed 1, Thu 2, Fri 3, Sat 4, Sun 5, Mon 6 … Fri 10, Mon 13 … Fri 17, Mon 20 …
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.apps import apps as django_apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import override

from accountability.roles import Role
from deadlines.models import (
    Breach,
    Case,
    CaseEvent,
    CaseState,
    Channel,
    Clock,
    ClockKind,
    ClockPause,
    ExtensionRequest,
    FeedbackEntry,
    MatterKind,
    Suspension,
    Urgency,
)
from deadlines.selectors.calendar import calendar_snapshot
from deadlines.services.cases import (
    case_accept,
    case_accept_transfer,
    case_answer,
    case_assign,
    case_close,
    case_decide_extension,
    case_escalate,
    case_instruct,
    case_log_feedback,
    case_new_lookup_secret,
    case_rate,
    case_record_agreement,
    case_reject,
    case_request_extension,
    case_request_review,
    case_resolve,
    case_resume,
    case_return_transfer,
    case_send_back,
    case_start_work,
    case_supervise,
    case_suspend,
    case_terminate,
    case_transfer,
    case_withdraw,
)
from deadlines.services.clocks import clock_due
from deadlines.services.scans import extensions_flag_untold
from tests.deadlines.conftest import Cast, at, local, open_case
from tests.factories import CaseFactory, StaffFactory, UserFactory

pytestmark = pytest.mark.django_db

K = ClockKind
A = FeedbackEntry.Audience
W = FeedbackEntry.Channel


def fresh(case: Case) -> Case:
    return Case.objects.get(pk=case.pk)


def running(case: Case, kind: str | None = None) -> list[Clock]:
    clocks = Clock.objects.filter(case=case, stopped_at__isnull=True).select_related("policy")
    if kind is not None:
        clocks = clocks.filter(kind=kind)
    return list(clocks.order_by("id"))


def the_running(case: Case, kind: str) -> Clock:
    (clock,) = running(case, kind)
    return clock


def policies(clocks: list[Clock]) -> set[str]:
    return {clock.policy.code for clock in clocks}


def accepted(cast: Cast, moment: datetime, **fields: Any) -> Case:
    """A case opened by the front desk at `moment` and accepted at once for cast.handler."""
    with at(moment):
        case = open_case(cast, **fields)
        return case_accept(actor=cast.head, case=case, handler=cast.handler)


def suspend(cast: Cast, case: Case, moment: datetime) -> None:
    with at(moment):
        case_suspend(
            actor=cast.handler,
            case=fresh(case),
            kind=Suspension.Kind.TESTING,
            expected_end=local(7, 31),
            place="水质检测中心",
            citizen_notice="检测期间不计入办理时限。",
        )


def test_it_relies_on_these_days_of_the_2026_calendar(cast: Cast) -> None:
    calendar = calendar_snapshot()
    rest = {date(2026, 6, d) for d in (6, 7, 13, 14, 19, 20, 21, 27, 28)} | {
        date(2026, 7, d) for d in (4, 5, 11, 12, 18, 19)
    }
    for day in [date(2026, 6, d) for d in range(1, 31)] + [date(2026, 7, d) for d in range(1, 23)]:
        assert calendar.is_working_day(day) == (day not in rest), day
        assert not calendar.is_provisional(day)


# -- opening ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("opened", "first_feedback_due", "result_due"),
    [
        (local(6, 1, 10), local(6, 1, 11), local(6, 2, 10)),
        # Elapsed hours do not stop for the weekend or midnight.
        (local(6, 6, 22, 30), local(6, 6, 23, 30), local(6, 7, 22, 30)),
    ],
)
def test_it_starts_one_hour_feedback_and_24_hour_result_clocks_for_urgent_help_by_phone(
    cast: Cast, opened: datetime, first_feedback_due: datetime, result_due: datetime
) -> None:
    with at(opened):
        case = open_case(
            cast,
            matter_kind=MatterKind.HELP_REQUEST,
            urgency=Urgency.URGENT,
            channel=Channel.PHONE,
        )
    clocks = {clock.kind: clock for clock in running(case)}
    assert set(clocks) == {K.FIRST_FEEDBACK, K.RESULT}
    feedback, result = clocks[K.FIRST_FEEDBACK], clocks[K.RESULT]
    assert feedback.policy.code == "urgent-help-first-feedback"
    assert (feedback.started_at, feedback.due_at) == (opened, first_feedback_due)
    # The first responder owes the first word, on their own department's time.
    assert (feedback.department, feedback.responsible) == (cast.service, cast.desk)
    assert result.policy.code == "urgent-help-result"
    assert (result.started_at, result.due_at) == (opened, result_due)
    assert (result.department, result.responsible) == (cast.service, None)


def test_it_starts_the_consultation_clocks(cast: Cast) -> None:
    with at(local(6, 3, 15)):
        case = open_case(cast, matter_kind=MatterKind.CONSULTATION)
    assert {(c.policy.code, c.due_at) for c in running(case)} == {
        ("consultation-first-feedback", local(6, 3, 16)),
        ("consultation-result", local(6, 4, 15)),
    }


@pytest.mark.parametrize(
    ("opened", "variant", "code", "due"),
    [
        # Tue 2 and Wed 3 June: 24:00 on Wed 3 June.
        (local(6, 1, 10), "", "complaint-result", local(6, 4)),
        # Fri 5 and Sat 6 June; Sat is a rest day, so the period ends on Mon 8 June.
        (local(6, 4, 10), "", "complaint-result", local(6, 9)),
        # A complex complaint: 7 days, Tue 2 … Mon 8 June.
        (local(6, 1, 10), "complex", "complaint-result-complex", local(6, 9)),
    ],
)
def test_it_gives_a_complaint_a_result_clock_of_calendar_days(
    cast: Cast, opened: datetime, variant: str, code: str, due: datetime
) -> None:
    with at(opened):
        case = open_case(cast, variant=variant)
    (clock,) = running(case)
    assert (clock.kind, clock.policy.code, clock.started_at, clock.due_at) == (
        K.RESULT,
        code,
        opened,
        due,
    )


@pytest.mark.parametrize(
    ("opened", "due"),
    [
        # Tue 2 June … Wed 1 July: 24:00 on Wed 1 July.
        (local(6, 1, 10), local(7, 2)),
        # Sat 6 June … Sun 5 July, a rest day: the period ends on Mon 6 July.
        (local(6, 5, 10), local(7, 7)),
    ],
)
def test_it_gives_a_petition_thirty_calendar_days_to_closure(
    cast: Cast, opened: datetime, due: datetime
) -> None:
    with at(opened):
        case = open_case(cast, matter_kind=MatterKind.PETITION, channel=Channel.LETTER)
    (clock,) = running(case)
    assert (clock.kind, clock.policy.code, clock.due_at) == (K.CLOSURE, "petition-closure", due)
    assert (clock.department, clock.responsible) == (cast.service, None)


def test_it_gives_a_unit_handed_the_case_at_once_forty_minutes_to_report_back(
    cast: Cast,
) -> None:
    with at(local(6, 6, 23, 40)):
        case = open_case(
            cast,
            department=cast.network,
            matter_kind=MatterKind.HELP_REQUEST,
            urgency=Urgency.URGENT,
        )
    clocks = {clock.kind: clock for clock in running(case)}
    assert set(clocks) == {K.FIRST_FEEDBACK, K.RESULT, K.UNIT_TO_FIRST_RESPONDER}
    unit = clocks[K.UNIT_TO_FIRST_RESPONDER]
    assert unit.policy.code == "urgent-help-unit-to-first-responder"
    # Forty elapsed minutes, across midnight and on a Saturday.
    assert unit.due_at == local(6, 7, 0, 20)
    assert (unit.department, unit.responsible) == (cast.network, cast.network_head)
    feedback, result = clocks[K.FIRST_FEEDBACK], clocks[K.RESULT]
    assert (feedback.department, feedback.responsible) == (cast.service, cast.desk)
    assert (result.department, result.responsible) == (cast.network, None)


def test_it_starts_no_unit_clock_for_a_case_kept_in_the_first_responders_unit(
    cast: Cast,
) -> None:
    with at(local(6, 1, 10)):
        case = open_case(cast, matter_kind=MatterKind.HELP_REQUEST, urgency=Urgency.URGENT)
    assert not Clock.objects.filter(case=case, kind=K.UNIT_TO_FIRST_RESPONDER).exists()


def test_it_stops_every_clock_when_the_first_responder_answers_on_the_spot(
    cast: Cast,
) -> None:
    with at(local(6, 1, 10)):
        case = open_case(cast, matter_kind=MatterKind.CONSULTATION)
    assert len(running(case)) == 2
    with at(local(6, 1, 10, 15)):
        case_answer(actor=cast.desk, case=case, answer="已当场解答水费标准。")
    after = fresh(case)
    assert (after.state, after.resolved_at, after.closed_at) == (
        CaseState.CLOSED,
        local(6, 1, 10, 15),
        local(6, 1, 10, 15),
    )
    assert running(case) == []
    assert {clock.stopped_at for clock in Clock.objects.filter(case=case)} == {local(6, 1, 10, 15)}


def test_it_hands_the_departments_clocks_to_the_handler_on_accept(cast: Cast) -> None:
    case = accepted(
        cast, local(6, 1, 10), matter_kind=MatterKind.HELP_REQUEST, urgency=Urgency.URGENT
    )
    responsible = {clock.kind: clock.responsible for clock in running(case)}
    # The result is the handler's now; the first word stays the first responder's.
    assert responsible == {K.FIRST_FEEDBACK: cast.desk, K.RESULT: cast.handler}


# -- transfers --------------------------------------------------------------------------


def _transfer(cast: Cast, case: Case, moment: datetime) -> None:
    with at(moment):
        case_transfer(
            actor=cast.desk,
            case=fresh(case),
            to_department=cast.network,
            handover_note="漏水点在管网所辖区。",
        )


def test_it_gives_the_receiving_head_two_working_days_and_the_first_responder_a_follow_up(
    cast: Cast,
) -> None:
    with at(local(6, 4, 9)):
        case = open_case(cast)  # a complaint: no feedback clock of its own
    _transfer(cast, case, local(6, 5, 10))
    acceptance = the_running(case, K.TRANSFER_ACCEPTANCE)
    assert acceptance.policy.code == "transfer-acceptance"
    assert (acceptance.department, acceptance.responsible) == (cast.network, cast.network_head)
    # Working days Mon 8 and Tue 9 June: 24:00 on Tue 9 June.
    assert (acceptance.started_at, acceptance.due_at) == (local(6, 5, 10), local(6, 10))
    follow_up = the_running(case, K.FIRST_FEEDBACK)
    assert follow_up.policy.code == "transfer-follow-up"
    assert (follow_up.department, follow_up.responsible) == (cast.service, cast.desk)
    # Calendar days Sat 6, Sun 7, Mon 8 June: 24:00 on Mon 8 June.
    assert follow_up.due_at == local(6, 9)


@pytest.mark.parametrize("accept", [True, False])
def test_it_stops_the_acceptance_clock_when_the_head_decides(cast: Cast, accept: bool) -> None:
    with at(local(6, 4, 9)):
        case = open_case(cast)
    _transfer(cast, case, local(6, 5, 10))
    acceptance = the_running(case, K.TRANSFER_ACCEPTANCE)
    with at(local(6, 8, 9, 30)):
        if accept:
            case_accept_transfer(
                actor=cast.network_head, case=fresh(case), handler=cast.network_handler
            )
        else:
            case_return_transfer(actor=cast.network_head, case=fresh(case), reason="不属管网所。")
    acceptance.refresh_from_db()
    assert acceptance.stopped_at == local(6, 8, 9, 30)
    assert running(case, K.TRANSFER_ACCEPTANCE) == []
    # The first responder still owes the citizen word.
    assert policies(running(case, K.FIRST_FEEDBACK)) == {"transfer-follow-up"}


def test_it_starts_no_follow_up_while_a_feedback_clock_runs(cast: Cast) -> None:
    with at(local(6, 1, 9)):
        case = open_case(cast, matter_kind=MatterKind.HELP_REQUEST, urgency=Urgency.URGENT)
    _transfer(cast, case, local(6, 1, 9, 5))
    assert policies(running(case, K.FIRST_FEEDBACK)) == {"urgent-help-first-feedback"}
    assert Clock.objects.filter(case=case, kind=K.FIRST_FEEDBACK).count() == 1


def test_it_starts_a_follow_up_once_the_first_feedback_was_given(cast: Cast) -> None:
    with at(local(6, 1, 9)):
        case = open_case(cast, matter_kind=MatterKind.HELP_REQUEST, urgency=Urgency.URGENT)
        case_log_feedback(
            actor=cast.desk,
            case=case,
            audience=A.CITIZEN,
            channel=W.PHONE,
            content="已告知用户正在处理。",
        )
    _transfer(cast, case, local(6, 1, 11))
    follow_up = the_running(case, K.FIRST_FEEDBACK)
    # Thu 2 … Thu 4 June.
    assert (follow_up.policy.code, follow_up.due_at) == ("transfer-follow-up", local(6, 5))


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"matter_kind": MatterKind.CONSULTATION}, "consultation-unit-to-first-responder"),
        (
            {"matter_kind": MatterKind.HELP_REQUEST, "urgency": Urgency.URGENT},
            "urgent-help-unit-to-first-responder",
        ),
    ],
)
def test_it_gives_the_unit_forty_minutes_to_report_to_the_first_responder(
    cast: Cast, fields: dict[str, Any], code: str
) -> None:
    with at(local(6, 1, 9)):
        case = open_case(cast, **fields)
    _transfer(cast, case, local(6, 1, 9, 5))
    with at(local(6, 1, 9, 20)):
        case_accept_transfer(
            actor=cast.network_head, case=fresh(case), handler=cast.network_handler
        )
    unit = the_running(case, K.UNIT_TO_FIRST_RESPONDER)
    assert unit.policy.code == code
    assert (unit.started_at, unit.due_at) == (local(6, 1, 9, 20), local(6, 1, 10))
    assert (unit.department, unit.responsible) == (cast.network, cast.network_handler)
    assert the_running(case, K.RESULT).responsible == cast.network_handler

    with at(local(6, 1, 9, 50)):
        case_log_feedback(
            actor=cast.network_handler,
            case=fresh(case),
            audience=A.FIRST_RESPONDER,
            channel=W.PHONE,
            content="已派员到场。",
        )
    unit.refresh_from_db()
    assert unit.stopped_at == local(6, 1, 9, 50)
    # A report to the first responder is no word to the citizen.
    assert the_running(case, K.FIRST_FEEDBACK).due_at == local(6, 1, 10)


def test_it_starts_no_unit_clock_for_a_complaint_accepted_on_transfer(cast: Cast) -> None:
    with at(local(6, 1, 9)):
        case = open_case(cast)
    _transfer(cast, case, local(6, 1, 9, 5))
    with at(local(6, 1, 9, 20)):
        case_accept_transfer(
            actor=cast.network_head, case=fresh(case), handler=cast.network_handler
        )
    assert not Clock.objects.filter(case=case, kind=K.UNIT_TO_FIRST_RESPONDER).exists()


# -- suspensions ------------------------------------------------------------------------


def test_it_pauses_every_running_clock_while_the_case_is_suspended(cast: Cast) -> None:
    case = accepted(
        cast, local(6, 1, 10), matter_kind=MatterKind.HELP_REQUEST, urgency=Urgency.URGENT
    )
    clocks = running(case)
    assert len(clocks) == 2
    suspend(cast, case, local(6, 1, 10, 30))
    for clock in clocks:
        clock.refresh_from_db()
        assert (clock.due_at, clock.stopped_at) == (None, None)
        pause = ClockPause.objects.get(clock=clock)
        assert (pause.started_at, pause.ended_at) == (local(6, 1, 10, 30), None)


def test_it_moves_a_calendar_day_deadline_by_the_paused_time(cast: Cast) -> None:
    case = accepted(cast, local(6, 1, 10))
    result = the_running(case, K.RESULT)
    assert result.due_at == local(6, 4)
    suspend(cast, case, local(6, 2, 10))
    with at(local(6, 4, 10)):
        case_resume(actor=cast.handler, case=fresh(case))
    result.refresh_from_db()
    # Two days paused: 24:00 on Fri 5 June instead of Wed 3 June.
    assert result.due_at == local(6, 6)
    pause = ClockPause.objects.get(clock=result)
    assert (pause.started_at, pause.ended_at) == (local(6, 2, 10), local(6, 4, 10))


def agreed_report(cast: Cast, moment: datetime) -> Case:
    """A report accepted at `moment`, both sides accepting the proposed handling at once:
    its closure runs from then (seed 002 附件10 §12)."""
    case = accepted(cast, moment, matter_kind=MatterKind.REPORT)
    with at(moment):
        return case_record_agreement(actor=cast.handler, case=case, note="双方认可处理建议。")


def test_it_moves_a_working_day_deadline_by_the_paused_working_days(cast: Cast) -> None:
    case = agreed_report(cast, local(6, 1, 10))
    brief = the_running(case, K.FIRST_FEEDBACK)
    closure = the_running(case, K.CLOSURE)
    # 7 working days, Tue 2 … Wed 10 June; 30 working days, Tue 2 June … Tue 14 July
    # (Fri 19 June is the Dragon Boat Festival).
    assert (brief.policy.code, brief.due_at) == ("report-brief-reply", local(6, 11))
    assert (closure.policy.code, closure.due_at) == ("report-closure", local(7, 15))
    # Paused from Tue 2 June 10:00 to Tue 9 June 10:00: five working days (Tue 2 from
    # 10:00, Wed 3, Thu 4, Fri 5, Mon 8, Tue 9 until 10:00).
    suspend(cast, case, local(6, 2, 10))
    with at(local(6, 9, 10)):
        case_resume(actor=cast.head, case=fresh(case))
    brief.refresh_from_db()
    closure.refresh_from_db()
    # Five working days on: Thu 11, Fri 12, Mon 15, Tue 16, Wed 17 June.
    assert brief.due_at == local(6, 18)
    # Wed 15, Thu 16, Fri 17, Mon 20, Tue 21 July.
    assert closure.due_at == local(7, 22)


# -- extensions -------------------------------------------------------------------------


def _petition(cast: Cast) -> tuple[Case, Clock]:
    """A petition opened on Mon 1 June; its closure is due at 24:00 on Wed 1 July."""
    case = accepted(cast, local(6, 1, 10), matter_kind=MatterKind.PETITION)
    closure = the_running(case, K.CLOSURE)
    assert closure.due_at == local(7, 2)
    return case, closure


def _ask(cast: Cast, case: Case, clock: Clock, amount: int) -> ExtensionRequest:
    return case_request_extension(
        actor=cast.handler, case=fresh(case), clock=clock, amount=amount, reason="需现场勘查。"
    )


def _approve(cast: Cast, case: Case, extension: ExtensionRequest, told: datetime) -> Any:
    return case_decide_extension(
        actor=cast.head,
        case=fresh(case),
        extension=extension,
        approve=True,
        citizen_told_at=told,
        notice_channel=W.PHONE,
        notice="已电话告知延期及理由。",
    )


def test_it_extends_a_calendar_day_clock_in_calendar_days(cast: Cast) -> None:
    # Changed with issue 20: the petition's 30 calendar days used to be extended in the
    # working days of its bound; "20" now means 20 calendar days, the clock's own unit.
    case, closure = _petition(cast)
    with at(local(6, 8, 10)):
        extension = _ask(cast, case, closure, 20)
    assert (extension.unit, extension.due_when_requested, extension.decision) == (
        "calendar_days",
        local(7, 2),
        ExtensionRequest.Decision.PENDING,
    )
    closure.refresh_from_db()
    assert closure.due_at == local(7, 2)  # nothing moves before the decision

    with at(local(6, 8, 11)):
        _approve(cast, case, extension, local(6, 8, 10, 45))
    closure.refresh_from_db()
    # 50 calendar days: Tue 2 June … Tue 21 July (20 working days would have run to
    # Wed 29 July).
    assert closure.due_at == local(7, 22)
    assert closure.extension_amount == 20
    extension.refresh_from_db()
    assert (extension.decision, extension.decided_by, extension.citizen_told_at) == (
        ExtensionRequest.Decision.APPROVED,
        cast.head,
        local(6, 8, 10, 45),
    )


def test_it_rolls_a_calendar_day_extension_ending_on_a_rest_day_to_the_next_working_day(
    cast: Cast,
) -> None:
    case, closure = _petition(cast)
    with at(local(6, 8, 10)):
        _approve(cast, case, _ask(cast, case, closure, 10), local(6, 8, 10))
    closure.refresh_from_db()
    # 40 calendar days end on Sat 11 July, a rest day: the period ends on Mon 13 July.
    assert closure.due_at == local(7, 14)


def test_it_extends_a_limit_in_its_own_unit_when_the_policy_names_no_other(cast: Cast) -> None:
    # A subsidiary petition: 15 calendar days, extensible by up to 30 calendar days.
    case = accepted(cast, local(6, 1, 10), matter_kind=MatterKind.PETITION, variant="subsidiary")
    closure = the_running(case, K.CLOSURE)
    # Tue 2 … Tue 16 June.
    assert (closure.policy.code, closure.due_at) == ("petition-closure-subsidiary", local(6, 17))
    with at(local(6, 8, 10)), override("en"):
        with pytest.raises(
            ValidationError,
            match=r"At most 30 calendar days more .* allows 30 calendar days in all",
        ):
            _ask(cast, case, closure, 31)
        extension = _ask(cast, case, closure, 10)
        assert extension.unit == "calendar_days"
        _approve(cast, case, extension, local(6, 8, 10))
        with pytest.raises(ValidationError, match="At most 20 calendar days more"):
            _ask(cast, case, closure, 21)
    closure.refresh_from_db()
    # 25 calendar days: Tue 2 … Fri 26 June.
    assert closure.due_at == local(6, 27)


def test_it_bounds_a_petitions_extension_by_sixty_working_days_after_its_thirty_days(
    cast: Cast,
) -> None:
    """Seed 001 §5(六)1: at most 60 working days more. Counted from 24:00 on Wed 1 July
    they run to Tue 22 September (Sun 20 September is a make-up working day), which
    is 83 calendar days later: the clock's unit, in which the room is given."""
    case, closure = _petition(cast)
    with at(local(6, 8, 10)):
        with pytest.raises(ValidationError) as refused:
            _ask(cast, case, closure, 84)
        assert refused.value.messages == [
            f"“{closure.policy.name}”最多还可延长 83 日历日：{closure.policy.citation}"
            "规定延长期限总共不得超过 60 工作日，即至 2026-09-22 24:00。"
        ]
        assert "限时办结制 第五条(六)1" in closure.policy.citation
        extension = _ask(cast, case, closure, 10)
        _approve(cast, case, extension, local(6, 8, 10))
        version = fresh(case).version
        with override("en"), pytest.raises(ValidationError, match="At most 73 calendar days more"):
            _ask(cast, case, closure, 74)
        assert fresh(case).version == version
        assert ExtensionRequest.objects.filter(clock=closure).count() == 1
        _approve(cast, case, _ask(cast, case, closure, 73), local(6, 8, 10))
    closure.refresh_from_db()
    assert (closure.extension_amount, closure.due_at) == (83, local(9, 23))


def test_it_applies_an_extension_approved_during_a_suspension_once_it_resumes(
    cast: Cast,
) -> None:
    case, closure = _petition(cast)
    with at(local(6, 8, 10)):
        extension = _ask(cast, case, closure, 10)
    suspend(cast, case, local(6, 9, 10))
    with at(local(6, 10, 10)):
        # No extension can be asked for while the clock is paused…
        with override("en"), pytest.raises(ValidationError, match="The case is suspended"):
            _ask(cast, case, closure, 1)
        # …but one asked for before can be approved.
        _approve(cast, case, extension, local(6, 10, 9))
    closure.refresh_from_db()
    assert (closure.extension_amount, closure.due_at) == (10, None)
    with at(local(6, 11, 10)):
        case_resume(actor=cast.handler, case=fresh(case))
    closure.refresh_from_db()
    # Two days paused move the 30 days to Fri 3 July; ten calendar days more end on
    # Mon 13 July (changed with issue 20: ten working days ran to Fri 17 July).
    assert closure.due_at == local(7, 14)


def test_it_refuses_to_extend_a_stopped_clock(cast: Cast) -> None:
    with at(local(6, 1, 9)):
        case = open_case(cast, matter_kind=MatterKind.HELP_REQUEST, urgency=Urgency.URGENT)
        case = case_accept(actor=cast.head, case=case, handler=cast.handler)
        case_log_feedback(
            actor=cast.desk,
            case=fresh(case),
            audience=A.CITIZEN,
            channel=W.PHONE,
            content="已受理。",
        )
    feedback = Clock.objects.get(case=case, kind=K.FIRST_FEEDBACK)
    with at(local(6, 1, 9, 30)), override("en"), pytest.raises(ValidationError, match="stopped"):
        _ask(cast, case, feedback, 1)


def test_it_converts_extensions_counted_in_the_bounds_unit_to_the_clocks_own(
    cast: Cast,
) -> None:
    """Migration 0012: before issue 20 a petition's extension counted in working days;
    each becomes the fewest calendar days that reach the same deadline."""
    migration = importlib.import_module("deadlines.migrations.0012_extension_in_the_clocks_unit")
    case, closure = _petition(cast)
    with at(local(6, 8, 10)):
        pending = _ask(cast, case, closure, 5)
    # As the old rule stored them: ten working days approved after 24:00 on Wed 1 July
    # (due 24:00 on Wed 15 July), and five more asked for in working days.
    Clock.objects.filter(pk=closure.pk).update(extension_amount=10, due_at=local(7, 16))
    ExtensionRequest.objects.filter(pk=pending.pk).update(unit="working_days")
    migration.convert_extensions(django_apps, None)
    closure.refresh_from_db()
    pending.refresh_from_db()
    assert closure.extension_amount == 14  # Thu 2 … Wed 15 July
    assert clock_due(calendar_snapshot(), closure).at == local(7, 16)
    # Five working days after Wed 15 July run to Wed 22 July: seven calendar days.
    assert (pending.amount, pending.unit) == (7, "calendar_days")


def test_it_refuses_an_extension_asked_for_after_the_deadline(cast: Cast) -> None:
    case, closure = _petition(cast)
    # 24:00 of 1 July is still within the period (red only after it, as on every page).
    with at(local(7, 2)):
        assert _ask(cast, case, closure, 5).amount == 5
    other, late = _petition(cast)
    version = fresh(other).version
    just_after = local(7, 2) + timedelta(microseconds=1)
    with at(just_after), override("en"), pytest.raises(ValidationError, match="deadline passed"):
        _ask(cast, other, late, 5)
    assert fresh(other).version == version
    assert not ExtensionRequest.objects.filter(clock=late).exists()


def test_it_refuses_to_extend_a_limit_its_regulation_does_not_let_extend(cast: Cast) -> None:
    case = accepted(cast, local(6, 1, 10))  # a complaint: 2 days, no extension
    result = the_running(case, K.RESULT)
    with (
        at(local(6, 2, 10)),
        override("en"),
        pytest.raises(ValidationError, match="cannot be extended"),
    ):
        _ask(cast, case, result, 1)
    assert not ExtensionRequest.objects.exists()


def test_it_refuses_a_second_pending_extension_on_the_same_clock(cast: Cast) -> None:
    case, closure = _petition(cast)
    with at(local(6, 8, 10)):
        _ask(cast, case, closure, 5)
        with override("en"), pytest.raises(ValidationError, match="already waiting for a decision"):
            _ask(cast, case, closure, 5)
    assert ExtensionRequest.objects.filter(clock=closure).count() == 1


def test_it_needs_a_note_to_refuse_and_the_notice_to_approve(cast: Cast) -> None:
    case, closure = _petition(cast)
    with at(local(6, 8, 10)):
        extension = _ask(cast, case, closure, 10)
    version = fresh(case).version
    with at(local(6, 8, 11)), override("en"):
        with pytest.raises(ValidationError, match="Say why the extension is refused"):
            case_decide_extension(
                actor=cast.head, case=fresh(case), extension=extension, approve=False, note=" "
            )
        with pytest.raises(ValidationError, match="Record when the citizen was told"):
            case_decide_extension(
                actor=cast.head, case=fresh(case), extension=extension, approve=True
            )
    extension.refresh_from_db()
    assert extension.decision == ExtensionRequest.Decision.PENDING
    assert fresh(case).version == version
    closure.refresh_from_db()
    assert (closure.extension_amount, closure.due_at) == (0, local(7, 2))

    with at(local(6, 8, 11)):
        case_decide_extension(
            actor=cast.head,
            case=fresh(case),
            extension=extension,
            approve=False,
            note="理由不充分。",
        )
    extension.refresh_from_db()
    assert (extension.decision, extension.decision_note) == (
        ExtensionRequest.Decision.REFUSED,
        "理由不充分。",
    )
    closure.refresh_from_db()
    assert (closure.extension_amount, closure.due_at) == (0, local(7, 2))


def test_it_records_the_notice_to_the_citizen_with_the_approval(cast: Cast) -> None:
    case, closure = _petition(cast)
    with at(local(6, 8, 10)):
        extension = _ask(cast, case, closure, 20)
    version = fresh(case).version

    def approve(told: datetime, channel: str, notice: str) -> None:
        case_decide_extension(
            actor=cast.head,
            case=fresh(case),
            extension=extension,
            approve=True,
            citizen_told_at=told,
            notice_channel=channel,
            notice=notice,
        )

    with at(local(6, 9, 11)), override("en"):
        with pytest.raises(ValidationError, match="once it is asked for"):
            approve(local(6, 8, 9), W.PHONE, "已告知。")
        with pytest.raises(ValidationError, match="Say how the citizen was told"):
            approve(local(6, 9, 10), "", "已告知。")
        with pytest.raises(ValidationError, match="Record what the citizen was told"):
            approve(local(6, 9, 10), W.PHONE, " ")
        assert not FeedbackEntry.objects.exists()
        assert fresh(case).version == version
        approve(local(6, 9, 10), W.PHONE, "已电话告知:延期至7月21日,理由是需现场勘查。")
    extension.refresh_from_db()
    entry = FeedbackEntry.objects.get(case=case)
    assert extension.citizen_notice == entry
    assert (entry.audience, entry.channel, entry.at, entry.by, entry.content) == (
        A.CITIZEN,
        W.PHONE,
        local(6, 9, 10),
        cast.head,
        "已电话告知:延期至7月21日,理由是需现场勘查。",
    )
    event = CaseEvent.objects.filter(case=case).latest("id")
    assert (event.action, event.data["notice"], event.data["channel"]) == (
        "approve_extension",
        entry.pk,
        W.PHONE,
    )
    # The notice is the contact the scan for extensions not told looks for.
    assert extensions_flag_untold(now=local(6, 20)).created == 0
    assert not Breach.objects.exists()


def test_it_lets_only_the_head_decide_an_extension(cast: Cast) -> None:
    case, closure = _petition(cast)
    with at(local(6, 8, 10)):
        extension = _ask(cast, case, closure, 10)
        with pytest.raises(PermissionDenied):
            case_decide_extension(
                actor=cast.handler,
                case=fresh(case),
                extension=extension,
                approve=True,
                citizen_told_at=local(6, 8, 9),
            )
    extension.refresh_from_db()
    assert extension.decision == ExtensionRequest.Decision.PENDING


# -- feedback, escalation, instruction --------------------------------------------------


def test_it_stops_the_first_feedback_clock_on_a_word_to_the_citizen(cast: Cast) -> None:
    with at(local(6, 1, 10)):
        case = open_case(cast, matter_kind=MatterKind.HELP_REQUEST, urgency=Urgency.URGENT)
    feedback = the_running(case, K.FIRST_FEEDBACK)
    with at(local(6, 1, 10, 30)):
        case_log_feedback(
            actor=cast.desk, case=case, audience=A.CITIZEN, channel=W.SMS, content="已受理。"
        )
    feedback.refresh_from_db()
    assert feedback.stopped_at == local(6, 1, 10, 30)
    assert policies(running(case)) == {"urgent-help-result"}
    assert CaseEvent.objects.filter(case=case).latest("id").data["clocks_stopped"] == 1


def test_it_stops_the_written_notice_of_a_rejection_only_on_a_written_answer(
    cast: Cast,
) -> None:
    with at(local(6, 4, 10)):
        case = open_case(cast)
        case_reject(actor=cast.desk, case=case, reason="不属于供水服务范围。")
    assert fresh(case).state == CaseState.REJECTED
    notice = the_running(case, K.WRITTEN_NOTICE)
    # Working days Fri 5, Mon 8, Tue 9 June: 24:00 on Tue 9 June.
    assert (notice.policy.code, notice.due_at) == ("rejection-written-notice", local(6, 10))
    assert (notice.department, notice.responsible) == (cast.service, cast.desk)
    assert policies(running(case)) == {"rejection-written-notice"}  # the result clock stopped

    with at(local(6, 5, 9)):
        case_log_feedback(
            actor=cast.desk,
            case=fresh(case),
            audience=A.CITIZEN,
            channel=W.PHONE,
            content="电话告知。",
        )
    notice.refresh_from_db()
    assert notice.stopped_at is None
    with at(local(6, 5, 10)):
        case_log_feedback(
            actor=cast.desk,
            case=fresh(case),
            audience=A.CITIZEN,
            channel=W.WRITTEN,
            content="不予受理告知书已送达。",
        )
    notice.refresh_from_db()
    assert notice.stopped_at == local(6, 5, 10)


def _escalated(cast: Cast) -> Case:
    """A complaint opened on Mon 1 June 10:00 and escalated to the leader at 11:00."""
    case = accepted(cast, local(6, 1, 10))
    with at(local(6, 1, 11)):
        case_escalate(actor=cast.handler, case=fresh(case), leader=cast.leader, reason="影响较大。")
    return case


def _progress(case: Case) -> dict[str, Clock]:
    return {clock.policy.variant: clock for clock in running(case, K.PROGRESS_REPORT)}


def test_it_puts_the_progress_reports_of_an_escalated_case_on_the_clock(cast: Cast) -> None:
    case = _escalated(cast)
    after = fresh(case)
    assert (after.leader, after.handling_mode) == (cast.leader, "escalated")
    progress = _progress(case)
    assert set(progress) == {"escalated_to_leader", "escalated_to_citizen"}
    leader, citizen = progress["escalated_to_leader"], progress["escalated_to_citizen"]
    # Daily to the leader: Tue 2 June. Every three days to the citizen: Tue 2 … Thu 4 June.
    assert (leader.policy.code, leader.due_at) == ("escalated-report-to-leader", local(6, 3))
    assert (citizen.policy.code, citizen.due_at) == ("escalated-report-to-citizen", local(6, 5))
    assert leader.responsible == citizen.responsible == cast.handler


def test_it_restarts_only_the_clock_of_the_audience_reported_to(cast: Cast) -> None:
    case = _escalated(cast)
    first = _progress(case)
    with at(local(6, 2, 9)):
        case_log_feedback(
            actor=cast.handler,
            case=fresh(case),
            audience=A.LEADER,
            channel=W.WRITTEN,
            content="进展汇报。",
        )
    old_leader = Clock.objects.get(pk=first["escalated_to_leader"].pk)
    assert old_leader.stopped_at == local(6, 2, 9)
    second = _progress(case)
    # A new leader's clock from Tue 2 June 09:00: Wed 3 June. The citizen's is untouched.
    assert second["escalated_to_leader"].pk != old_leader.pk
    assert second["escalated_to_leader"].due_at == local(6, 4)
    assert second["escalated_to_citizen"].pk == first["escalated_to_citizen"].pk
    assert second["escalated_to_citizen"].due_at == local(6, 5)

    with at(local(6, 3, 9)):
        case_log_feedback(
            actor=cast.handler,
            case=fresh(case),
            audience=A.CITIZEN,
            channel=W.PHONE,
            content="进展告知。",
        )
    third = _progress(case)
    assert third["escalated_to_leader"].pk == second["escalated_to_leader"].pk
    assert third["escalated_to_citizen"].pk != second["escalated_to_citizen"].pk
    # Thu 4 … Sat 6 June, a rest day: 24:00 on Mon 8 June.
    assert third["escalated_to_citizen"].due_at == local(6, 9)


def test_it_replaces_the_result_clock_with_the_leaders_instructed_limit(cast: Cast) -> None:
    case = _escalated(cast)
    old = the_running(case, K.RESULT)
    with at(local(6, 2, 10)):
        case_instruct(
            actor=cast.leader,
            case=fresh(case),
            instruction="五个工作日内办结。",
            department=cast.service,
            amount=5,
            unit="working_days",
        )
    old.refresh_from_db()
    assert old.stopped_at == local(6, 2, 10)
    new = the_running(case, K.RESULT)
    assert new.policy.code == "leader-instruction"
    assert (new.amount, new.unit) == (5, "working_days")
    # Wed 3, Thu 4, Fri 5, Mon 8, Tue 9 June.
    assert (new.started_at, new.due_at) == (local(6, 2, 10), local(6, 10))
    assert (new.department, new.responsible) == (cast.service, cast.handler)
    assert fresh(case).instruction == "五个工作日内办结。"


def test_it_moves_an_instructed_case_to_the_department_the_leader_names(cast: Cast) -> None:
    case = _escalated(cast)
    with at(local(6, 2, 10)):
        case_instruct(
            actor=cast.leader,
            case=fresh(case),
            instruction="由管网所两日内办结。",
            department=cast.network,
            amount=2,
            unit="calendar_days",
        )
    after = fresh(case)
    assert (after.department, after.handler) == (cast.network, None)
    new = the_running(case, K.RESULT)
    # Wed 3, Thu 4 June.
    assert (new.department, new.responsible, new.due_at) == (cast.network, None, local(6, 5))


def test_it_lets_only_the_cases_leader_instruct(cast: Cast) -> None:
    case = _escalated(cast)
    for actor in (cast.handler, cast.head):
        with at(local(6, 2, 10)), pytest.raises(PermissionDenied):
            case_instruct(
                actor=actor,
                case=fresh(case),
                instruction="五个工作日内办结。",
                department=cast.service,
                amount=5,
                unit="working_days",
            )
    assert the_running(case, K.RESULT).policy.code == "complaint-result"


# -- finishing --------------------------------------------------------------------------


def test_it_stops_result_clocks_on_resolve_and_all_but_first_feedback_on_close(
    cast: Cast,
) -> None:
    case = accepted(
        cast, local(6, 1, 10), matter_kind=MatterKind.HELP_REQUEST, urgency=Urgency.URGENT
    )
    with at(local(6, 1, 10, 10)):
        case_escalate(actor=cast.handler, case=fresh(case), leader=cast.leader, reason="停水面广。")
    result = the_running(case, K.RESULT)
    with at(local(6, 1, 10, 40)):
        case_resolve(actor=cast.handler, case=fresh(case), resolution="已恢复供水。")
    result.refresh_from_db()
    assert result.stopped_at == local(6, 1, 10, 40)
    assert policies(running(case)) == {
        "urgent-help-first-feedback",
        "escalated-report-to-leader",
        "escalated-report-to-citizen",
    }
    with at(local(6, 1, 10, 50)):
        case_close(actor=cast.head, case=fresh(case))
    # The closing owes the citizen a callback (回访, intake.services.callback).
    assert policies(running(case)) == {"urgent-help-first-feedback", "case-callback"}
    stopped = Clock.objects.filter(case=case, kind=K.PROGRESS_REPORT)
    assert {clock.stopped_at for clock in stopped} == {local(6, 1, 10, 50)}


def test_it_keeps_a_closure_clock_running_until_the_case_is_closed(cast: Cast) -> None:
    case = agreed_report(cast, local(6, 1, 10))
    with at(local(6, 3, 10)):
        case_resolve(actor=cast.handler, case=fresh(case), resolution="已查实并处理。")
    assert policies(running(case)) == {"report-brief-reply", "report-closure"}
    with at(local(6, 3, 11)):
        case_close(actor=cast.head, case=fresh(case))
    assert policies(running(case)) == {"report-brief-reply", "case-callback"}
    assert fresh(case).closed_at == local(6, 3, 11)


def _closed(cast: Cast) -> Case:
    case: Case = CaseFactory(
        state=CaseState.CLOSED,
        department=cast.service,
        first_responder=cast.desk,
        handler=cast.handler,
        closed_at=local(6, 5, 16),
    )
    return case


@pytest.mark.parametrize("rating", [1, 2])
def test_it_reopens_for_rework_on_a_poor_rating_caused_by_the_unit(cast: Cast, rating: int) -> None:
    case = _closed(cast)
    with at(local(6, 8, 10)):
        case_rate(actor=cast.desk, case=case, rating=rating, caused_by_unit=True)
    after = fresh(case)
    assert (after.state, after.rating, after.closed_at) == (CaseState.REOPENED, rating, None)
    rework = the_running(case, K.REVIEW)
    # 15 working days: Tue 9 … Fri 12, Mon 15 … Thu 18, Mon 22 … Fri 26, Mon 29, Tue 30 June.
    assert (rework.policy.code, rework.due_at) == ("rework", local(7, 1))
    assert (rework.department, rework.responsible) == (cast.service, cast.handler)
    event = CaseEvent.objects.get(case=case)
    assert (event.action, event.from_state, event.to_state) == ("rate", "closed", "reopened")


@pytest.mark.parametrize(("rating", "caused_by_unit"), [(2, False), (1, False), (3, True)])
def test_it_does_not_reopen_on_a_rating_that_calls_for_no_rework(
    cast: Cast, rating: int, caused_by_unit: bool
) -> None:
    case = _closed(cast)
    with at(local(6, 8, 10)):
        case_rate(actor=cast.desk, case=case, rating=rating, caused_by_unit=caused_by_unit)
    after = fresh(case)
    assert (after.state, after.rating, after.closed_at) == (
        CaseState.CLOSED,
        rating,
        local(6, 5, 16),
    )
    assert not Clock.objects.filter(case=case).exists()


def test_it_starts_the_thirty_day_review_clock_on_a_review_request(cast: Cast) -> None:
    case = _closed(cast)
    with at(local(6, 5, 10)):
        case_request_review(actor=cast.desk, case=case, reason="用户对处理结果有异议。")
    after = fresh(case)
    assert (after.state, after.closed_at) == (CaseState.REOPENED, None)
    review = the_running(case, K.REVIEW)
    # Sat 6 June … Sun 5 July, a rest day: 24:00 on Mon 6 July.
    assert (review.policy.code, review.due_at) == ("review-reply", local(7, 7))
    assert (review.department, review.responsible) == (cast.service, cast.handler)

    with at(local(6, 10, 10)):
        case_resolve(actor=cast.handler, case=fresh(case), resolution="复查维持原结果。")
    review.refresh_from_db()
    assert review.stopped_at == local(6, 10, 10)


@pytest.mark.parametrize(
    "end",
    [
        lambda cast, case: case_terminate(actor=cast.head, case=case, reason="用户失联。"),
        lambda cast, case: case_withdraw(actor=cast.desk, case=case, reason="用户撤回。"),
    ],
    ids=["terminate", "withdraw"],
)
def test_it_stops_every_clock_when_the_case_ends_even_while_suspended(
    cast: Cast, end: Callable[[Cast, Case], Any]
) -> None:
    case = accepted(
        cast, local(6, 1, 10), matter_kind=MatterKind.HELP_REQUEST, urgency=Urgency.URGENT
    )
    suspend(cast, case, local(6, 1, 10, 30))
    with at(local(6, 1, 12)):
        end(cast, fresh(case))
    assert running(case) == []
    assert not ClockPause.objects.filter(clock__case=case, ended_at__isnull=True).exists()
    assert not Suspension.objects.filter(case=case, ended_at__isnull=True).exists()


# -- one event and one version per service ----------------------------------------------


def test_it_writes_one_event_and_one_version_per_service(cast: Cast) -> None:
    handler2 = StaffFactory(
        user=UserFactory(username="handler2", roles=[Role.HANDLER]), department=cast.service
    ).user
    with time_machine.travel(local(6, 1, 9), tick=False) as traveller:
        case = open_case(cast, matter_kind=MatterKind.PETITION)
        assert fresh(case).version == 1
        opened = CaseEvent.objects.get(case=case)
        assert (opened.action, opened.from_state, opened.to_state, opened.actor) == (
            "open",
            "",
            "registered",
            cast.desk,
        )
        extension: list[ExtensionRequest] = []

        def ask(c: Case) -> None:
            extension.append(
                case_request_extension(
                    actor=handler2,
                    case=c,
                    clock=the_running(c, K.CLOSURE),
                    amount=5,
                    reason="需现场勘查。",
                )
            )

        steps: list[tuple[str, Callable[[Case], Any]]] = [
            ("accept", lambda c: case_accept(actor=cast.head, case=c, handler=cast.handler)),
            ("assign", lambda c: case_assign(actor=cast.head, case=c, handler=handler2)),
            ("start_work", lambda c: case_start_work(actor=handler2, case=c)),
            (
                "supervise",
                lambda c: case_supervise(
                    actor=cast.head, case=c, supervisor=cast.inspector, reason="跟踪督办。"
                ),
            ),
            (
                "escalate",
                lambda c: case_escalate(
                    actor=handler2, case=c, leader=cast.leader, reason="重大。"
                ),
            ),
            (
                "feedback",
                lambda c: case_log_feedback(
                    actor=handler2, case=c, audience=A.LEADER, channel=W.WRITTEN, content="汇报。"
                ),
            ),
            (
                "instruct",
                lambda c: case_instruct(
                    actor=cast.leader,
                    case=c,
                    instruction="十日内办结。",
                    department=cast.service,
                    amount=10,
                    unit="calendar_days",
                ),
            ),
            ("request_extension", ask),
            (
                "approve_extension",
                lambda c: case_decide_extension(
                    actor=cast.head,
                    case=c,
                    extension=extension[0],
                    approve=True,
                    citizen_told_at=extension[0].requested_at,
                    notice_channel=W.PHONE,
                    notice="已电话告知延期5日及理由。",
                ),
            ),
            (
                "suspend",
                lambda c: case_suspend(
                    actor=handler2,
                    case=c,
                    kind=Suspension.Kind.HEARING,
                    expected_end=local(6, 3),
                    place="会议室",
                    citizen_notice="听证期间不计时。",
                ),
            ),
            ("resume", lambda c: case_resume(actor=handler2, case=c)),
            (
                "transfer",
                lambda c: case_transfer(
                    actor=cast.head, case=c, to_department=cast.network, handover_note="转办。"
                ),
            ),
            (
                "accept_transfer",
                lambda c: case_accept_transfer(
                    actor=cast.network_head, case=c, handler=cast.network_handler
                ),
            ),
            (
                "resolve",
                lambda c: case_resolve(actor=cast.network_handler, case=c, resolution="已处理。"),
            ),
            (
                "send_back",
                lambda c: case_send_back(actor=cast.network_head, case=c, reason="缺少照片。"),
            ),
            (
                "resolve",
                lambda c: case_resolve(actor=cast.network_handler, case=c, resolution="已补充。"),
            ),
            ("close", lambda c: case_close(actor=cast.network_head, case=c)),
            (
                "rate",
                lambda c: case_rate(actor=cast.desk, case=c, rating=5, caused_by_unit=False),
            ),
            (
                "request_review",
                lambda c: case_request_review(actor=cast.desk, case=c, reason="有异议。"),
            ),
            (
                "terminate",
                lambda c: case_terminate(actor=cast.network_head, case=c, reason="用户失联。"),
            ),
        ]
        for action, call in steps:
            traveller.shift(600)
            _one_event_and_version(case, action, call)

        other = open_case(cast)
        traveller.shift(600)
        _one_event_and_version(
            other, "new_lookup_secret", lambda c: case_new_lookup_secret(actor=cast.desk, case=c)
        )
        for action, call in [
            (
                "transfer",
                lambda c: case_transfer(
                    actor=cast.desk, case=c, to_department=cast.network, handover_note="转办。"
                ),
            ),
            (
                "return_transfer",
                lambda c: case_return_transfer(actor=cast.network_head, case=c, reason="误转。"),
            ),
            ("reject", lambda c: case_reject(actor=cast.desk, case=c, reason="不予受理。")),
        ]:
            traveller.shift(600)
            _one_event_and_version(other, action, call)

        third = open_case(cast)
        traveller.shift(600)
        _one_event_and_version(
            third, "withdraw", lambda c: case_withdraw(actor=cast.desk, case=c, reason="撤回。")
        )

        fourth = open_case(cast, matter_kind=MatterKind.CONSULTATION)
        traveller.shift(600)
        _one_event_and_version(
            fourth, "answer", lambda c: case_answer(actor=cast.desk, case=c, answer="已解答。")
        )


def _one_event_and_version(case: Case, action: str, call: Callable[[Case], Any]) -> None:
    before = fresh(case)
    events = CaseEvent.objects.filter(case=case).count()
    call(before)
    after = fresh(case)
    assert after.version == before.version + 1, action
    assert CaseEvent.objects.filter(case=case).count() == events + 1, action
    event = CaseEvent.objects.filter(case=case).latest("id")
    assert (event.action, event.from_state, event.to_state) == (
        action,
        before.state,
        after.state,
    )
