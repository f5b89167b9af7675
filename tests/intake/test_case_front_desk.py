"""The front desk's part of the case page: notices, pledges and refusal, appointments."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.translation import gettext

from deadlines.models import Case
from intake.models import Appointment, MaterialStatus
from intake.selectors.catalogue import service_item_current
from intake.services.appointment import appointment_book
from intake.services.catalogue import catalogue_load
from intake.services.notice import notice_issue
from tests.deadlines.conftest import Cast, open_case
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def page_of(user: Any, case: Case) -> tuple[str, int]:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("deadlines:case_detail", args=[case.number]))
    assert response.status_code == 200
    return response.content.decode(), len(queries)


def add_records(cast: Cast, case: Case) -> None:
    item = service_item_current("new-connection")
    statuses = {material.name: MaterialStatus.PRESENT.value for material in item.materials.all()}
    notice_issue(actor=cast.desk, case=case, item_code=item.code, statuses=statuses)
    case.refresh_from_db()
    appointment_book(
        actor=cast.desk, case=case, wanted=cast.handler, reason=Appointment.Reason.AWAY
    )


@pytest.fixture
def catalogue(cast: Cast) -> None:
    catalogue_load(actor=None, path=Path(settings.BASE_DIR) / "fixtures/service_catalogue.json")


@pytest.mark.usefixtures("catalogue")
def test_it_shows_the_front_desk_records_and_forms_on_the_case_page(cast: Cast) -> None:
    case = open_case(cast)
    add_records(cast, case)
    page, _ = page_of(cast.desk, case)
    notice = case.notices.get()
    assert reverse("intake:notice", args=[notice.number]) in page
    assert reverse("intake:notice_new", args=[case.number]) in page
    assert reverse("intake:rejection_new", args=[case.number]) in page
    assert reverse("intake:appointment_new", args=[case.number]) in page
    assert gettext("One-time notices") in page
    assert gettext("Appointments") in page


@pytest.mark.usefixtures("catalogue")
def test_it_costs_the_case_page_the_same_queries_for_one_record_or_three(cast: Cast) -> None:
    one, three = open_case(cast), open_case(cast)
    add_records(cast, one)
    for _ in range(3):
        add_records(cast, three)
    _, with_one = page_of(cast.desk, one)
    _, with_three = page_of(cast.desk, three)
    assert with_one == with_three
