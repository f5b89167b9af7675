"""Callback and rating after closing (回访, 好差评; DOMAIN §10): the callback clock a
closing starts, the one-time rating link (single use, expiring), the grade recorded from
the callback call, the head's review of a poor grade that reopens the case for rework
within 15 working days with a second callback after it closes again, and a mistaken
grade corrected once (误评)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from deadlines.models import (
    Case,
    CaseEvent,
    CaseState,
    CitizenMessage,
    Clock,
    ClockKind,
    MessageKind,
)
from deadlines.services.cases import (
    CaseConflict,
    case_accept,
    case_close,
    case_name_accused,
    case_resolve,
)
from deadlines.services.messages import message_render
from intake import tasks
from intake.models import (
    CallbackCall,
    CallbackOutcome,
    Rating,
    RatingLink,
    RatingReview,
    RatingSource,
)
from intake.selectors.callback import case_callback_for
from intake.services import callback as service
from intake.services.callback import (
    callback_record,
    rating_correct,
    rating_link_check,
    rating_link_issue,
    rating_review,
)
from tests.deadlines.conftest import Cast, at, local, open_case
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def fresh(case: Case) -> Case:
    return Case.objects.select_related("department").get(pk=case.pk)


def callback_clocks(case: Case) -> list[Clock]:
    return list(
        Clock.objects.filter(case=case, kind=ClockKind.FOLLOW_UP)
        .select_related("policy")
        .order_by("started_at", "id")
    )


FRIDAY_AFTERNOON = local(6, 5, 16)


def closed(cast: Cast, moment: datetime = FRIDAY_AFTERNOON) -> Case:
    """A complaint opened on Monday 1 June, worked and closed by the head at `moment`."""
    with at(local(6, 1, 8)):
        case = open_case(cast)
    return closed_from(cast, case, moment)


def closed_from(cast: Cast, case: Case, moment: datetime = FRIDAY_AFTERNOON) -> Case:
    with at(local(6, 1, 9)):
        case = case_accept(actor=cast.head, case=fresh(case), handler=cast.handler)
    with at(moment - timedelta(hours=1)):
        case = case_resolve(actor=cast.handler, case=fresh(case), resolution="已加压处理。")
    with at(moment):
        return case_close(actor=cast.head, case=fresh(case))


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """The callback requests handed to the message hook."""
    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(service, "callback_request_send", lambda **kw: calls.append(kw))
    return calls


def link_token(case: Case, moment: datetime, sent: list[dict[str, Any]]) -> str:
    """The token of the link the scheduled callback request sent for the case."""
    with at(moment):
        assert tasks.send_callback_requests() == 1
    url = sent[-1]["url"]
    assert sent[-1]["case"].pk == case.pk
    return str(url.rstrip("/").rsplit("/", 1)[-1])


def rate_url(token: str) -> str:
    return reverse("intake:rate", args=[token])


# -- the callback clock ----------------------------------------------------------------------


def test_it_starts_the_callback_clock_when_the_head_closes_the_case(cast: Cast) -> None:
    case = closed(cast, local(6, 5, 16))
    (clock,) = callback_clocks(case)
    assert clock.policy.code == "case-callback"
    assert clock.policy.variant == "after_close"
    # One working day from Friday afternoon: the whole of Monday 8 June.
    assert (clock.started_at, clock.due_at) == (local(6, 5, 16), local(6, 9))
    assert (clock.responsible, clock.department) == (cast.desk, cast.service)
    assert clock.stopped_at is None


def test_it_sends_the_callback_request_once_with_a_link(
    cast: Cast, sent: list[dict[str, Any]]
) -> None:
    case = closed(cast)
    with at(local(6, 5, 16, 5)):
        assert tasks.send_callback_requests() == 1
        assert tasks.send_callback_requests() == 0
    (link,) = RatingLink.objects.filter(case=case)
    assert len(sent) == 1
    assert sent[0]["link"] == link
    token = sent[0]["url"].rstrip("/").rsplit("/", 1)[-1]
    # Only a digest is stored, never the token.
    assert token not in link.token_digest
    assert link.expires_at == local(6, 5, 16, 5) + timedelta(days=7)
    assert link.clock == callback_clocks(case)[0]


def test_the_callback_request_goes_to_the_citizen_once_with_the_link_sealed(
    cast: Cast, settings: Any, tmp_path: Any
) -> None:
    """Without the hook stubbed: the message service gets the callback request, once,
    with the rating link in its text and not in its stored parameters."""
    settings.MESSAGES_BACKEND = "file"
    settings.MESSAGES_DIR = str(tmp_path)
    case = closed(cast)
    with at(local(6, 5, 16, 5)):
        assert tasks.send_callback_requests() == 1
        assert tasks.send_callback_requests() == 0
    (message,) = CitizenMessage.objects.filter(case=case, kind=MessageKind.CALLBACK)
    (link,) = RatingLink.objects.filter(case=case)
    assert message.clock == link.clock
    body, _params = message_render(message)
    token = body.rstrip().rsplit("/rate/", 1)[1].strip("/")
    assert rating_link_check(token, now=local(6, 5, 17)) == link
    assert token not in json.dumps(message.params)


# -- the citizen's link ----------------------------------------------------------------------


def test_the_citizen_rates_through_the_link_once(cast: Cast, sent: list[dict[str, Any]]) -> None:
    case = closed(cast)
    token = link_token(case, local(6, 5, 16, 5), sent)
    client = Client()
    with at(local(6, 6, 20)):
        page = client.get(rate_url(token))
        assert page.status_code == 200
        answer = client.post(rate_url(token), {"grade": "5", "comment": "师傅很负责。"})
    assert answer.status_code == 200
    assert "已记录" in answer.content.decode() or "recorded" in answer.content.decode()
    (rating,) = Rating.objects.filter(case=case)
    assert (rating.grade, rating.source, rating.comment) == (5, RatingSource.LINK, "师傅很负责。")
    assert rating.recorded_by is None
    after = fresh(case)
    assert (after.rating, after.rated_at, after.state) == (5, local(6, 6, 20), CaseState.CLOSED)
    (clock,) = callback_clocks(case)
    assert clock.stopped_at == local(6, 6, 20)
    link = RatingLink.objects.get(case=case)
    assert link.used_at == local(6, 6, 20)

    # Used: neither shown nor accepted again.
    with at(local(6, 6, 20, 1)):
        assert client.get(rate_url(token)).status_code == 410
        again = client.post(rate_url(token), {"grade": "1"})
    assert again.status_code == 410
    assert Rating.objects.filter(case=case).count() == 1
    assert fresh(case).rating == 5


def test_the_rating_link_expires(cast: Cast, sent: list[dict[str, Any]], settings: Any) -> None:
    settings.RATING_LINK_DAYS = 3
    case = closed(cast)
    token = link_token(case, local(6, 5, 17), sent)
    client = Client()
    with at(local(6, 8, 16, 59)):
        assert client.get(rate_url(token)).status_code == 200
    with at(local(6, 8, 17)):
        page = client.get(rate_url(token))
        posted = client.post(rate_url(token), {"grade": "4"})
    assert (page.status_code, posted.status_code) == (410, 410)
    assert not Rating.objects.filter(case=case).exists()
    assert fresh(case).rating is None
    assert callback_clocks(case)[0].stopped_at is None


def test_an_unknown_or_superseded_link_does_not_work(
    cast: Cast, sent: list[dict[str, Any]]
) -> None:
    case = closed(cast)
    first = link_token(case, local(6, 5, 17), sent)
    with at(local(6, 6, 9)):
        _link, second = rating_link_issue(actor=cast.desk, case=case)
        client = Client()
        assert client.get(rate_url("not-a-token")).status_code == 410
        # A new link retires the one not used yet.
        assert client.get(rate_url(first)).status_code == 410
        assert client.get(rate_url(second)).status_code == 200


def test_the_rating_page_works_on_a_phone_and_with_a_screen_reader(
    cast: Cast, sent: list[dict[str, Any]]
) -> None:
    case = closed(cast)
    token = link_token(case, local(6, 5, 17), sent)
    with at(local(6, 6, 9)):
        html = Client().get(rate_url(token)).content.decode()
    assert 'name="viewport" content="width=device-width' in html
    # The five grades are a group with a legend, each radio with its own label.
    assert "<fieldset" in html
    assert "<legend>" in html
    for grade in range(1, 6):
        assert f'value="{grade}"' in html
    assert html.count('type="radio"') == 5
    assert html.count("<label") >= 6  # five grades and the comment
    assert case.number in html
    # No staff detail on the citizen's page.
    assert cast.handler.username not in html


def test_an_empty_grade_is_asked_for_again(cast: Cast, sent: list[dict[str, Any]]) -> None:
    case = closed(cast)
    token = link_token(case, local(6, 5, 17), sent)
    with at(local(6, 6, 9)):
        answer = Client().post(rate_url(token), {"comment": "还行"})
    assert answer.status_code == 200
    assert 'role="alert"' in answer.content.decode() or "errorlist" in answer.content.decode()
    assert RatingLink.objects.get(case=case).used_at is None


# -- staff, from the callback call -----------------------------------------------------------


def test_staff_record_the_grade_from_the_callback_call(
    cast: Cast, sent: list[dict[str, Any]]
) -> None:
    case = closed(cast)
    token = link_token(case, local(6, 5, 17), sent)
    with at(local(6, 8, 10)):
        call = callback_record(
            actor=cast.desk,
            case=case,
            outcome=CallbackOutcome.RATED,
            grade=4,
            comment="基本满意",
            note="电话回访",
        )
    assert call.rating is not None
    assert (call.rating.grade, call.rating.source, call.rating.recorded_by) == (
        4,
        RatingSource.CALL,
        cast.desk,
    )
    assert fresh(case).rating == 4
    assert callback_clocks(case)[0].stopped_at == local(6, 8, 10)
    # The link no longer rates a case already rated since its closing.
    with at(local(6, 8, 11)):
        assert Client().get(rate_url(token)).status_code == 410
        with pytest.raises(CaseConflict):
            callback_record(actor=cast.desk, case=case, outcome=CallbackOutcome.RATED, grade=2)
    event = CaseEvent.objects.filter(case=case, action="rate").get()
    assert (event.actor, event.data["rating"], event.data["source"]) == (cast.desk, 4, "call")


def test_a_call_that_does_not_reach_the_citizen_leaves_the_callback_owed(cast: Cast) -> None:
    case = closed(cast)
    with at(local(6, 8, 10)):
        callback_record(
            actor=cast.desk, case=case, outcome=CallbackOutcome.NOT_REACHED, note="无人接听"
        )
    assert callback_clocks(case)[0].stopped_at is None
    with at(local(6, 8, 15)):
        callback_record(
            actor=cast.desk, case=case, outcome=CallbackOutcome.DECLINED, note="不愿评价"
        )
    assert callback_clocks(case)[0].stopped_at == local(6, 8, 15)
    assert fresh(case).rating is None
    assert list(CallbackCall.objects.filter(case=case).values_list("outcome", flat=True)) == [
        CallbackOutcome.NOT_REACHED,
        CallbackOutcome.DECLINED,
    ]


def test_a_call_without_a_note_or_grade_is_refused(cast: Cast) -> None:
    case = closed(cast)
    with at(local(6, 8, 10)), pytest.raises(ValidationError):
        callback_record(actor=cast.desk, case=case, outcome=CallbackOutcome.DECLINED)
    with at(local(6, 8, 10)), pytest.raises(ValidationError):
        callback_record(actor=cast.desk, case=case, outcome=CallbackOutcome.RATED)
    assert not CallbackCall.objects.exists()


def test_only_staff_who_may_rate_the_case_record_the_callback(cast: Cast) -> None:
    case = closed(cast)
    with at(local(6, 8, 10)), pytest.raises(PermissionDenied):
        callback_record(actor=cast.outsider, case=case, outcome=CallbackOutcome.RATED, grade=5)
    assert fresh(case).rating is None


# -- a poor grade: the head's review, rework and the second callback -------------------------


def test_a_poor_grade_the_head_finds_the_units_fault_is_reworked_and_called_back_again(
    cast: Cast, sent: list[dict[str, Any]]
) -> None:
    case = closed(cast, local(6, 5, 16))
    token = link_token(case, local(6, 5, 17), sent)
    with at(local(6, 8, 9)):
        Client().post(rate_url(token), {"grade": "1", "comment": "水压仍然不足"})
    rating = Rating.objects.get(case=case)
    # The grade alone reopens nothing: it waits for the head.
    assert fresh(case).state == CaseState.CLOSED
    assert case_callback_for(fresh(case)).awaiting_review == rating

    with at(local(6, 8, 10)):
        with pytest.raises(PermissionDenied):
            rating_review(actor=cast.desk, rating=rating, unit_at_fault=True, reason="x")
        with pytest.raises(ValidationError):
            rating_review(actor=cast.head, rating=rating, unit_at_fault=True, reason=" ")
        review = rating_review(
            actor=cast.head, rating=rating, unit_at_fault=True, reason="加压泵未按时检修。"
        )
    assert review.unit_at_fault
    after = fresh(case)
    assert (after.state, after.closed_at) == (CaseState.REOPENED, None)
    rework = Clock.objects.get(case=case, kind=ClockKind.REVIEW, stopped_at__isnull=True)
    # 15 working days from Monday 8 June (Dragon Boat Festival on 19 June not counted):
    # the whole of Tuesday 30 June.
    assert (rework.policy.code, rework.due_at) == ("rework", local(7, 1))
    assert (rework.department, rework.responsible) == (cast.service, cast.handler)
    event = CaseEvent.objects.filter(case=case).order_by("-id").first()
    assert event is not None
    assert (event.from_state, event.to_state, event.reason) == (
        "closed",
        "reopened",
        "加压泵未按时检修。",
    )
    with at(local(6, 8, 11)), pytest.raises(CaseConflict):
        rating_review(actor=cast.head, rating=rating, unit_at_fault=False, reason="再看")

    # Reworked and closed again: a second callback, with a second link.
    with at(local(6, 15, 10)):
        case_resolve(actor=cast.handler, case=fresh(case), resolution="已更换加压泵。")
    with at(local(6, 15, 16)):
        case_close(actor=cast.head, case=fresh(case))
    rework.refresh_from_db()
    assert rework.stopped_at == local(6, 15, 10)
    first, second = callback_clocks(case)
    assert first.stopped_at is not None
    assert (second.started_at, second.due_at, second.stopped_at) == (
        local(6, 15, 16),
        local(6, 17),
        None,
    )
    second_token = link_token(case, local(6, 15, 17), sent)
    assert second_token != token
    with at(local(6, 16, 9)):
        Client().post(rate_url(second_token), {"grade": "5"})
    after = fresh(case)
    assert (after.state, after.rating) == (CaseState.CLOSED, 5)
    assert list(Rating.objects.filter(case=case).values_list("grade", "clock")) == [
        (1, first.pk),
        (5, second.pk),
    ]


def test_a_poor_grade_that_is_not_the_units_fault_stands(cast: Cast) -> None:
    case = closed(cast)
    with at(local(6, 8, 10)):
        call = callback_record(actor=cast.desk, case=case, outcome=CallbackOutcome.RATED, grade=2)
        assert call.rating is not None
        rating_review(
            actor=cast.head,
            rating=call.rating,
            unit_at_fault=False,
            reason="用户不满水价,不属服务问题。",
        )
    after = fresh(case)
    assert (after.state, after.rating) == (CaseState.CLOSED, 2)
    assert not Clock.objects.filter(case=case, kind=ClockKind.REVIEW).exists()
    assert case_callback_for(after).awaiting_review is None


def test_only_a_poor_grade_is_reviewed(cast: Cast) -> None:
    case = closed(cast)
    with at(local(6, 8, 10)):
        call = callback_record(actor=cast.desk, case=case, outcome=CallbackOutcome.RATED, grade=3)
        assert call.rating is not None
        with pytest.raises(ValidationError):
            rating_review(actor=cast.head, rating=call.rating, unit_at_fault=True, reason="x")
    assert not RatingReview.objects.exists()


# -- 误评: a correction, once ----------------------------------------------------------------


def test_a_mistaken_grade_is_corrected_once(cast: Cast) -> None:
    case = closed(cast)
    with at(local(6, 8, 10)):
        call = callback_record(actor=cast.desk, case=case, outcome=CallbackOutcome.RATED, grade=1)
    original = call.rating
    assert original is not None
    with at(local(6, 8, 14)):
        corrected = rating_correct(
            actor=cast.desk, rating=original, grade=5, reason="用户称误点了“非常不满意”。"
        )
    assert (corrected.grade, corrected.source, corrected.corrects) == (
        5,
        RatingSource.CORRECTION,
        original,
    )
    # The original stays on the record; the case carries the corrected grade.
    original.refresh_from_db()
    assert original.grade == 1
    assert fresh(case).rating == 5
    callback = case_callback_for(fresh(case))
    assert (callback.current, callback.awaiting_review, callback.correction_used) == (
        corrected,
        None,
        True,
    )
    with at(local(6, 8, 15)), pytest.raises(CaseConflict) as refused:
        rating_correct(actor=cast.desk, rating=corrected, grade=4, reason="又点错了")
    assert "once" in str(refused.value) or "一次" in str(refused.value)
    assert fresh(case).rating == 5
    assert Rating.objects.filter(case=case).count() == 2


def test_a_correction_needs_a_reason_and_a_different_grade(cast: Cast) -> None:
    case = closed(cast)
    with at(local(6, 8, 10)):
        call = callback_record(actor=cast.desk, case=case, outcome=CallbackOutcome.RATED, grade=1)
        assert call.rating is not None
        with pytest.raises(ValidationError):
            rating_correct(actor=cast.desk, rating=call.rating, grade=5, reason="")
        with pytest.raises(ValidationError):
            rating_correct(actor=cast.desk, rating=call.rating, grade=1, reason="误评")
    assert Rating.objects.filter(case=case).count() == 1


def test_a_grade_the_head_has_reviewed_is_not_corrected(cast: Cast) -> None:
    case = closed(cast)
    with at(local(6, 8, 10)):
        call = callback_record(actor=cast.desk, case=case, outcome=CallbackOutcome.RATED, grade=2)
        assert call.rating is not None
        rating_review(
            actor=cast.head, rating=call.rating, unit_at_fault=False, reason="非本单位原因"
        )
        with pytest.raises(CaseConflict):
            rating_correct(actor=cast.desk, rating=call.rating, grade=5, reason="误评")


# -- the case page -----------------------------------------------------------------------


def signed_in(user: Any) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def test_the_case_page_offers_the_head_the_review_of_a_poor_grade(cast: Cast) -> None:
    case = closed(cast)
    with at(local(6, 8, 10)):
        callback_record(actor=cast.desk, case=case, outcome=CallbackOutcome.RATED, grade=1)
        page = signed_in(cast.head).get(reverse("deadlines:case_detail", args=[case.number]))
    html = page.content.decode()
    assert page.status_code == 200
    rating = Rating.objects.get(case=case)
    assert reverse("intake:rating_review", args=[case.number, rating.pk]) in html
    assert reverse("intake:rating_correct", args=[case.number, rating.pk]) in html


def test_staff_record_the_callback_from_the_case_page(cast: Cast) -> None:
    case = closed(cast)
    client = signed_in(cast.desk)
    with at(local(6, 8, 10)):
        page = client.get(reverse("deadlines:case_detail", args=[case.number]))
        assert reverse("intake:callback_record", args=[case.number]) in page.content.decode()
        answer = client.post(
            reverse("intake:callback_record", args=[case.number]),
            {"outcome": CallbackOutcome.RATED, "grade": "4", "note": "电话回访"},
        )
    assert answer.status_code == 302
    assert fresh(case).rating == 4
    with at(local(6, 8, 11)):
        answer = client.post(
            reverse("intake:rating_link", args=[case.number]),
        )
    # Already rated: no new link, and the refusal is said on the case page.
    assert answer.status_code == 302
    assert not RatingLink.objects.filter(case=case).exists()


def test_the_callback_section_costs_three_queries(
    cast: Cast, django_assert_num_queries: Any
) -> None:
    case = closed(cast)
    with at(local(6, 8, 10)):
        callback_record(actor=cast.desk, case=case, outcome=CallbackOutcome.NOT_REACHED, note="忙")
        callback_record(actor=cast.desk, case=case, outcome=CallbackOutcome.RATED, grade=1)
        rating_correct(actor=cast.desk, rating=Rating.objects.get(case=case), grade=4, reason="误")
    case = fresh(case)
    with django_assert_num_queries(3):
        callback = case_callback_for(case)
        assert len(callback.ratings) == 2
        assert len(callback.calls) == 2
        for rating in callback.ratings:
            _ = rating.corrects, rating.recorded_by


def test_the_citizens_words_on_a_complaint_about_staff_stay_protected(cast: Cast) -> None:
    with at(local(6, 1, 8)):
        case = open_case(cast)
        case_name_accused(
            actor=cast.desk, case=case, accused=[cast.network_handler], reason="投诉抄表员"
        )
    case = closed_from(cast, case)
    with at(local(6, 8, 10)):
        callback_record(
            actor=cast.desk,
            case=case,
            outcome=CallbackOutcome.RATED,
            grade=1,
            comment="抄表员王五态度恶劣",
        )
        leader = signed_in(cast.leader).get(reverse("deadlines:case_detail", args=[case.number]))
        inspector = signed_in(cast.inspector).get(
            reverse("deadlines:case_detail", args=[case.number])
        )
        # The person complained about records no callback on the case about them.
        with pytest.raises(PermissionDenied):
            callback_record(
                actor=cast.network_handler,
                case=case,
                outcome=CallbackOutcome.DECLINED,
                note="x",
            )
    assert leader.status_code == inspector.status_code == 200
    assert "抄表员王五态度恶劣" not in leader.content.decode()
    assert "抄表员王五态度恶劣" in inspector.content.decode()


def test_the_demo_has_a_rated_case_a_reworked_one_and_a_link() -> None:
    out = StringIO()
    # A Wednesday morning, a working day, in the demo's year.
    with at(local(11, 18, 10)):
        for command in ("load_defaults", "demo_seed", "load_catalogue", "demo_cases"):
            call_command(command, verbosity=0)
        call_command("demo_callbacks", stdout=out)
    rated = Case.objects.get(subject="维修后路面未恢复")
    assert (rated.state, rated.rating) == (CaseState.CLOSED, 5)
    reworked = Case.objects.get(subject="水表井盖破损")
    assert (reworked.state, reworked.rating) == (CaseState.REOPENED, 1)
    assert reworked.clocks.filter(
        kind=ClockKind.REVIEW, policy__code="rework", stopped_at__isnull=True
    ).exists()
    token = out.getvalue().strip().rsplit("/intake/rate/", 1)[1].strip("/")
    with at(local(11, 18, 11)):
        assert Client().get(rate_url(token)).status_code == 200
    call_command("demo_callbacks", stdout=StringIO())
    assert Rating.objects.count() == 2
