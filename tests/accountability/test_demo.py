"""The demo utility: one login for every role, each reaching its landing page."""

from __future__ import annotations

import json

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from accountability.models import Absence, Department, LeadingGroup, StaffProfile
from accountability.selectors import who_covers

pytestmark = pytest.mark.django_db

DEMO = json.loads((settings.BASE_DIR / "fixtures/demo/organisation.json").read_text())

LANDINGS = {
    "front desk": "intake:registration",
    "handler": "deadlines:my_cases",
    "department head": "deadlines:department_cases",
    "leadership": "oversight:dashboard",
    "inspection office": "sanctions:queue",
    "inspection office head": "sanctions:queue",
    "administrator": "home",
}


def test_it_builds_the_demo_utility_and_can_run_twice() -> None:
    call_command("demo_seed")
    call_command("demo_seed")
    assert Department.objects.count() == len(DEMO["departments"])
    assert Department.objects.get(code="dispatch").is_dispatch
    assert Department.objects.get(code="inspection").name == "监察室"
    counts = [
        StaffProfile.objects.filter(department__code=row["code"]).count()
        for row in DEMO["departments"]
        if row["code"] != "group"
    ]
    assert all(2 <= count <= 4 for count in counts), counts
    assert Absence.objects.count() == 1
    group = LeadingGroup.objects.get()  # the efficiency leading group, once
    assert group.principal_leader.username == "leader"
    assert sorted(group.members.values_list("username", flat=True)) == [
        "inspection_head",
        "leader",
        "leader2",
    ]
    absence = Absence.objects.get()
    assert who_covers(user=absence.staff, at=absence.starts_at).user == absence.substitute


@pytest.mark.parametrize(("role", "username"), DEMO["logins"])
def test_it_gives_every_role_a_login(client: Client, role: str, username: str) -> None:
    call_command("demo_seed")
    response = client.post(
        reverse("login"), {"username": username, "password": DEMO["password"]}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse(LANDINGS[role])
    assert response.status_code == 200
