"""/api/v1/cases/: the list client systems sync from (filters, cursor pages,
updated_since) and one case with its deadlines and public timeline; never an identity."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.test import Client
from django.utils import timezone, translation

from accountability.models import ApiScope
from deadlines.apis import CaseDetailSerializer
from deadlines.models import CaseState, ClockKind, EventAction, MatterKind, Suspension
from deadlines.selectors.clocks import Colour, clock_status
from deadlines.selectors.public import PUBLIC_ACTIONS, PUBLIC_CLOCKS, case_public_get
from deadlines.services.cases import case_accept, case_assign, case_suspend
from tests.api_support import api_client, call, reset_throttles
from tests.deadlines.conftest import Cast, open_case

pytestmark = pytest.mark.django_db

LIST = "/api/v1/cases/"


@pytest.fixture(autouse=True)
def _fresh_throttles() -> None:
    reset_throttles()


@pytest.fixture(autouse=True)
def _a_working_morning() -> Iterator[None]:
    """The clock starts on a Wednesday morning, whatever the real date: a case opened
    then is green, as it might not be if it were opened on a Saturday night."""
    with time_machine.travel(datetime(2026, 6, 3, 9, tzinfo=ZoneInfo("Asia/Shanghai"))):
        yield


@pytest.fixture
def token(cast: Cast) -> str:
    return api_client([ApiScope.CASES_READ], rate="10000/min")[1]


def _all_pages(token: str, url: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    next_url: str | None = url
    while next_url:
        response = call(token, next_url)
        assert response.status_code == 200, response.content
        body = response.json()
        rows += body["results"]
        next_url = body["next"]
    return rows


def test_it_lists_cases_without_protected_identities(cast: Cast, token: str) -> None:
    case = open_case(cast, citizen_address="幸福路8号", citizen_account="WA-778899")
    case_accept(actor=cast.handler, case=case)
    response = call(token, LIST)
    assert response.status_code == 200
    text = response.content.decode()
    for secret in ("张三", "13800000000", "幸福路8号", "WA-778899", "水压不足", "三楼以上"):
        assert secret not in text
    for staff in (cast.desk, cast.handler, cast.head):
        assert staff.username not in text
        assert staff.first_name not in text
    row = response.json()["results"][0]
    assert row["number"] == case.number
    assert row["state"] == CaseState.ACCEPTED
    assert row["department"] == {"code": "service", "name": cast.service.name}
    assert set(row) == {
        "number", "kind", "state", "state_display", "channel", "urgency", "service_item",
        "department", "opened_at", "updated_at", "resolved_at", "closed_at", "next_due_at",
        "next_due_display", "overdue",
    }  # fmt: skip


def test_it_filters_by_state_department_and_kind(cast: Cast, token: str) -> None:
    accepted = case_accept(actor=cast.handler, case=open_case(cast))
    network = open_case(cast, department=cast.network, matter_kind=MatterKind.HELP_REQUEST)
    numbers = lambda query: {row["number"] for row in _all_pages(token, LIST + query)}  # noqa: E731
    assert numbers("?state=accepted") == {accepted.number}
    assert numbers("?state=open") == {accepted.number, network.number}
    assert numbers("?department=network") == {network.number}
    assert numbers("?kind=help_request") == {network.number}
    assert numbers("?kind=complaint&department=service") == {accepted.number}


def test_it_filters_overdue_cases(cast: Cast, token: str) -> None:
    late = open_case(cast)
    with time_machine.travel(timezone.now() + timedelta(days=60)):
        fresh = open_case(cast)
        overdue = {row["number"] for row in _all_pages(token, LIST + "?overdue=true")}
        on_time = {row["number"] for row in _all_pages(token, LIST + "?overdue=false")}
    assert overdue == {late.number}
    assert on_time == {fresh.number}


def test_it_answers_400_for_a_bad_filter(cast: Cast, token: str) -> None:
    response = call(token, LIST + "?state=sleeping&updated_since=yesterday")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert {"state", "updated_since"} <= set(error["details"])


def test_it_pages_with_a_cursor_in_order_of_change(cast: Cast, token: str) -> None:
    cases = [open_case(cast) for _ in range(5)]
    # The first case changes last, so a sync sees it at the end.
    case_accept(actor=cast.handler, case=cases[0])
    rows = _all_pages(token, LIST + "?page_size=2")
    assert [row["number"] for row in rows] == [c.number for c in cases[1:]] + [cases[0].number]
    stamps = [row["updated_at"] for row in rows]
    assert stamps == sorted(stamps)


def test_it_syncs_changes_since_a_moment(cast: Cast, token: str) -> None:
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        old, changed = open_case(cast), open_case(cast)
    with time_machine.travel(start + timedelta(hours=1), tick=False):
        case_assign(
            actor=cast.head,
            case=case_accept(actor=cast.handler, case=changed),
            handler=cast.handler,
            reason="分工",
        )
    since = (start + timedelta(minutes=30)).isoformat()
    rows = _all_pages(token, LIST + "?" + f"updated_since={since}".replace("+", "%2B"))
    assert [row["number"] for row in rows] == [changed.number]
    assert old.number not in {row["number"] for row in rows}


def test_it_reads_a_page_in_a_fixed_number_of_queries(
    cast: Cast, token: str, django_assert_num_queries: Any
) -> None:
    call(token, LIST)  # the first call records last_used_at
    for rows in (2, 20):
        while len(call(token, LIST + "?page_size=50").json()["results"]) < rows:
            open_case(cast)
        with django_assert_num_queries(2):  # the client, the page
            response = call(token, LIST + "?page_size=50")
        assert len(response.json()["results"]) == rows


def test_it_shows_a_case_with_its_deadlines_and_public_timeline(cast: Cast, token: str) -> None:
    case = case_accept(actor=cast.handler, case=open_case(cast))
    case_assign(actor=cast.head, case=case, handler=cast.handler, reason="内部分工")
    response = call(token, f"/api/v1/cases/{case.number}/")
    assert response.status_code == 200
    body = response.json()
    assert body["number"] == case.number
    assert [step["action"] for step in body["timeline"]] == ["open", "accept"]  # no "assign"
    kinds = {clock["kind"] for clock in body["clocks"]}
    assert "result" in kinds
    assert "unit_to_first_responder" not in kinds
    for clock in body["clocks"]:
        assert clock["colour"] == "green"
        assert clock["remaining_seconds"] > 0
        assert clock["due_at"]
    text = response.content.decode()
    for secret in ("张三", "13800000000", "水压不足", "内部分工", cast.handler.username):
        assert secret not in text


def test_it_colours_an_overdue_clock_red(cast: Cast, token: str) -> None:
    case = open_case(cast)
    with time_machine.travel(timezone.now() + timedelta(days=60)):
        body = call(token, f"/api/v1/cases/{case.number}/").json()
    result = next(clock for clock in body["clocks"] if clock["kind"] == "result")
    assert result["colour"] == "red"
    assert result["remaining_seconds"] < 0


def test_it_answers_404_for_an_unknown_case(cast: Cast, token: str) -> None:
    response = call(token, "/api/v1/cases/2020-999999/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_it_reads_a_case_in_a_fixed_number_of_queries(
    cast: Cast, token: str, django_assert_num_queries: Any
) -> None:
    case = open_case(cast)
    url = f"/api/v1/cases/{case.number}/"
    call(token, url)  # records last_used_at
    # the client; the case with its clocks and its events
    with django_assert_num_queries(2):
        assert call(token, url).status_code == 200


def test_it_reads_a_suspended_case_as_the_orm_does(cast: Cast, token: str) -> None:
    # The status comes from one hand-written statement; the ORM is the reference.
    case = case_accept(actor=cast.handler, case=open_case(cast))
    case_suspend(
        actor=cast.handler,
        case=case,
        kind=Suspension.Kind.TESTING,
        expected_end=timezone.now() + timedelta(days=3),
        place="水质检测中心",
        citizen_notice="检测期间不计入办理时限。",
    )
    body = call(token, f"/api/v1/cases/{case.number}/").json()
    case.refresh_from_db()

    def moment(value: datetime) -> str:
        return timezone.localtime(value).isoformat()

    assert (body["state"], body["opened_at"], body["updated_at"]) == (
        CaseState.SUSPENDED,
        moment(case.opened_at),
        moment(case.updated_at),
    )
    events = case.events.filter(action__in=PUBLIC_ACTIONS).order_by("at", "id")
    assert [(step["action"], step["at"]) for step in body["timeline"]] == [
        (event.action, moment(event.at)) for event in events
    ]
    assert [step["action"] for step in body["timeline"]] == ["open", "accept", "suspend"]
    paused = case.clocks.filter(stopped_at__isnull=True, kind__in=PUBLIC_CLOCKS)
    assert sorted(clock["kind"] for clock in body["clocks"]) == sorted(c.kind for c in paused)
    assert body["clocks"]
    for clock in body["clocks"]:
        assert (clock["due_at"], clock["colour"], clock["remaining_seconds"]) == (
            None,
            "paused",
            None,
        )


def test_it_colours_clocks_as_the_staff_pages_do(cast: Cast, token: str) -> None:
    case = open_case(cast)
    clock = case.clocks.select_related("policy", "department").get(kind=ClockKind.RESULT)
    assert clock.warn_at is not None
    assert clock.due_at is not None
    moments = {
        "green": clock.started_at + timedelta(minutes=1),
        "yellow": clock.warn_at + timedelta(minutes=1),
        "red": clock.due_at + timedelta(minutes=1),
    }
    for expected, moment in moments.items():
        with time_machine.travel(moment, tick=False):
            body = call(token, f"/api/v1/cases/{case.number}/").json()
        result = next(c for c in body["clocks"] if c["kind"] == "result")
        assert result["colour"] == expected
        assert clock_status(clock, moment).colour == expected


def test_it_writes_a_case_as_its_serializer_would(cast: Cast, token: str) -> None:
    case = case_accept(actor=cast.handler, case=open_case(cast))
    body = call(token, f"/api/v1/cases/{case.number}/").json()
    loaded = case_public_get(number=case.number, now=timezone.now())
    expected = CaseDetailSerializer(loaded).data
    for moving in ("clocks",):  # remaining_seconds moves with the clock
        for row in (*body[moving], *expected[moving]):
            row.pop("remaining_seconds")
    assert body == json.loads(json.dumps(expected))


def test_it_names_states_and_deadlines_in_the_chosen_language(cast: Cast, token: str) -> None:
    # The labels are translated once per language and process, then read from memory.
    case = case_accept(actor=cast.handler, case=open_case(cast))
    url = f"/api/v1/cases/{case.number}/"
    for language in ("zh-hans", "en", "zh-hans"):
        client = Client(headers={"Authorization": f"Bearer {token}"})
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        response = client.get(url)
        assert response["Content-Language"] == language
        body = response.json()
        with translation.override(language):
            assert body["state_display"] == str(CaseState.ACCEPTED.label)
            assert [step["action_display"] for step in body["timeline"]] == [
                str(EventAction.OPEN.label),
                str(EventAction.ACCEPT.label),
            ]
            result = next(clock for clock in body["clocks"] if clock["kind"] == "result")
            assert result["kind_display"] == str(ClockKind.RESULT.label)
            assert result["colour_display"] == str(Colour.GREEN.label)
    assert body["state_display"] != "Accepted"  # Chinese again, after English
