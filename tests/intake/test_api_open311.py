"""Open311 GeoReport v2: services, requests and one request read with a token; the
hotline files a contact, which lands as a registration with channel "hotline" and a first
responder on duty at dispatch."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from accountability.models import ApiScope, AuditEntry
from accountability.services import absence_record
from deadlines import lookup
from deadlines.models import Case, CaseState, Channel, ClockKind
from deadlines.services.cases import case_answer
from intake.services.catalogue import catalogue_load
from tests.api_support import api_client, call, make_dispatch, reset_throttles
from tests.deadlines.conftest import Cast, open_case
from tests.factories import StaffFactory, UserFactory

pytestmark = pytest.mark.django_db

REQUESTS = "/open311/v2/requests.json"


@pytest.fixture(autouse=True)
def _fresh_throttles() -> None:
    reset_throttles()


@pytest.fixture
def token(cast: Cast) -> str:
    catalogue_load(actor=None, path=Path(settings.BASE_DIR) / "fixtures/service_catalogue.json")
    return api_client(rate="10000/min")[1]


def _post(token: str, **fields: Any) -> Any:
    data = {"service_code": "complaint", "description": "幸福路停水三小时\n请尽快处理", **fields}
    return call(token, REQUESTS, "post", data=data)


def test_it_lists_the_kinds_of_matter_and_the_catalogue_as_services(token: str) -> None:
    services = call(token, "/open311/v2/services.json").json()
    by_code = {service["service_code"]: service for service in services}
    assert by_code["complaint"]["group"] == "matter"
    assert by_code["meter-repair"]["group"] == "catalogue"
    assert all(service["metadata"] is False for service in services)


def test_it_maps_a_case_onto_a_georeport_request(cast: Cast, token: str) -> None:
    case = open_case(cast)
    body = call(token, f"/open311/v2/requests/{case.number}.json").json()
    assert len(body) == 1
    request = body[0]
    result = case.clocks.get(kind=ClockKind.RESULT)
    assert request["service_request_id"] == case.number
    assert request["status"] == "open"
    assert request["status_notes"] == case.get_state_display()
    assert request["agency_responsible"] == cast.service.name
    assert request["service_code"] == "complaint"
    assert result.due_at is not None
    assert datetime.fromisoformat(request["expected_datetime"]) == result.due_at
    text = str(body)
    for secret in ("张三", "13800000000", "水压不足", cast.desk.username):
        assert secret not in text


def test_it_reports_an_ended_case_as_closed(cast: Cast, token: str) -> None:
    answered = case_answer(actor=cast.desk, case=open_case(cast), answer="已当场解答")
    still_open = open_case(cast)
    closed = call(token, REQUESTS + "?status=closed").json()
    opened = call(token, REQUESTS + "?status=open").json()
    assert [r["service_request_id"] for r in closed] == [answered.number]
    assert [r["service_request_id"] for r in opened] == [still_open.number]
    assert closed[0]["status"] == "closed"
    assert closed[0]["expected_datetime"] is None  # no result deadline runs any more


def test_it_filters_requests_by_number_and_dates(cast: Cast, token: str) -> None:
    first, second = open_case(cast), open_case(cast)
    picked = call(token, REQUESTS + f"?service_request_id={second.number}").json()
    assert [r["service_request_id"] for r in picked] == [second.number]
    later = (timezone.now() + timedelta(hours=1)).isoformat().replace("+", "%2B")
    assert call(token, REQUESTS + f"?start_date={later}").json() == []
    assert len(call(token, REQUESTS + f"?end_date={later}").json()) == 2
    assert first.number  # both were opened before `later`


def test_it_answers_400_for_a_bad_status_or_date(token: str) -> None:
    response = call(token, REQUESTS + "?status=pending")
    assert response.status_code == 400
    assert "status" in response.json()["error"]["details"]
    response = call(token, REQUESTS + "?start_date=someday")
    assert response.status_code == 400
    assert "start_date" in response.json()["error"]["details"]


def test_it_answers_404_for_an_unknown_request(token: str) -> None:
    response = call(token, "/open311/v2/requests/2020-000001.json")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_it_files_a_hotline_contact_with_dispatch_on_duty(cast: Cast, token: str) -> None:
    head = make_dispatch()
    response = _post(token, first_name="三", last_name="张", phone="13900000000")
    assert response.status_code == 201
    created = response.json()[0]
    case = Case.objects.get(number=created["service_request_id"])
    assert case.channel == Channel.HOTLINE
    assert case.state == CaseState.REGISTERED
    assert case.first_responder == head
    assert case.department.is_dispatch
    assert case.citizen_name == "张 三"
    assert case.citizen_phone == "13900000000"
    assert case.subject == "幸福路停水三小时"
    assert lookup.matches(case.number, created["lookup_secret"], case.lookup_digest)
    entry = AuditEntry.objects.get(action="open311.request", object_id=str(case.pk))
    assert entry.after is not None
    assert entry.after["client"] == "hotline"
    assert "13900000000" not in response.content.decode()


def test_it_files_a_catalogue_item_as_an_application(cast: Cast, token: str) -> None:
    make_dispatch()
    response = _post(token, service_code="meter-repair")
    assert response.status_code == 201
    case = Case.objects.get(number=response.json()[0]["service_request_id"])
    assert (case.matter_kind, case.service_item_code) == ("application", "meter-repair")


def test_it_gives_a_hotline_contact_to_whoever_covers_the_dispatch_head(
    cast: Cast, token: str
) -> None:
    head = make_dispatch()
    deputy = StaffFactory(
        user=UserFactory(username="dispatch_deputy"), department=head.staff.department
    ).user
    deputy.groups.set(head.groups.all())
    now = timezone.now()
    absence_record(
        actor=head,
        staff=head,
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(days=1),
        substitute=deputy,
        reason="年假",
    )
    response = _post(token)
    assert response.status_code == 201
    case = Case.objects.get(number=response.json()[0]["service_request_id"])
    assert case.first_responder == deputy


def test_it_refuses_an_unknown_service_code(cast: Cast, token: str) -> None:
    make_dispatch()
    response = _post(token, service_code="no-such-service")
    assert response.status_code == 400
    assert "service_code" in response.json()["error"]["details"]
    assert not Case.objects.filter(channel=Channel.HOTLINE).exists()


def test_it_refuses_a_contact_without_a_description(cast: Cast, token: str) -> None:
    make_dispatch()
    response = _post(token, description="")
    assert response.status_code == 400
    assert "description" in response.json()["error"]["details"]


def test_it_accepts_the_token_as_an_open311_api_key(cast: Cast) -> None:
    make_dispatch()
    _client, key = api_client([ApiScope.OPEN311_WRITE], name="12345")
    response = Client().post(
        REQUESTS,
        "api_key=" + key + "&service_code=report&description=%E6%BC%8F%E6%B0%B4",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 201
    assert Case.objects.get(number=response.json()[0]["service_request_id"]).content == "漏水"
