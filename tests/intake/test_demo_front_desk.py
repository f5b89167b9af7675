"""The front desk's demo records."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from deadlines.models import CaseState, ClockKind
from intake.models import (
    Appointment,
    OneTimeNotice,
    Pledge,
    RefusalFlag,
    RefusalFlagNotification,
    RejectionFiling,
)

pytestmark = pytest.mark.django_db


def test_it_adds_a_notice_a_pledge_an_appointment_and_a_refusal_once() -> None:
    for command in ("load_defaults", "demo_seed", "load_catalogue", "demo_cases"):
        call_command(command)
    call_command("demo_front_desk")
    pledge = Pledge.objects.get()
    assert pledge.state == Pledge.State.OPEN
    assert pledge.case.state == CaseState.ACCEPTED
    assert pledge.materials == ["用水地址位置示意图"]
    appointment = Appointment.objects.select_related("routed_to", "wanted").get()
    # desk2 is on leave in the demo, covered by desk.
    assert (appointment.wanted.username, appointment.routed_to.username) == ("desk2", "desk")
    assert appointment.case.clocks.filter(kind=ClockKind.CALLBACK).exists()
    filing = RejectionFiling.objects.select_related("case").get()
    assert filing.case.state == CaseState.REJECTED
    flag = RefusalFlag.objects.get()  # waiting for the service head
    head = flag.department.head
    assert head is not None
    assert (flag.phrase, flag.is_open, head.username) == ("不清楚", True, "service_head")
    assert RefusalFlagNotification.objects.get(flag=flag).recipient.username == "service_head"
    call_command("demo_front_desk")
    assert OneTimeNotice.objects.count() == 1
    client = Client()
    assert client.login(username="desk", password="demo-2026")
    page = client.get(reverse("deadlines:case_detail", args=[pledge.case.number]))
    assert reverse("intake:pledge", args=[pledge.pk]) in page.content.decode()
