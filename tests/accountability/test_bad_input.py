"""Issue 21, item 7: bad input in addresses and dates. A NUL byte (%00) in any path answers
404 (in the API's JSON shape under /api/ and /open311/), one in the query string 400,
never a server error (PostgreSQL refuses NUL in text). A date in year 9999, or before
1950, is refused with a message saying which years are accepted, by every form and API
field that takes a business date."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import time_machine
from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.test import Client, RequestFactory
from django.urls import URLResolver, get_resolver, reverse

from accountability.business_dates import validate_business_date
from accountability.models import Absence, Regulation
from deadlines.models import CalendarDay
from tests.api_support import api_client, call, reset_throttles
from tests.deadlines.conftest import Cast, cast, open_case

pytestmark = pytest.mark.django_db

__all__ = ["cast"]  # a fixture

# The tests run on 23 November 2026: business years are 1950 to 2036.
TODAY = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
RANGE_MESSAGE = "请输入 1950 年至 2036 年之间的日期。"


@pytest.fixture(autouse=True)
def frozen() -> Iterator[None]:
    with time_machine.travel(TODAY, tick=False):
        yield


# -- NUL in the address ---------------------------------------------------------------------


def _routes(patterns: list[Any], prefix: str = "") -> Iterator[str]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern.url_patterns, prefix + str(pattern.pattern))
        else:
            yield prefix + str(pattern.pattern)


def _nul_paths() -> list[str]:
    """Every route whose path takes text (a case number, a notice number, an admin
    object id), with a NUL byte in that text; the others with one at the end."""
    paths = []
    for route in _routes(get_resolver().url_patterns):
        if route.startswith("^") or "(?P" in route:
            continue  # regular expressions: the admin's own and the API's catch-all
        path = "/" + route
        for converter, value in (
            ("str", "2026-0%00"),
            ("path", "1%00"),
            ("int", "1"),
            ("slug", "x"),
        ):
            while f"<{converter}:" in path:
                start = path.index(f"<{converter}:")
                path = path[:start] + value + path[path.index(">", start) + 1 :]
        paths.append(path if "%00" in path else path + "%00")
    return sorted(set(paths))


def test_a_nul_byte_in_any_path_answers_404(cast: Cast) -> None:
    """Signed in as an administrator and as a head (who reach the views' lookups), and
    anonymous."""
    open_case(cast)
    root = get_user_model().objects.create_superuser("root", "root@example.com", "x")
    clients = [Client(), Client(), Client()]
    clients[0].force_login(root)
    clients[1].force_login(cast.head)
    paths = _nul_paths()
    assert len(paths) > 100  # every route was found, the admin's too
    answers = {path: [client.get(path) for client in clients] for path in paths}
    wrong = {
        path: [response.status_code for response in responses]
        for path, responses in answers.items()
        if any(response.status_code != 404 for response in responses)
    }
    assert wrong == {}
    for path, responses in answers.items():
        if path.startswith(("/api/", "/open311/")):
            assert all(r.json()["error"]["code"] == "not_found" for r in responses), path


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/cases/2026-0%00/",
        "/api/v1/cases/%00/",
        "/open311/v2/requests/2026-0%001.json",
    ],
)
def test_a_nul_byte_in_an_api_path_answers_404_in_json_with_a_token(cast: Cast, path: str) -> None:
    reset_throttles()
    token = api_client()[1]
    response = call(token, path)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize(
    "path",
    [
        "/open311/v2/requests.json?service_request_id=2026-0%001",
        "/open311/v2/requests.json?service_code=%00",
        "/api/v1/cases/?department=%00",
    ],
)
def test_a_nul_byte_in_an_api_query_answers_400_in_json(cast: Cast, path: str) -> None:
    reset_throttles()
    token = api_client()[1]
    response = call(token, path)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"


def test_a_nul_byte_in_a_page_query_answers_400(cast: Cast) -> None:
    client = Client()
    client.force_login(cast.leader)
    assert client.get("/oversight/?department=%00").status_code == 400


# -- far-future dates -------------------------------------------------------------------------


def _form_classes() -> Iterator[Any]:
    """Every form class of the portal's own forms modules (``forms.py`` or the modules of a
    ``forms/`` package)."""
    for app in ("accountability", "deadlines", "intake", "outages", "sanctions", "oversight"):
        package = importlib.import_module(app)
        for module_info in pkgutil.walk_packages(package.__path__, prefix=f"{app}."):
            if module_info.name.split(".")[1].startswith("forms"):
                module = importlib.import_module(module_info.name)
                for value in vars(module).values():
                    if (
                        isinstance(value, type)
                        and issubclass(value, forms.BaseForm)
                        and value.__module__ == module.__name__
                    ):
                        yield value


def test_every_date_field_of_the_portals_forms_refuses_far_future_dates() -> None:
    date_fields = [
        f"{form.__module__}.{form.__name__}.{name}"
        for form in _form_classes()
        for name, field in form.base_fields.items()
        if isinstance(field, forms.DateField | forms.DateTimeField)
    ]
    assert len(date_fields) >= 20  # the forms were found
    unguarded = [
        name
        for form in _form_classes()
        for name, field in form.base_fields.items()
        if isinstance(field, forms.DateField | forms.DateTimeField)
        and validate_business_date not in field.validators
    ]
    assert unguarded == []


def test_it_refuses_an_outage_in_year_9999_with_a_clear_message(cast: Cast) -> None:
    client = Client()
    client.force_login(cast.network_head)
    response = client.post(
        reverse("outages:new"),
        {
            "kind": "fault",
            "title": "DN300 主管爆管",
            "area": "东区",
            "households": "10",
            "starts_at": "9999-12-31T08:00",
            "expected_restoration_at": "9999-12-31T18:00",
            "cause": "管道老化",
            "department": cast.network.pk,
        },
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert RANGE_MESSAGE in page


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01"])
def test_it_refuses_a_dashboard_period_outside_business_years(cast: Cast, day: str) -> None:
    client = Client()
    client.force_login(cast.leader)
    response = client.post(reverse("oversight:export_start"), {"kind": "cases", "start": day})
    assert response.status_code == 400
    assert RANGE_MESSAGE in response.content.decode()


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/api/v1/cases/?updated_since=9999-12-31T00:00:00%2B08:00", "updated_since"),
        ("/api/v1/outages/?updated_since=9999-12-31T00:00:00%2B08:00", "updated_since"),
        ("/open311/v2/requests.json?start_date=9999-12-31T00:00:00%2B08:00", "start_date"),
        ("/open311/v2/requests.json?end_date=0001-01-01T00:00:00Z", "end_date"),
    ],
)
def test_the_api_refuses_dates_outside_business_years(cast: Cast, path: str, field: str) -> None:
    reset_throttles()
    token = api_client()[1]
    response = call(token, path)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert error["details"][field] == [RANGE_MESSAGE]


def test_the_api_still_takes_a_date_within_business_years(cast: Cast) -> None:
    reset_throttles()
    token = api_client()[1]
    response = call(token, "/api/v1/cases/?updated_since=2036-12-31T00:00:00%2B08:00")
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("model", "data", "field"),
    [
        (
            Absence,
            {
                "starts_at_0": "2026-11-24",
                "starts_at_1": "08:00",
                "ends_at_0": "9999-12-31",
                "ends_at_1": "17:00",
            },
            "ends_at",
        ),
        (Regulation, {"issued_on": "9999-01-01"}, "issued_on"),
        (CalendarDay, {"date": "9999-01-01", "kind": "holiday"}, "date"),
    ],
)
def test_the_admin_refuses_dates_outside_business_years(
    model: Any, data: dict[str, str], field: str
) -> None:
    root = get_user_model().objects.create_superuser("root", "root@example.com", "x")
    request = RequestFactory().get("/")
    request.user = root
    form_class = admin.site._registry[model].get_form(request)
    form = form_class(data=data)
    assert not form.is_valid()
    assert RANGE_MESSAGE in form.errors[field]
