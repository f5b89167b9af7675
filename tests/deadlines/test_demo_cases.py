"""The demo cases, and the read-only case screens of the admin."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from deadlines.models import Case, CaseState, Clock

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo() -> None:
    call_command("load_defaults")
    call_command("demo_seed")
    call_command("demo_cases")


def test_it_opens_demo_cases_across_the_machine_once(demo: None) -> None:
    states = set(Case.objects.values_list("state", flat=True))
    assert {
        CaseState.IN_PROGRESS,
        CaseState.AWAITING_TRANSFER,
        CaseState.RESOLVED,
        CaseState.CLOSED,
        CaseState.SUSPENDED,
    } <= states
    assert Clock.objects.filter(stopped_at__isnull=True).exists()
    call_command("demo_cases")
    assert Case.objects.count() == 6


def test_the_admin_shows_cases_without_offering_to_change_them(demo: None, client: Client) -> None:
    client.login(username="admin", password="demo-2026")
    case: Any = Case.objects.get(state=CaseState.AWAITING_TRANSFER)
    listing = client.get(reverse("admin:deadlines_case_changelist"))
    assert listing.status_code == 200
    assert case.number in listing.content.decode()
    page = client.get(reverse("admin:deadlines_case_change", args=[case.pk]))
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert client.get(reverse("admin:deadlines_case_add")).status_code == 403
