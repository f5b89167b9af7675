"""The case's stored next deadline (issue 24): Case.next_due_at and Case.first_warn_at are
always the earliest due and warning moments of its running clocks, whoever writes the
clocks (the services, a bulk update, a delete) and even when a stale copy of the case is
saved over them; the lists sort, colour and filter by them.

Runs on PostgreSQL and on SQLite: the triggers of migration 0018 exist for both."""

from __future__ import annotations

from datetime import datetime

import pytest
from django.db.models import Min
from django.test import Client
from django.urls import reverse

from deadlines.models import (
    Case,
    Clock,
    ClockKind,
    FeedbackEntry,
    MatterKind,
    Suspension,
    Urgency,
)
from deadlines.selectors.cases import CaseFilters, case_list_for_department
from deadlines.selectors.clocks import Colour, case_colour, cases_of_colour, running_clocks
from deadlines.services.cases import (
    case_accept,
    case_accept_transfer,
    case_close,
    case_decide_extension,
    case_escalate,
    case_log_feedback,
    case_request_extension,
    case_request_review,
    case_resolve,
    case_resume,
    case_start_work,
    case_suspend,
    case_transfer,
)
from tests.deadlines.conftest import Cast, at, local, open_case
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def fresh(case: Case) -> Case:
    return Case.objects.get(pk=case.pk)


def stored(case: Case) -> tuple[datetime | None, datetime | None]:
    row = Case.objects.values("next_due_at", "first_warn_at").get(pk=case.pk)
    return row["next_due_at"], row["first_warn_at"]


def aggregated(case: Case) -> tuple[datetime | None, datetime | None]:
    """The definition: the earliest moments of the case's running clocks."""
    row = Clock.objects.filter(running_clocks(), case=case).aggregate(
        due=Min("due_at"), warn=Min("warn_at")
    )
    return row["due"], row["warn"]


def kept(case: Case) -> tuple[datetime | None, datetime | None]:
    """Asserts the stored moments are the aggregate's and returns them."""
    assert stored(case) == aggregated(case)
    return stored(case)


def test_it_keeps_the_next_deadline_through_a_cases_whole_life(cast: Cast) -> None:
    with at(local(6, 1, 10)):
        case = open_case(cast, matter_kind=MatterKind.PETITION)  # its closure may be extended
    opened = kept(case)
    assert opened[0] is not None  # the first responder's clocks run

    with at(local(6, 1, 11)):
        case_transfer(
            actor=cast.desk,
            case=fresh(case),
            to_department=cast.network,
            handover_note="管网所辖区。",
        )
    transferred = kept(case)
    assert transferred[0] is not None

    with at(local(6, 2, 9)):
        case_accept_transfer(
            actor=cast.network_head, case=fresh(case), handler=cast.network_handler
        )
    kept(case)
    with at(local(6, 2, 10)):
        case_log_feedback(
            actor=cast.desk,
            case=fresh(case),
            audience=FeedbackEntry.Audience.CITIZEN,
            channel=FeedbackEntry.Channel.PHONE,
            content="已告知受理情况。",
        )
    with at(local(6, 2, 11)):
        case_start_work(actor=cast.network_handler, case=fresh(case))
    working = kept(case)
    assert working[0] is not None

    with at(local(6, 3, 10)):
        case_suspend(
            actor=cast.network_handler,
            case=fresh(case),
            kind=Suspension.Kind.TESTING,
            expected_end=local(7, 31),
            place="水质检测中心",
            citizen_notice="检测期间不计入办理时限。",
        )
    # Every clock paused: no due moment runs.
    assert kept(case) == (None, None)

    with at(local(6, 8, 10)):
        case_resume(actor=cast.network_handler, case=fresh(case))
    resumed = kept(case)
    assert resumed[0] is not None
    assert resumed[0] > working[0]  # moved by the pause

    result = Clock.objects.get(case=case, kind=ClockKind.CLOSURE, stopped_at__isnull=True)
    with at(local(6, 8, 11)):
        extension = case_request_extension(
            actor=cast.network_handler,
            case=fresh(case),
            clock=result,
            amount=5,
            reason="需现场勘查。",
        )
    with at(local(6, 8, 12)):
        case_decide_extension(
            actor=cast.network_head,
            case=fresh(case),
            extension=extension,
            approve=True,
            citizen_told_at=local(6, 8, 11, 30),
            notice_channel=FeedbackEntry.Channel.PHONE,
            notice="已电话告知延期及理由。",
        )
    result.refresh_from_db()
    extended = kept(case)[0]
    assert extended is not None
    assert result.due_at is not None
    assert extended <= result.due_at

    with at(local(6, 8, 13)):
        case_escalate(
            actor=cast.network_handler, case=fresh(case), leader=cast.leader, reason="影响较大。"
        )
    kept(case)
    with at(local(6, 8, 14)):
        case_resolve(actor=cast.network_handler, case=fresh(case), resolution="已修复。")
    kept(case)
    with at(local(6, 8, 15)):
        case_close(actor=cast.network_head, case=fresh(case))
    kept(case)
    # Stop every clock that still runs (the callback, the follow-ups) the way a bulk
    # service stops them: a queryset update.
    Clock.objects.filter(case=case, stopped_at__isnull=True).update(stopped_at=local(6, 8, 16))
    assert kept(case) == (None, None)

    with at(local(6, 15, 10)):
        case_request_review(actor=cast.desk, case=fresh(case), reason="对结果有异议。")
    reopened = kept(case)
    assert reopened[0] is not None


