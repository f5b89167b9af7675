"""Complaints about staff at the front desk (issue 7, line 6): the intake pages, lists,
admin screens and APIs show a complainant's identity and the case's materials only as
deadlines.rules.may_see_complainant allows, log each showing, and never open to the
person the complaint is about.

The pages read only ``Case.accused``: the fixtures name the accused with
``case.accused.add`` on cases the desk's paperwork applies to (an application with a
notice, a pledge, a refusal), as deadlines.services.cases.case_name_accused would on a
complaint."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.translation import gettext

from accountability.models import ApiScope, AuditEntry
from accountability.roles import Role
from deadlines.models import Case, Clock
from deadlines.selectors.access import refuse_the_accused
from deadlines.services.cases import case_accept, case_name_accused
from intake.models import Appointment, OneTimeNotice, Pledge, RefusalFlag, RejectionFiling
from intake.selectors.registration import earlier_contacts
from intake.services.appointment import appointment_book, appointment_keep
from intake.services.notice import material_request
from intake.services.pledge import pledge_keep
from intake.services.rejection import rejection_file
from tests.api_support import api_client, call, reset_throttles
from tests.deadlines.conftest import Cast, _staff, open_case
from tests.factories import PASSWORD
from tests.intake.test_pledges import MONDAY, application, issue, make_item, take

pytestmark = pytest.mark.django_db

PROTECTED = (
    "Protected: this complaint is about staff. Only the inspection office and the assigned "
    "handler see the complainant and the materials."
)
RECUSED = (
    "You are named in the complaint on case %(number)s, so you cannot open or act on its "
    "papers (recusal)."
)
NAME, PHONE, ACCOUNT = "李四", "13912345678", "WA-2002"
IDENTITY = (NAME, PHONE, ACCOUNT)
NOTE = "市民称抄表员索要好处"  # what the citizen said: material of the complaint


def signed_in(user: Any) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def views_logged(case: Case) -> int:
    return AuditEntry.objects.filter(action="case.complainant_view", object_id=str(case.pk)).count()


def protected_text() -> str:
    return str(gettext(PROTECTED))


@dataclass
class Papers:
    """A case of cast.service handled by cast.handler, with a one-time notice, a request
    for a material, a pledge and an appointment; and a refused case with its filing. Both
    name `accused`."""

    case: Case
    notice: OneTimeNotice
    pledge: Pledge
    appointment: Appointment
    refused: Case
    filing: RejectionFiling
    accused: Any


@pytest.fixture
def accused(cast: Cast) -> Any:
    """A meter reader of the service department the citizen complains about."""
    return _staff("meter_reader", cast.service, Role.HANDLER)


def _citizen(**fields: Any) -> dict[str, Any]:
    return {"citizen_name": NAME, "citizen_phone": PHONE, "citizen_account": ACCOUNT, **fields}


@pytest.fixture
def papers(cast: Cast, accused: Any) -> Papers:
    with time_machine.travel(MONDAY, tick=False):
        make_item(cast)
        case = case_accept(
            actor=cast.head, case=application(cast, **_citizen()), handler=cast.handler
        )
        notice = issue(cast, case)
        material_request(actor=cast.desk, case=case, material="户口本", note=NOTE)
        case.refresh_from_db()
        pledge = take(cast, case, notice, actor=cast.handler)
        appointment = appointment_book(
            actor=cast.desk,
            case=Case.objects.get(pk=case.pk),
            wanted=cast.handler,
            reason=Appointment.Reason.AWAY,
            note=NOTE,
        )
        refused = application(cast, **_citizen(subject="新装用水"))
        filing = rejection_file(
            actor=cast.desk, case=refused, reason="不符合条件", legal_basis="第5条"
        )
    for named in (case, refused):
        named.accused.add(accused)
    return Papers(case, notice, pledge, appointment, refused, filing, accused)


def _pages(papers: Papers) -> dict[str, tuple[str, Case]]:
    """Every intake page that shows the citizen, with its case."""
    case = papers.case
    return {
        "notice": (reverse("intake:notice", args=[papers.notice.number]), case),
        "notice_new": (reverse("intake:notice_new", args=[case.number]), case),
        "material_request": (reverse("intake:material_request", args=[case.number]), case),
        "pledge": (reverse("intake:pledge", args=[papers.pledge.pk]), case),
        "appointment_new": (reverse("intake:appointment_new", args=[case.number]), case),
        "rejection": (reverse("intake:rejection", args=[papers.refused.number]), papers.refused),
    }


# -- the pages ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "page", ["notice", "notice_new", "material_request", "pledge", "appointment_new"]
)
def test_it_shows_and_logs_the_complainant_for_the_handler(
    papers: Papers, cast: Cast, page: str
) -> None:
    url, case = _pages(papers)[page]
    client = signed_in(cast.handler)
    for _ in range(2):
        response = client.get(url)
        assert response.status_code == 200
        assert NAME in response.content.decode()
        assert protected_text() not in response.content.decode()
    assert views_logged(case) == 2  # once per page view
    entry = AuditEntry.objects.filter(action="case.complainant_view").latest("at")
    assert entry.actor == cast.handler
    assert entry.after == {"where": page}


@pytest.mark.parametrize("page", ["notice", "pledge", "rejection"])
def test_it_shows_and_logs_the_printed_papers_for_the_inspection_office(
    papers: Papers, cast: Cast, page: str
) -> None:
    url, case = _pages(papers)[page]
    response = signed_in(cast.inspector).get(url)
    assert response.status_code == 200
    assert NAME in response.content.decode()
    assert views_logged(case) == 1


@pytest.mark.parametrize(
    ("page", "who"),
    [
        ("notice", "head"),
        ("notice", "desk"),
        ("notice_new", "desk"),
        ("material_request", "desk"),
        ("pledge", "head"),
        ("pledge", "desk"),
        ("appointment_new", "desk"),
        ("rejection", "desk"),
        ("rejection", "head"),
    ],
)
def test_it_says_protected_instead_of_the_complainant_to_others(
    papers: Papers, cast: Cast, page: str, who: str
) -> None:
    url, case = _pages(papers)[page]
    response = signed_in(getattr(cast, who)).get(url)
    assert response.status_code == 200
    text = response.content.decode()
    for secret in (*IDENTITY, NOTE):
        assert secret not in text
    assert 'id="identity-protected"' in text
    assert protected_text() in text
    assert views_logged(case) == 0


def test_it_offers_the_pledge_form_without_the_complainant(cast: Cast, accused: Any) -> None:
    with time_machine.travel(MONDAY, tick=False):
        make_item(cast)
        case = application(cast, **_citizen())
        issue(cast, case)
        case.accused.add(accused)
        url = reverse("intake:pledge_new", args=[case.number])
        desk = signed_in(cast.desk).get(url)
        head = signed_in(cast.head).get(url)
    assert desk.status_code == head.status_code == 200
    for response in (desk, head):
        text = response.content.decode()
        assert NAME not in text
        assert protected_text() in text
        assert str(gettext("Take the pledge and print it")) in text
    assert views_logged(case) == 0
    # The same form on an unprotected case names the citizen, and logs nothing.
    case.accused.clear()
    with time_machine.travel(MONDAY, tick=False):
        assert NAME in signed_in(cast.desk).get(url).content.decode()
    assert views_logged(case) == 0


def test_it_shows_an_unprotected_citizen_as_before_and_logs_nothing(cast: Cast) -> None:
    with time_machine.travel(MONDAY, tick=False):
        make_item(cast)
        case = application(cast, **_citizen())
        notice = issue(cast, case)
    page = signed_in(cast.desk).get(reverse("intake:notice", args=[notice.number]))
    assert NAME in page.content.decode()
    assert not AuditEntry.objects.filter(action="case.complainant_view").exists()


@pytest.mark.parametrize(
    "page", ["notice", "notice_new", "material_request", "pledge", "appointment_new", "rejection"]
)
def test_it_never_opens_a_page_to_the_person_complained_about(papers: Papers, page: str) -> None:
    url, case = _pages(papers)[page]
    response = signed_in(papers.accused).get(url)
    assert response.status_code == 403
    assert NAME not in response.content.decode()
    assert views_logged(case) == 0


def test_it_refuses_the_accused_the_desks_actions(papers: Papers, cast: Cast) -> None:
    client = signed_in(papers.accused)
    refused = papers.refused
    response = client.post(reverse("intake:rejection_delivered", args=[refused.number]))
    assert response.status_code == 403
    assert not Clock.objects.filter(case=refused, stopped_at__isnull=False).exists()
    response = client.post(reverse("intake:rejection_materials_returned", args=[refused.number]))
    assert response.status_code == 403
    assert RejectionFiling.objects.get(pk=papers.filing.pk).materials_returned_at is None
    assert client.post(reverse("intake:pledge_keep", args=[papers.pledge.pk])).status_code == 403
    assert Pledge.objects.get(pk=papers.pledge.pk).state == Pledge.State.OPEN
    # Even an appointment routed to them, on a case about them.
    keep = reverse("intake:appointment_act", args=[papers.appointment.pk, "keep"])
    Appointment.objects.filter(pk=papers.appointment.pk).update(routed_to=papers.accused)
    assert client.post(keep).status_code == 403
    assert Appointment.objects.get(pk=papers.appointment.pk).state == Appointment.State.BOOKED


def test_it_explains_the_refusal_to_the_accused(papers: Papers) -> None:
    with pytest.raises(PermissionDenied) as refused:
        refuse_the_accused(papers.accused, papers.case)
    assert refused.value.args[0] == gettext(RECUSED) % {"number": papers.case.number}
    assert papers.case.handler is not None
    refuse_the_accused(papers.case.handler, papers.case)  # anyone else: nothing


# -- the lists ---------------------------------------------------------------------------


def test_it_keeps_the_complainant_off_the_appointment_list_in_the_same_queries(
    papers: Papers, cast: Cast, django_assert_num_queries: Any
) -> None:
    client = signed_in(cast.handler)
    url = reverse("intake:appointments")
    Case.objects.get(pk=papers.case.pk).accused.clear()
    client.get(url)  # warm the session and the calendar
    with CaptureQueriesContext(connection) as unprotected:
        page = client.get(url).content.decode()
    assert NAME in page
    assert NOTE in page
    papers.case.accused.add(papers.accused)
    with django_assert_num_queries(len(unprotected.captured_queries)):
        page = client.get(url).content.decode()
    for secret in (NAME, PHONE, NOTE):
        assert secret not in page
    assert protected_text() in page
    assert papers.case.number in page  # the row stays, and links to the case page
    assert views_logged(papers.case) == 0


def test_it_keeps_the_complainant_off_the_rejection_register_in_the_same_queries(
    papers: Papers, cast: Cast, django_assert_num_queries: Any
) -> None:
    other = application(cast, citizen_name="王五", subject="新装用水")
    rejection_file(actor=cast.desk, case=other, reason="不符合条件", legal_basis="第5条")
    client = signed_in(cast.inspector)
    with django_assert_num_queries(7):  # as tests/intake/test_rejections.py pins it
        page = client.get(reverse("intake:rejection_register")).content.decode()
    assert "王五" in page
    assert NAME not in page
    assert papers.refused.number in page
    assert page.count(protected_text()) == 1
    assert views_logged(papers.refused) == 0


def test_it_leaves_complaints_about_staff_out_of_the_earlier_contacts(
    papers: Papers, cast: Cast
) -> None:
    ordinary = application(cast, **_citizen(subject="水表漏水"))
    assert [case.number for case in earlier_contacts(phone=PHONE)] == [ordinary.number]
    assert [case.number for case in earlier_contacts(account=ACCOUNT)] == [ordinary.number]


# -- admin ---------------------------------------------------------------------------------


def _admin(*, inspector: bool) -> Any:
    admin = get_user_model().objects.create_superuser("root", "root@example.com", PASSWORD)
    if inspector:
        admin.groups.add(Group.objects.get(name=Role.INSPECTION_OFFICE.value))
    return admin


@pytest.mark.parametrize("inspector", [False, True])
@pytest.mark.parametrize(
    ("model", "shows"),
    [("pledge", (NAME, PHONE, ACCOUNT)), ("onetimenotice", (NAME,)), ("appointment", (NOTE,))],
)
def test_it_shows_the_complainant_on_the_admin_screens_only_to_the_inspection_office(
    papers: Papers, inspector: bool, model: str, shows: tuple[str, ...]
) -> None:
    obj = {"pledge": papers.pledge, "onetimenotice": papers.notice}.get(model, papers.appointment)
    client = signed_in(_admin(inspector=inspector))
    response = client.get(reverse(f"admin:intake_{model}_change", args=[obj.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    for secret in shows:
        assert (secret in page) is inspector
    assert views_logged(papers.case) == (1 if inspector else 0)


def test_it_says_protected_in_the_admin_lists(papers: Papers, cast: Cast) -> None:
    other = application(cast, citizen_name="王五", subject="新装用水")
    rejection_file(actor=cast.desk, case=other, reason="不符合条件", legal_basis="第5条")
    client = signed_in(_admin(inspector=True))
    pledges = client.get(reverse("admin:intake_pledge_changelist")).content.decode()
    assert NAME not in pledges
    assert protected_text() in pledges
    filings = client.get(reverse("admin:intake_rejectionfiling_changelist")).content.decode()
    assert "王五" in filings
    assert NAME not in filings
    assert protected_text() in filings


@pytest.mark.parametrize("inspector", [False, True])
@pytest.mark.parametrize(
    ("model", "term"),
    [
        ("pledge", NAME),
        ("pledge", PHONE),
        ("pledge", ACCOUNT),
        ("rejectionfiling", NAME),
        ("appointment", NAME),
    ],
)
def test_it_finds_a_protected_row_by_the_complainant_only_for_the_inspection_office(
    papers: Papers, cast: Cast, inspector: bool, model: str, term: str
) -> None:
    url = reverse(f"admin:intake_{model}_changelist")
    client = signed_in(_admin(inspector=inspector))
    found = client.get(url, {"q": term}).context["cl"].result_list
    assert bool(list(found)) is inspector
    number = papers.refused.number if model == "rejectionfiling" else papers.case.number
    by_number = client.get(url, {"q": number})
    assert list(by_number.context["cl"].result_list)


def test_it_never_lets_the_accused_find_the_complaint_in_the_admin(
    papers: Papers, cast: Cast
) -> None:
    # An inspector complained about: the inspection office's search does not help.
    papers.case.accused.set([cast.inspector])
    cast.inspector.is_staff = cast.inspector.is_superuser = True
    cast.inspector.save()
    client = signed_in(cast.inspector)
    found = client.get(reverse("admin:intake_pledge_changelist"), {"q": NAME})
    assert not list(found.context["cl"].result_list)


# -- APIs ----------------------------------------------------------------------------------


def test_it_never_gives_the_complainant_through_open311(papers: Papers, cast: Cast) -> None:
    complaint = case_name_accused(
        actor=cast.desk,
        case=open_case(cast, **_citizen()),
        accused=[papers.accused],
        reason=NOTE,
    )
    reset_throttles()
    token = api_client([ApiScope.CASES_READ], rate="10000/min")[1]
    for url in (
        "/open311/v2/requests.json",
        f"/open311/v2/requests/{complaint.number}.json",
        f"/open311/v2/requests/{papers.case.number}.json",
    ):
        response = call(token, url)
        assert response.status_code == 200
        text = response.content.decode()
        for secret in (*IDENTITY, NOTE, "三楼以上"):
            assert secret not in text
    assert complaint.number in call(token, "/open311/v2/requests.json").content.decode()


@pytest.mark.parametrize("inspector", [False, True])
def test_it_opens_a_refusal_flag_of_a_protected_case_only_to_the_inspection_office(
    papers: Papers, cast: Cast, inspector: bool
) -> None:
    flag = RefusalFlag.objects.create(
        case=papers.case,
        staff=cast.desk,
        department=cast.service,
        phrase="不归我管",
        text="这个不归我管，找抄表员去",
    )
    client = signed_in(_admin(inspector=inspector))
    listed = client.get(reverse("admin:intake_refusalflag_changelist")).content.decode()
    assert "找抄表员去" not in listed
    assert protected_text() in listed
    opened = client.get(reverse("admin:intake_refusalflag_change", args=[flag.pk]))
    assert opened.status_code == (200 if inspector else 403)
    assert ("找抄表员去" in opened.content.decode()) is inspector
    assert views_logged(papers.case) == (1 if inspector else 0)


def test_it_refuses_the_accused_in_the_services_not_only_on_the_pages(
    papers: Papers, cast: Cast, accused: Any
) -> None:
    colleague = _staff("colleague", cast.service, Role.HANDLER)  # same roles, not named
    case, refused = papers.case, papers.refused
    for perm, obj in (
        ("intake.issue_notice", case),
        ("intake.take_pledge", case),
        ("intake.keep_pledge", case),
        ("intake.file_rejection", refused),
        ("intake.book_appointment", case),
    ):
        assert colleague.has_perm(perm, obj), perm
        assert not accused.has_perm(perm, obj), perm
    Appointment.objects.filter(pk=papers.appointment.pk).update(routed_to=accused)
    appointment = Appointment.objects.get(pk=papers.appointment.pk)
    with pytest.raises(PermissionDenied):
        appointment_keep(actor=accused, appointment=appointment)
    with pytest.raises(PermissionDenied):
        pledge_keep(actor=accused, pledge=papers.pledge)
    assert Pledge.objects.get(pk=papers.pledge.pk).state == Pledge.State.OPEN
    assert Appointment.objects.get(pk=appointment.pk).state == Appointment.State.BOOKED


def test_it_refuses_the_accused_the_receipt(papers: Papers, accused: Any) -> None:
    Case.objects.filter(pk=papers.case.pk).update(first_responder=accused)
    client = signed_in(accused)
    assert client.get(reverse("intake:receipt", args=[papers.case.number])).status_code == 403
    new_secret = reverse("intake:receipt_new_secret", args=[papers.case.number])
    assert client.post(new_secret).status_code == 403
