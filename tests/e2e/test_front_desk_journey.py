"""The front desk's day in a browser (issue 5): a clerk signs in, registers a phone
complaint, issues a one-time notice with one deficient material, transfers the case, and
the citizen finds it on the public status page with the receipt's number and secret.

Everything happens through the pages; only the cast and the reference data are set up
directly (tests/e2e/conftest.py). Expected texts come from the message catalogue in the
interface's language, so the test holds before and after the translations arrive.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.urls import reverse
from django.utils.translation import gettext
from playwright.sync_api import BrowserContext, Page, expect

from deadlines.models import Case, CaseState, Channel, MatterKind, Urgency
from intake.models import MaterialStatus, OneTimeNotice
from tests.e2e.conftest import Journey, Screenshots, definition, exactly, label
from tests.e2e.conftest import sign_in as sign_in_as

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

CASE_NUMBER = re.compile(r"^\d{4}-\d{6}$")
SECRET = re.compile(r"^[2-9A-Z]{4}-[2-9A-Z]{4}$")


def sign_in(page: Page, user: Any) -> None:
    """A front-desk clerk signs in and lands on the registration page."""
    sign_in_as(page, user, lands_on="intake:registration")
    expect(page.get_by_role("heading", level=1)).to_contain_text(gettext("Registration"))


def register_phone_complaint(page: Page, journey: Journey) -> tuple[str, str]:
    """Fill in the registration form, accept the matter into the desk's own department,
    and read the case number and the lookup secret off the receipt."""
    form = page.locator("form.registration")
    form.get_by_label(label(gettext("Channel"))).select_option(label=str(Channel.PHONE.label))
    form.get_by_label(label(gettext("Kind"))).select_option(label=str(MatterKind.COMPLAINT.label))
    form.get_by_label(label(gettext("Urgency"))).select_option(label=str(Urgency.NORMAL.label))
    form.get_by_label(label(gettext("Citizen's name"))).fill("刘女士")
    form.get_by_label(label(gettext("Phone"))).fill("13800001234")
    form.get_by_label(label(gettext("Service item"))).select_option(label=journey.item.name)
    form.get_by_label(label(gettext("Subject"))).fill("新装用水报装迟迟未办")
    form.get_by_label(label(gettext("Content"))).fill(
        "来电反映：新房报装用水已两周无人联系，要求说明还缺哪些材料。"
    )
    # Accepted at the desk, so the clerk can hand over the notice and transfer it later.
    form.get_by_role("radio", name=gettext("Accept: I handle it"), exact=True).check()
    form.get_by_role("button", name=gettext("Register and print the receipt")).click()

    expect(page).to_have_url(re.compile(r"/intake/receipt/\d{4}-\d{6}/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(gettext("Receipt (收件回执)"))
    number = definition(page, gettext("Case number")).inner_text().strip()
    secret = definition(page, gettext("Lookup secret")).inner_text().strip()
    assert CASE_NUMBER.match(number), number
    assert SECRET.match(secret), secret
    expect(definition(page, gettext("Handling department"))).to_have_text(journey.service.name)

    case = Case.objects.get(number=number)
    assert (case.channel, case.matter_kind, case.urgency) == (
        Channel.PHONE,
        MatterKind.COMPLAINT,
        Urgency.NORMAL,
    )
    assert (case.state, case.department, case.first_responder, case.handler) == (
        CaseState.ACCEPTED,
        journey.service,
        journey.desk,
        journey.desk,
    )
    return number, secret


def issue_notice(page: Page, journey: Journey, number: str) -> None:
    """Choose the service item, mark one material deficient (the rest stay present),
    issue the notice, and check that the printable notice asks for that material only."""
    page.goto(reverse("intake:notice_new", args=[number]))
    # Choosing the item only reloads the page (GET) with its checklist.
    chooser = page.locator("form").filter(has=page.locator("select[name=item]"))
    chooser.locator("select[name=item]").select_option(value=journey.item.code)
    chooser.get_by_role("button").click()
    expect(page).to_have_url(re.compile(rf"[?&]item={re.escape(journey.item.code)}(&|$)"))

    materials = list(journey.item.materials.values_list("name", flat=True))
    present, deficient = str(MaterialStatus.PRESENT.label), str(MaterialStatus.DEFICIENT.label)
    checklist = page.locator("fieldset").filter(has=page.locator("legend"))
    expect(checklist).to_have_count(len(materials))
    for name in materials:
        fieldset = checklist.filter(has=page.locator("legend", has_text=exactly(name)))
        expect(fieldset.get_by_role("radio", name=present, exact=True)).to_be_checked()
    chosen = checklist.filter(has=page.locator("legend", has_text=exactly(journey.material)))
    chosen.get_by_role("radio", name=deficient, exact=True).check()
    page.get_by_role("button", name=gettext("Issue the notice"), exact=True).click()

    expect(page).to_have_url(re.compile(r"/intake/notices/[^/]+/$"))
    notice = OneTimeNotice.objects.get(case__number=number)
    assert page.url.endswith(reverse("intake:notice", args=[notice.number]))
    expect(definition(page, gettext("Notice number"))).to_have_text(notice.number)
    expect(definition(page, gettext("Case number"))).to_have_text(number)
    to_supply = page.get_by_role(
        "heading", name=gettext("Materials to supply"), exact=True
    ).locator("xpath=following-sibling::*[1]")
    expect(to_supply).to_contain_text(journey.material)
    expect(to_supply).to_contain_text(deficient)
    for name in materials:
        if name != journey.material:
            expect(to_supply).not_to_contain_text(name)
    assert [(m["name"], m["status"]) for m in notice.materials_to_supply] == [
        (journey.material, MaterialStatus.DEFICIENT)
    ]
    assert len(notice.materials) == len(materials)


def transfer(page: Page, journey: Journey, number: str) -> None:
    """Transfer the case to the network department from the case page."""
    page.goto(reverse("deadlines:case_detail", args=[number]))
    action_label = gettext("Transfer to another department")
    action = page.locator("details.action").filter(
        has=page.locator("summary").filter(has_text=exactly(action_label))
    )
    action.locator("summary").click()
    action.get_by_label(label(gettext("To department"))).select_option(label=journey.network.name)
    action.get_by_label(label(gettext("Handover record"))).fill(
        "报装现场管线属管网维护部，请安排勘察。已告知市民补正位置示意图。"
    )
    action.get_by_role("button", name=action_label, exact=True).click()

    # The action redirects to the same page, which now carries the confirmation.
    expect(page.get_by_role("status")).to_contain_text(
        gettext("Transferred; the receiving head has been given the case.")
    )
    awaiting = str(CaseState.AWAITING_TRANSFER.label)
    expect(definition(page, gettext("State"))).to_have_text(awaiting)
    expect(definition(page, gettext("Handling department"))).to_have_text(journey.network.name)


def look_up(page: Page, journey: Journey, number: str, secret: str) -> None:
    """The citizen's view: no sign-in, the receipt's number and secret."""
    page.goto(reverse("intake:public_status"))
    page.get_by_label(label(gettext("Case number"))).fill(number)
    page.get_by_label(label(gettext("Lookup secret"))).fill(secret)
    page.get_by_role("button", name=gettext("Look it up"), exact=True).click()

    expect(page.get_by_role("heading", level=2).first).to_contain_text(number)
    expect(definition(page, gettext("State"))).to_have_text(str(CaseState.AWAITING_TRANSFER.label))
    expect(definition(page, gettext("Handling department"))).to_have_text(journey.network.name)
    html = page.content()
    for person in journey.staff:
        assert person.get_full_name() not in html, person.get_full_name()


def test_it_takes_a_phone_complaint_from_the_desk_to_the_public_status_page(
    page: Page,
    new_context: Callable[[], BrowserContext],
    journey: Journey,
    screenshots: Screenshots,
) -> None:
    sign_in(page, journey.desk)
    screenshots(page, "signed-in")

    number, secret = register_phone_complaint(page, journey)
    screenshots(page, "receipt")

    issue_notice(page, journey, number)
    screenshots(page, "notice")

    transfer(page, journey, number)
    screenshots(page, "transferred")

    citizen = new_context().new_page()  # another browser: no staff session
    look_up(citizen, journey, number, secret)
    screenshots(citizen, "public-status")

    assert [path.name for path in screenshots.taken] == [
        "01-signed-in.png",
        "02-receipt.png",
        "03-notice.png",
        "04-transferred.png",
        "05-public-status.png",
    ]
    assert all(path.stat().st_size > 0 for path in screenshots.taken)