def test_it_keeps_the_next_deadline_whoever_writes_the_clocks(cast: Cast) -> None:
    with at(local(6, 1, 10)):
        # Urgent help by phone: a feedback clock and a result clock.
        case = open_case(cast, matter_kind=MatterKind.HELP_REQUEST, urgency=Urgency.URGENT)
        other = open_case(cast, subject="另一件")
    # Restarted in bulk: every clock of the case runs again.
    Clock.objects.filter(case=case).update(stopped_at=None)
    kept(case)
    clocks = list(Clock.objects.filter(case=case).order_by("id"))
    assert len(clocks) >= 2
    first, second = clocks[0], clocks[1]

    # A bulk update of the moments, one clock's moments set by save().
    Clock.objects.filter(pk=first.pk).update(due_at=local(6, 1, 12), warn_at=local(6, 1, 11))
    assert kept(case) == (local(6, 1, 12), local(6, 1, 11))
    second.due_at, second.warn_at = local(6, 1, 11, 30), local(6, 1, 11, 30)
    second.save()
    assert kept(case) == (local(6, 1, 11, 30), local(6, 1, 11))

    # Paused (no due moment): it no longer counts, and its warning moment neither.
    Clock.objects.filter(pk=second.pk).update(due_at=None)
    assert kept(case) == (local(6, 1, 12), local(6, 1, 11))

    # Moved to another case: both cases change.
    Clock.objects.filter(pk=first.pk).update(case=other)
    kept(case)
    assert kept(other)[0] == local(6, 1, 12)

    # Deleted.
    Clock.objects.filter(pk=first.pk).delete()
    kept(other)
    kept(case)

    # Marking a warning or a breach (the scans) leaves them as they are.
    before = kept(case)
    Clock.objects.filter(case=case).update(warned_at=local(6, 1, 13), breached_at=local(6, 1, 13))
    assert kept(case) == before


def test_a_stale_copy_of_the_case_saved_after_its_clocks_changed_keeps_the_truth(
    cast: Cast,
) -> None:
    with at(local(6, 1, 10)):
        case = open_case(cast)
    stale = fresh(case)  # read before the clocks change
    Clock.objects.filter(case=case).update(due_at=local(6, 1, 12))
    stale.subject = "水压不足(补充)"
    stale.save()
    assert kept(case)[0] == local(6, 1, 12)
    # Nor can a write of the fields themselves make them lie.
    Case.objects.filter(pk=case.pk).update(next_due_at=local(1, 1), first_warn_at=None)
    assert kept(case)[0] == local(6, 1, 12)


# -- the lists --------------------------------------------------------------------------


def _cases_with_due(cast: Cast) -> dict[str, Case]:
    """Four accepted complaints whose one running clock is due at set moments, and one
    with nothing running."""
    made: dict[str, Case] = {}
    moments = {
        "red": (local(6, 1, 12), local(6, 1, 11)),
        "yellow": (local(6, 2, 12), local(6, 1, 11)),
        "green soon": (local(6, 3, 12), local(6, 2, 11)),
        "green late": (local(6, 4, 12), local(6, 3, 11)),
    }
    with at(local(6, 1, 10)):
        for name, (due, warn) in moments.items():
            case = case_accept(
                actor=cast.head, case=open_case(cast, subject=name), handler=cast.handler
            )
            clocks = Clock.objects.filter(case=case, stopped_at__isnull=True).order_by("id")
            Clock.objects.filter(case=case).exclude(pk=clocks[0].pk).update(
                stopped_at=local(6, 1, 10)
            )
            Clock.objects.filter(pk=clocks[0].pk).update(due_at=due, warn_at=warn)
            made[name] = case
        ended = open_case(cast, subject="nothing running", matter_kind=MatterKind.COMPLAINT)
        Clock.objects.filter(case=ended).update(stopped_at=local(6, 1, 10))
        made["none"] = ended
    return made


def test_the_lists_sort_colour_and_filter_by_the_stored_moments(cast: Cast) -> None:
    made = _cases_with_due(cast)
    now = local(6, 1, 13)
    listed = list(
        case_list_for_department(
            department=cast.service, filters=CaseFilters(), now=now, viewer=cast.head
        )
    )
    assert [case.subject for case in listed] == [
        "red",
        "yellow",
        "green soon",
        "green late",
        "nothing running",
    ]
    assert [case_colour(case, now) for case in listed] == [
        Colour.RED,
        Colour.YELLOW,
        Colour.GREEN,
        Colour.GREEN,
        None,
    ]
    for colour, filters in (
        (Colour.RED, CaseFilters(overdue=True)),
        (Colour.YELLOW, CaseFilters(at_risk=True)),
    ):
        found = case_list_for_department(
            department=cast.service, filters=filters, now=now, viewer=cast.head
        )
        assert [case.subject for case in found] == [colour.value]
        # The case-level predicate is the clocks' (an Exists over the running clocks).
        by_clocks = Case.objects.filter(cases_of_colour(colour, now, kind__in=list(ClockKind)))
        assert set(by_clocks) == {made[colour.value]}


def test_the_list_page_shows_the_stored_deadline_and_keeps_its_colour(cast: Cast) -> None:
    made = _cases_with_due(cast)
    client = Client()
    client.login(username=cast.head.username, password=PASSWORD)
    with at(local(6, 1, 13)):
        page = client.get(reverse("deadlines:department_cases"), {"overdue": "on"})
    html = page.content.decode()
    assert made["red"].number in html
    assert made["yellow"].number not in html
    assert 'class="light red"' in html
    assert "2026-06-01 12:00" in html
