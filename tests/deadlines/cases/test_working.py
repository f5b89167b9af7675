"""A case in hand (deadlines.services.cases.working): a suspension pauses every clock and
resuming moves the deadlines by the paused time; extensions, their bounds, approver and
notice to the citizen; the clocks a logged contact stops; the steps other apps record.
The dates and the calendar they rely on: tests/deadlines/cases/support.py.
"""

from __future__ import annotations

import importlib
from datetime import datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.apps import apps as django_apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import override

from deadlines.models import (
    Breach,
    Case,
    CaseEvent,
    CaseState,
    Clock,
    ClockKind,
    ClockPause,
    ExtensionRequest,
    FeedbackEntry,
    MatterKind,
    Urgency,
)
from deadlines.selectors.calendar import calendar_snapshot
from deadlines.services.cases import (
    CaseConflict,
    case_accept,
    case_decide_extension,
    case_escalate,
    case_lapse,
    case_log_feedback,
    case_log_step,
    case_reject,
    case_request_extension,
    case_resume,
    case_suspend,
    case_withdraw,
)
from deadlines.services.clocks import clock_due
from deadlines.services.scans import extensions_flag_untold
from tests.deadlines.cases.support import (
    NOW,
    accepted,
    agreed_report,
    build,
    escalated,
    footprint,
    fresh,
    policies,
    progress_clocks,
    running,
    suspend,
    suspend_kwargs,
    the_running,
)
from tests.deadlines.conftest import Cast, at, local, open_case

pytestmark = pytest.mark.django_db

K = ClockKind
A = FeedbackEntry.Audience
W = FeedbackEntry.Channel


# -- suspensions ------------------------------------------------------------------------


@pytest.mark.usefixtures("frozen_now")
def test_it_records_and_ends_a_suspension(cast: Cast) -> None:
    case = build(cast, CaseState.IN_PROGRESS)
    suspension = case_suspend(actor=cast.handler, case=case, **suspend_kwargs(cast, case))
    assert (suspension.started_by, suspension.started_at, suspension.ended_at) == (
        cast.handler,
        NOW,
        None,
    )
    with time_machine.travel(NOW + timedelta(days=1), tick=False):
        case_resume(actor=cast.head, case=fresh(case))
    suspension.refresh_from_db()
    assert (suspension.ended_by, suspension.ended_at) == (cast.head, NOW + timedelta(days=1))


@pytest.mark.usefixtures("frozen_now")
def test_it_refuses_a_suspension_expected_to_end_in_the_past(cast: Cast) -> None:
    case = build(cast, CaseState.IN_PROGRESS)
    before = footprint(case)
    kwargs = {**suspend_kwargs(cast, case), "expected_end": NOW - timedelta(hours=1)}
    with override("en"), pytest.raises(ValidationError, match="expected end must be after"):
        case_suspend(actor=cast.handler, case=case, **kwargs)
    assert footprint(case) == before


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


def test_a_clock_started_during_a_suspension_waits_for_it_to_end(cast: Cast) -> None:
    case = case_accept(actor=cast.handler, case=open_case(cast))
    case_suspend(
        actor=cast.handler,
        case=case,
        kind="testing",
        expected_end=timezone.now() + timedelta(days=2),
        place="水质检测中心",
        citizen_notice="检测期间不计时",
    )
    case.refresh_from_db()
    case = case_escalate(actor=cast.head, case=case, leader=cast.leader, reason="影响面大")
    progress = list(case.clocks.filter(kind=ClockKind.PROGRESS_REPORT))
    assert len(progress) == 2
    assert all(clock.due_at is None for clock in progress)
    assert all(clock.pauses.filter(ended_at__isnull=True).exists() for clock in progress)
    case_resume(actor=cast.handler, case=case)
    assert all(clock.due_at is not None for clock in case.clocks.filter(kind="progress_report"))


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


# -- feedback ---------------------------------------------------------------------------


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


def test_a_phone_call_tells_a_missed_pledge_but_not_a_refusal(cast: Cast) -> None:
    lapsed = case_lapse(
        case=case_accept(actor=cast.handler, case=open_case(cast)),
        reason="逾期未补齐材料",
        responsible=cast.desk,
    )
    refused = case_reject(actor=cast.desk, case=open_case(cast), reason="不符合条件")
    for case in (lapsed, refused):
        case_log_feedback(
            actor=cast.desk, case=case, audience="citizen", channel="phone", content="已电话告知"
        )
    assert not lapsed.clocks.filter(kind=ClockKind.WRITTEN_NOTICE, stopped_at__isnull=True)
    assert refused.clocks.get(kind=ClockKind.WRITTEN_NOTICE).stopped_at is None


def test_it_restarts_only_the_clock_of_the_audience_reported_to(cast: Cast) -> None:
    case = escalated(cast)
    first = progress_clocks(case)
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
    second = progress_clocks(case)
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
    third = progress_clocks(case)
    assert third["escalated_to_leader"].pk == second["escalated_to_leader"].pk
    assert third["escalated_to_citizen"].pk != second["escalated_to_citizen"].pk
    # Thu 4 … Sat 6 June, a rest day: 24:00 on Mon 8 June.
    assert third["escalated_to_citizen"].due_at == local(6, 9)


# -- steps of other apps ----------------------------------------------------------------


def test_a_step_of_another_app_writes_one_event_and_starts_or_stops_its_clock(
    cast: Cast,
) -> None:
    case = case_accept(actor=cast.handler, case=open_case(cast))
    state, version = case.state, case.version
    case = case_log_step(
        actor=cast.desk,
        case=case,
        action="appointment",
        reason="预约回电",
        start=ClockKind.CALLBACK,
        responsible=cast.handler,
        appointment=7,
    )
    assert (case.state, case.version) == (state, version + 1)
    callback = case.clocks.get(kind=ClockKind.CALLBACK)
    assert (callback.responsible, callback.department) == (cast.handler, cast.service)
    event = case.events.latest("at", "id")
    assert (event.action, event.data) == ("appointment", {"appointment": 7})
    case = case_log_step(
        actor=cast.handler, case=case, action="callback", stop=[ClockKind.CALLBACK]
    )
    callback.refresh_from_db()
    assert callback.stopped_at is not None
    case_withdraw(actor=cast.handler, case=case, reason="市民撤回")
    case.refresh_from_db()
    with pytest.raises(CaseConflict):
        case_log_step(actor=cast.desk, case=case, action="notice")
