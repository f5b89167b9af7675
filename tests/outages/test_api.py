"""/api/v1/outages/: scope, fields without staff or citizens, filters, and a page in a
fixed number of queries."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from accountability.models import ApiScope
from outages.models import OutageKind
from tests.api_support import api_client, call, reset_throttles
from tests.outages.conftest import OutageCast, record

pytestmark = pytest.mark.django_db

LIST = "/api/v1/outages/"


@pytest.fixture(autouse=True)
def _fresh_throttles() -> None:
    reset_throttles()


def test_it_asks_for_a_token_with_the_cases_read_scope(oc: OutageCast) -> None:
    record(oc)
    assert call(None, LIST).status_code == 401
    _, catalogue = api_client([ApiScope.CATALOGUE_READ], name="catalogue")
    assert call(catalogue, LIST).status_code == 403
    _, token = api_client([ApiScope.CASES_READ], name="reader")
    assert call(token, LIST).status_code == 200


def test_it_lists_outages_with_their_obligations_and_no_people(oc: OutageCast) -> None:
    event = record(oc, at=timezone.now() - timedelta(minutes=30), households=1500, hours=9)
    _, token = api_client([ApiScope.CASES_READ])
    body = call(token, LIST).json()
    row = body["results"][0]
    assert row["number"] == event.number
    assert row["area"] == ["经十路", "历山路"]
    assert row["department"] == {"code": "network", "name": oc.network.name}
    assert row["contacts"] == 0
    states = {o["kind"]: o["state"] for o in row["obligations"]}
    assert states == {
        "report_dispatch": "missed",
        "report_12345": "missed",
        "notify_12319": "missed",
    }
    text = call(token, LIST).content.decode()
    for person in (oc.network_head, oc.dispatcher, oc.dispatch_head):
        assert person.username not in text
        assert person.first_name not in text


def test_it_filters_by_state_and_kind(oc: OutageCast) -> None:
    now = timezone.now()
    current = record(oc, at=now - timedelta(hours=1))
    planned = record(oc, kind=OutageKind.PLANNED, starts_at=now + timedelta(days=2))
    _, token = api_client([ApiScope.CASES_READ])
    numbers = lambda q: {r["number"] for r in call(token, LIST + q).json()["results"]}  # noqa: E731
    assert numbers("?state=running") == {current.number}
    assert numbers("?state=planned") == {planned.number}
    assert numbers("?kind=planned") == {planned.number}
    assert call(token, LIST + "?state=nonsense").status_code == 400


def test_it_reads_a_page_in_a_fixed_number_of_queries(
    oc: OutageCast, django_assert_num_queries: Any
) -> None:
    _, token = api_client([ApiScope.CASES_READ], rate="10000/min")
    call(token, LIST)  # records last_used_at
    for rows in (2, 20):
        while len(call(token, LIST + "?page_size=50").json()["results"]) < rows:
            record(oc, households=1500, hours=9)
        with django_assert_num_queries(3):  # the client, the page, the obligations
            response = call(token, LIST + "?page_size=50")
        assert len(response.json()["results"]) == rows
