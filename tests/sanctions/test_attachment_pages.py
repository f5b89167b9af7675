"""Evidence files on the violation and on appeals (issue 23, part 3): added by the
inspection office; the complainant's files never shown to the staff member the complaint
is about, even one who may see violations."""

from __future__ import annotations

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from accountability.attachments.models import Attachment
from accountability.attachments.samples import water_photo
from accountability.attachments.services import attachment_add
from accountability.roles import Role
from sanctions.models import AppealKind
from sanctions.services import appeal_record
from tests.factories import PASSWORD, StaffFactory, UserFactory
from tests.sanctions.conftest import SanctionsCast, at, confirm, decide, raise_complaint

pytestmark = pytest.mark.django_db

PHOTO = water_photo()


def signed_in(user: object) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)  # type: ignore[attr-defined]
    return client


def test_the_office_adds_evidence_on_the_violation_page(sc: SanctionsCast) -> None:
    violation = confirm(sc, raise_complaint(sc, sc.handler, at(2026, 5, 4, 10)), at(2026, 5, 4, 11))
    client = signed_in(sc.inspector)
    response = client.post(
        reverse("attachment_add", args=["sanctions.violation", violation.pk]),
        {"file": SimpleUploadedFile("小票.png", PHOTO), "protected": "on"},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("sanctions:violation", args=[violation.pk])
    page = client.get(response["Location"]).content.decode()
    assert "小票.png" in page


def test_a_leader_accused_in_the_complaint_never_sees_the_complainants_file(
    sc: SanctionsCast,
) -> None:
    # A leader (who sees every violation) is the one complained about.
    accused_leader = StaffFactory(
        user=UserFactory(username="accused_leader", roles=[Role.LEADERSHIP]),
        department=sc.c.service,
    ).user
    violation = raise_complaint(sc, accused_leader, at(2026, 5, 4, 10))
    theirs = attachment_add(
        actor=sc.inspector, obj=violation, file=SimpleUploadedFile("投诉人照片.png", PHOTO)
    )
    client = signed_in(accused_leader)
    assert client.get(reverse("attachment", args=[theirs.pk])).status_code == 403
    page = client.get(reverse("sanctions:violation", args=[violation.pk]))
    assert page.status_code == 200
    assert "投诉人照片.png" not in page.content.decode()
    assert signed_in(sc.inspector).get(reverse("attachment", args=[theirs.pk])).status_code == 200


def test_an_appeals_files_are_listed_on_the_decision_page(sc: SanctionsCast) -> None:
    violation = confirm(sc, raise_complaint(sc, sc.handler, at(2026, 5, 4, 10)), at(2026, 5, 4, 11))
    decision = decide(sc, violation, at(2026, 5, 5, 10))
    with time_machine.travel(at(2026, 5, 6, 10), tick=False):
        appeal = appeal_record(
            actor=sc.inspector2, decision=decision, kind=AppealKind.APPEAL, grounds="态度问题有误会"
        )
        request = appeal_record(
            actor=sc.inspector2,
            decision=decision,
            kind=AppealKind.REVIEW_REQUEST,
            grounds="投诉人要求复查",
        )
    mine = attachment_add(
        actor=sc.inspector2, obj=appeal, file=SimpleUploadedFile("申诉材料.png", PHOTO)
    )
    complainants = attachment_add(
        actor=sc.inspector2, obj=request, file=SimpleUploadedFile("复查材料.png", PHOTO)
    )
    # The person sanctioned files their own appeal; the complainant's request is theirs.
    assert not mine.protected
    assert complainants.protected
    page = signed_in(sc.inspector).get(reverse("sanctions:decision", args=[decision.pk]))
    text = page.content.decode()
    assert "申诉材料.png" in text
    assert "复查材料.png" in text
    assert Attachment.objects.count() == 2
