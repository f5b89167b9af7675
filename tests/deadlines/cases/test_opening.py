"""Opening a case (deadlines.services.cases.opening): the clocks registration starts, by
kind, channel and urgency, with their exact due moments; a unit handed the case at once;
an answer on the spot. The dates and the calendar they rely on: tests/deadlines/cases/support.py.
"""

from __future__ import annotations

from datetime import date, datetime

import pytest

from deadlines.models import (
    CaseState,
    Channel,
    Clock,
    ClockKind,
    MatterKind,
    Urgency,
)
from deadlines.selectors.calendar import calendar_snapshot
from deadlines.services.cases import case_answer
from tests.deadlines.cases.support import fresh, running
from tests.deadlines.conftest import Cast, at, local, open_case

pytestmark = pytest.mark.django_db

K = ClockKind


def test_it_relies_on_these_days_of_the_2026_calendar(cast: Cast) -> None:
    calendar = calendar_snapshot()
    rest = {date(2026, 6, d) for d in (6, 7, 13, 14, 19, 20, 21, 27, 28)} | {
        date(2026, 7, d) for d in (4, 5, 11, 12, 18, 19)
    }
    for day in [date(2026, 6, d) for d in range(1, 31)] + [date(2026, 7, d) for d in range(1, 23)]:
        assert calendar.is_working_day(day) == (day not in rest), day
        assert not calendar.is_provisional(day)


# -- the clocks registration starts -----------------------------------------------------


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


# -- an answer on the spot --------------------------------------------------------------


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
