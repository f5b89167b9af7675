"""Open311 GeoReport v2 reads are public (issue 22): services and requests answer without
a key, carry no protected identity, and are throttled per address; posting still needs a
token with the scope open311:write."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.test import Client, override_settings

from accountability.models import ApiScope
from accountability.services import api_client_revoke
from deadlines.models import Suspension
from deadlines.services.cases import case_accept, case_answer, case_suspend
from intake.services.catalogue import catalogue_load
from tests.api_support import admin_user, api_client, call, make_dispatch, reset_throttles
from tests.deadlines.conftest import Cast, open_case

pytestmark = pytest.mark.django_db

SERVICES = "/open311/v2/services.json"
REQUESTS = "/open311/v2/requests.json"
# A Wednesday morning in Beijing, so that the clocks run in working time.
NOW = datetime(2026, 3, 4, 2, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _fresh_throttles() -> None:
    reset_throttles()


@pytest.fixture
def catalogue(db: None) -> None:
    catalogue_load(actor=None, path=Path(settings.BASE_DIR) / "fixtures/service_catalogue.json")


def _assert_error(response: object, status: int, code: str) -> None:
    assert response.status_code == status  # type: ignore[attr-defined]
    error = response.json()["error"]  # type: ignore[attr-defined]
    assert (error["status"], error["code"]) == (status, code)


def test_it_lists_services_without_a_key(catalogue: None) -> None:
    response = Client().get(SERVICES)
    assert response.status_code == 200
    codes = {service["service_code"] for service in response.json()}
    assert {"complaint", "meter-repair"} <= codes


def test_it_lists_and_shows_requests_without_a_key_and_without_identities(cast: Cast) -> None:
    with time_machine.travel(NOW, tick=False):
        case = open_case(cast)
        listed = Client().get(REQUESTS)
        one = Client().get(f"/open311/v2/requests/{case.number}.json")
    assert listed.status_code == one.status_code == 200
    assert [r["service_request_id"] for r in listed.json()] == [case.number]
    assert one.json()[0]["service_request_id"] == case.number
    text = listed.content.decode() + one.content.decode()
    for secret in ("张三", "13800000000", "水压不足", "三楼", cast.desk.username, "lookup"):
        assert secret not in text


def test_it_answers_an_unknown_request_404_without_a_key(db: None) -> None:
    _assert_error(Client().get("/open311/v2/requests/2020-000001.json"), 404, "not_found")


def test_it_lets_any_valid_token_read_whatever_its_scopes(catalogue: None) -> None:
    _client, token = api_client([ApiScope.OPEN311_WRITE])
    assert call(token, SERVICES).status_code == 200
    assert call(token, REQUESTS).status_code == 200


def test_it_still_refuses_a_revoked_key_on_a_read(catalogue: None) -> None:
    client, token = api_client([ApiScope.CATALOGUE_READ])
    api_client_revoke(actor=admin_user(), client=client)
    _assert_error(call(token, SERVICES), 401, "not_authenticated")
    _assert_error(Client().get(SERVICES, {"api_key": token}), 401, "not_authenticated")


def test_it_keeps_posting_behind_a_key_with_the_write_scope(cast: Cast) -> None:
    make_dispatch()
    data = {"service_code": "complaint", "description": "停水三小时"}
    _assert_error(Client().post(REQUESTS, data), 401, "not_authenticated")
    _reader, read_token = api_client([ApiScope.CASES_READ, ApiScope.CATALOGUE_READ])
    _assert_error(call(read_token, REQUESTS, "post", data=data), 403, "permission_denied")
    _writer, write_token = api_client([ApiScope.OPEN311_WRITE], name="12345")
    assert call(write_token, REQUESTS, "post", data=data).status_code == 201


@override_settings(OPEN311_ANONYMOUS_RATE="2/min")
def test_it_throttles_reads_without_a_key_per_address(catalogue: None) -> None:
    start = datetime(2026, 11, 23, 10, 0, 15, tzinfo=UTC)
    first, second = Client(REMOTE_ADDR="203.0.113.7"), Client(REMOTE_ADDR="203.0.113.8")
    with time_machine.travel(start, tick=False):
        assert [first.get(SERVICES).status_code for _ in range(2)] == [200, 200]
        throttled = first.get(REQUESTS)  # every read counts against the one address
        _assert_error(throttled, 429, "throttled")
        assert int(throttled["Retry-After"]) == 45
        assert second.get(SERVICES).status_code == 200
    with time_machine.travel(start.replace(second=0, minute=1), tick=False):
        assert first.get(SERVICES).status_code == 200


@override_settings(OPEN311_ANONYMOUS_RATE="1/min")
def test_it_counts_a_keyed_read_against_its_client_not_the_address(catalogue: None) -> None:
    _client, token = api_client([ApiScope.CATALOGUE_READ], rate="10000/min")
    with time_machine.travel(datetime(2026, 11, 23, 10, 0, 15, tzinfo=UTC), tick=False):
        assert [call(token, SERVICES).status_code for _ in range(3)] == [200, 200, 200]
        assert Client().get(SERVICES).status_code == 200


def test_it_reads_requests_without_a_key_in_one_query_per_list(
    cast: Cast, django_assert_num_queries: object
) -> None:
    with time_machine.travel(NOW, tick=False):
        for _ in range(3):
            open_case(cast)
        reset_throttles()
        with django_assert_num_queries(2):  # type: ignore[operator]
            response = Client().get(REQUESTS)
    assert len(response.json()) == 3


def test_it_answers_one_request_as_the_list_does_in_two_queries(
    cast: Cast, catalogue: None, django_assert_num_queries: object
) -> None:
    # One request reads the public status selector (case_public_get), the list its own
    # (case_public_list): the same request either way, whether its result deadline
    # runs, is paused or has stopped, in either language.
    with time_machine.travel(NOW, tick=False):
        running = open_case(cast)
        item = open_case(cast, service_item_code="meter-repair")
        paused = case_accept(actor=cast.handler, case=open_case(cast))
        case_suspend(
            actor=cast.handler,
            case=paused,
            kind=Suspension.Kind.TESTING,
            expected_end=NOW + timedelta(days=3),
            place="水质检测中心",
            citizen_notice="检测期间不计入办理时限。",
        )
        ended = case_answer(actor=cast.desk, case=open_case(cast), answer="已当场解答")
        notes = set()
        for language in ("en", "zh-hans"):
            reset_throttles()
            client = Client()
            client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
            listed = client.get(REQUESTS).json()
            by_number = {request["service_request_id"]: request for request in listed}
            for case in (running, item, paused, ended):
                url = f"/open311/v2/requests/{case.number}.json"
                with django_assert_num_queries(2):  # type: ignore[operator]
                    one = client.get(url)
                assert one.json() == [by_number[case.number]]
            notes.add(by_number[running.number]["status_notes"])
    assert len(notes) == 2  # the state's label in each language
    assert by_number[running.number]["expected_datetime"] is not None
    assert by_number[item.number]["service_code"] == "meter-repair"
    assert by_number[paused.number]["expected_datetime"] is None
    assert by_number[ended.number]["status"] == "closed"
