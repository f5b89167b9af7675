"""Evidence files on the one-time notice and the pledge pages (issue 23, part 3): the
scanned paper the citizen signed, added from the page, listed with who added it and
when; opened only by whom may see the case. (Notices and pledges are on applications,
which name no accused staff: confidentiality is tested on cases,
tests/accountability/test_attachments.py.)"""

from __future__ import annotations

from typing import Any

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accountability.attachments.models import Attachment
from accountability.attachments.samples import pdf
from accountability.attachments.services import attachment_add
from tests.deadlines.conftest import Cast
from tests.intake.test_pledges import MONDAY, application, issue, signed_in, take

pytestmark = pytest.mark.django_db

SCAN = pdf("signed")


def scan(name: str = "承诺书-签字.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, SCAN)


@pytest.fixture
def paper(cast: Cast) -> Any:
    from tests.intake.test_pledges import make_item

    make_item(cast)
    with time_machine.travel(MONDAY, tick=False):
        case = application(cast)
        notice = issue(cast, case)
        pledge = take(cast, case, notice)
    return notice, pledge


@pytest.mark.parametrize("which", ["notice", "pledge"])
def test_the_page_adds_and_lists_a_scanned_paper(cast: Cast, paper: Any, which: str) -> None:
    notice, pledge = paper
    obj = notice if which == "notice" else pledge
    page_url = (
        reverse("intake:notice", args=[notice.number])
        if which == "notice"
        else reverse("intake:pledge", args=[pledge.pk])
    )
    client = signed_in(cast.desk)
    response = client.post(
        reverse("attachment_add", args=[obj._meta.label_lower, obj.pk]),
        {"file": scan(), "note": "签字后扫描", "protected": "on"},
    )
    assert response.status_code == 302
    assert response["Location"] == page_url
    attachment = Attachment.objects.get()
    assert attachment.target == obj
    assert attachment.media_type == "application/pdf"
    page = client.get(page_url).content.decode()
    assert "承诺书-签字.pdf" in page
    assert reverse("attachment", args=[attachment.pk]) in page
    assert cast.desk.get_full_name() in page


def test_whoever_may_not_see_the_case_opens_none_of_its_papers(cast: Cast, paper: Any) -> None:
    _notice, pledge = paper
    attachment = attachment_add(actor=cast.desk, obj=pledge, file=scan())
    assert attachment.protected
    client = signed_in(cast.outsider)
    assert client.get(reverse("attachment", args=[attachment.pk])).status_code == 403
    assert signed_in(cast.head).get(reverse("attachment", args=[attachment.pk])).status_code == 200


def test_a_handler_of_another_department_adds_nothing(cast: Cast, paper: Any) -> None:
    notice, _pledge = paper
    response = signed_in(cast.outsider).post(
        reverse("attachment_add", args=["intake.onetimenotice", notice.pk]),
        {"file": scan()},
    )
    assert response.status_code == 403
    assert not Attachment.objects.exists()
