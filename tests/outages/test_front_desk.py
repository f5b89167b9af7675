"""The front desk (issue 10, line 6): a "no water" contact from an affected area is
offered the running outage; the staff member links it, the citizen hears the outage's
information, the case is kept, and the outage page counts its contacts."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from deadlines.models import Case, CaseState
from outages.models import OutageContact
from outages.services import outage_change
from tests.outages.conftest import OutageCast, record, signed_in

pytestmark = pytest.mark.django_db

URL = reverse("intake:registration")


def no_water(**fields: Any) -> dict[str, Any]:
    return {
        "channel": "phone",
        "matter_kind": "help_request",
        "urgency": "urgent",
        "citizen_name": "王五",
        "citizen_phone": "13922223333",
        "citizen_address": "经十路 88 号 3 单元",
        "subject": "家中停水",
        "content": "早上起来没有水。",
        "disposition": "accept",
        **fields,
    }


def running(oc: OutageCast) -> Any:
    return record(oc, at=timezone.now() - timedelta(hours=1), hours=6)


def test_it_offers_the_running_outage_for_an_address_in_its_area(oc: OutageCast) -> None:
    event = running(oc)
    client = signed_in(oc.desk)
    offered = client.get(reverse("outages:offered"), {"address": "经十路 88 号"})
    assert event.number in offered.content.decode()
    elsewhere = client.get(reverse("outages:offered"), {"address": "花园路 1 号"})
    assert event.number not in elsewhere.content.decode()
    # The registration page, re-shown with the address, offers it too.
    page = client.post(URL, no_water(subject="")).content.decode()
    assert 'id="offered-outages"' in page
    assert event.number in page.split('id="offered-outages"')[1].split("</section>")[0]


def test_it_links_a_no_water_contact_to_the_running_outage(oc: OutageCast) -> None:
    event = running(oc)
    client = signed_in(oc.desk)
    response = client.post(URL, no_water(outage=event.pk))
    assert response.status_code == 302, response.content.decode()[:2000]
    case = Case.objects.get()
    # The contact is kept as a case, answered with the outage's information.
    assert (case.citizen_name, case.citizen_phone, case.subject) == (
        "王五",
        "13922223333",
        "家中停水",
    )
    assert case.state == CaseState.CLOSED
    assert event.number in case.resolution
    assert "经十路" in case.resolution
    # The desk sees what the citizen was told on the receipt page.
    receipt = client.get(response["Location"]).content.decode()
    assert case.resolution in receipt
    link = OutageContact.objects.get()
    assert (link.event, link.case, link.linked_by) == (event, case, oc.desk)
    # The outage's page counts it.
    page = signed_in(oc.network_head).get(reverse("outages:detail", args=[event.pk]))
    assert '<strong id="contact-count">1</strong>' in page.content.decode()


def test_it_keeps_the_contact_on_the_form_when_the_outage_ended_meanwhile(
    oc: OutageCast,
) -> None:
    event = running(oc)
    client = signed_in(oc.desk)
    client.get(URL)
    with time_machine.travel(timezone.now(), tick=False):
        outage_change(
            actor=oc.network_head,
            event=event,
            households=event.households,
            expected_restoration_at=event.expected_restoration_at,
            area=event.area,
            restored_at=timezone.now(),
            reason="恢复供水",
        )
    response = client.post(URL, no_water(outage=event.pk))
    assert response.status_code == 400
    assert "王五" in response.content.decode()  # nothing the desk typed is lost
    assert not Case.objects.exists()
    assert not OutageContact.objects.exists()


def test_it_registers_an_unlinked_no_water_contact_for_dispatch_as_before(
    oc: OutageCast,
) -> None:
    running(oc)
    response = signed_in(oc.desk).post(URL, no_water())
    assert response.status_code == 302
    assert Case.objects.get().department == oc.dispatch
    assert not OutageContact.objects.exists()
