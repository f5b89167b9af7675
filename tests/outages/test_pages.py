"""The outage pages: the public page (no sign-in), the staff list in a fixed number of
queries, recording an outage and acting on it from its page."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from outages.models import OutageEvent, OutageKind, OutageReport
from outages.services import outage_change
from tests.outages.conftest import OutageCast, record, signed_in

pytestmark = pytest.mark.django_db


def test_it_shows_current_and_planned_outages_by_area_without_signing_in(
    oc: OutageCast,
) -> None:
    now = timezone.now()
    current = record(oc, at=now - timedelta(hours=1), area="经十路\n历山路")
    planned = record(oc, kind=OutageKind.PLANNED, starts_at=now + timedelta(days=2), area="山大路")
    ended = record(oc, at=now - timedelta(hours=3), area="花园路")
    outage_change(
        actor=oc.network_head,
        event=ended,
        households=ended.households,
        expected_restoration_at=ended.expected_restoration_at,
        area=ended.area,
        restored_at=now - timedelta(minutes=5),
        reason="恢复供水",
    )
    response = Client().get(reverse("outages:public"))
    assert response.status_code == 200
    text = response.content.decode()
    assert gettext("Water outages") in text
    assert gettext("Water off now") in text
    for area in ("经十路", "历山路", "山大路"):
        assert f'<th scope="row">{area}</th>' in text
    assert "花园路" not in text
    assert text.index("历山路") < text.index("山大路") < text.index("经十路")  # by area name
    for person in (oc.network_head, oc.dispatcher):
        assert person.first_name not in text
    assert current.cause in text
    assert planned.cause in text


def test_it_shows_the_public_page_in_a_fixed_number_of_queries(oc: OutageCast) -> None:
    client, url = Client(), reverse("outages:public")
    now = timezone.now()
    record(oc, at=now - timedelta(hours=1), area="经十路")
    with CaptureQueriesContext(connection) as one:
        assert client.get(url).status_code == 200
    for area in ("历山路\n山大路", "花园路", "文化东路"):
        record(oc, at=now - timedelta(minutes=30), area=area)
    record(oc, kind=OutageKind.PLANNED, starts_at=now + timedelta(days=2), area="解放路")
    with CaptureQueriesContext(connection) as five:
        page = client.get(url).content.decode()
    assert "解放路" in page
    assert "文化东路" in page
    assert len(five.captured_queries) == len(one.captured_queries)


def test_it_lists_outages_in_a_fixed_number_of_queries(
    oc: OutageCast, django_assert_num_queries: Any
) -> None:
    client = signed_in(oc.network_head)
    url = reverse("outages:list")
    record(oc)
    client.get(url)  # warm the session
    counts = []
    for _ in range(2):
        with django_assert_num_queries(8) as captured:
            response = client.get(url)
        assert response.status_code == 200
        counts.append(len(captured.captured_queries))
        for _ in range(5):
            record(oc)
    assert OutageEvent.objects.count() == 11
    assert counts[0] == counts[1]


def test_it_records_an_outage_from_the_form(oc: OutageCast) -> None:
    start = timezone.localtime() + timedelta(days=4)
    response = signed_in(oc.dispatcher).post(
        reverse("outages:new"),
        {
            "kind": "planned",
            "title": "阀门更换",
            "area": "经十路\n历山路",
            "households": "1200",
            "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
            "expected_restoration_at": (start + timedelta(hours=9)).strftime("%Y-%m-%dT%H:%M"),
            "cause": "设备维护",
            "department": oc.network.pk,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    event = OutageEvent.objects.get()
    assert event.obligations.count() == 5
    page = signed_in(oc.network_head).get(response["Location"]).content.decode()
    assert "《供水集团廉洁自律、责任追究及用户投诉处理制度》报告制度 (1)" in page


def test_it_shows_a_refusal_on_the_page(oc: OutageCast) -> None:
    event = record(oc, households=1500, hours=9)
    url = reverse("outages:action", args=[event.pk, "report"])
    response = signed_in(oc.network_handler).post(
        url,
        {
            "report-recipient": "12345",
            "report-method": "phone",
            "report-reported_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        },
    )
    # The service's refusal (PermissionDenied) answers 403, as on every action page.
    assert response.status_code == 403
    assert gettext("Dispatch reports to the 12345 office and the 12319 line.") in (
        response.content.decode()
    )
    assert not OutageReport.objects.exists()
    ok = signed_in(oc.network_handler).post(
        url,
        {
            "report-recipient": "dispatch",
            "report-method": "phone",
            "report-reported_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        },
    )
    assert ok.status_code == 302
    assert OutageReport.objects.get().obligation is not None


def test_it_keeps_the_pages_to_staff(oc: OutageCast) -> None:
    event = record(oc)
    assert Client().get(reverse("outages:list")).status_code == 302
    assert Client().get(reverse("outages:detail", args=[event.pk])).status_code == 302
    # A front-desk clerk sees the outage but may not record reports or notices.
    page = signed_in(oc.desk).get(reverse("outages:detail", args=[event.pk]))
    assert page.status_code == 200
    assert 'action="' + reverse("outages:action", args=[event.pk, "report"]) not in (
        page.content.decode()
    )
    refused = signed_in(oc.desk).post(reverse("outages:action", args=[event.pk, "report"]), {})
    assert refused.status_code == 403


def test_it_calls_works_off_from_their_page_and_drops_them_from_the_public_page(
    oc: OutageCast,
) -> None:
    event = record(
        oc, kind=OutageKind.PLANNED, starts_at=timezone.now() + timedelta(days=2), area="山大路"
    )
    assert "山大路" in Client().get(reverse("outages:public")).content.decode()
    response = signed_in(oc.network_head).post(
        reverse("outages:action", args=[event.pk, "cancel"]), {"cancel-reason": "施工推迟"}
    )
    assert response.status_code == 302
    event.refresh_from_db()
    assert event.cancelled_at is not None
    assert "山大路" not in Client().get(reverse("outages:public")).content.decode()
