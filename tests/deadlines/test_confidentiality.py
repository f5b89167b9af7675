"""Complaints about staff (issue 7, line 6): the staff complained about are recorded on the
case; the complainant's identity and materials are seen only by the inspection office and
the assigned handler, never by the accused; every showing is logged; the accused never
handles, supervises or is given the case (recusal, seed 002 附件10 §5–6)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Field
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from accountability.models import ApiScope, AuditEntry
from accountability.roles import Role
from accountability.services import absence_record
from deadlines.forms import AssignForm
from deadlines.models import Case, CaseEvent, MatterKind
from deadlines.resources import IDENTITY_COLUMNS, CaseResource
from deadlines.rules import sees_complainant
from deadlines.selectors.cases import case_get
from deadlines.services.cases import (
    case_accept,
    case_accept_transfer,
    case_assign,
    case_name_accused,
    case_supervise,
    case_transfer,
)
from tests.api_support import api_client, call, reset_throttles
from tests.deadlines.conftest import Cast, _staff, open_case
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

IDENTITY = ("张三", "13800000000", "幸福路8号", "WA-778899", "三楼以上")


@pytest.fixture
def accused(cast: Cast) -> Any:
    """A meter reader of the service department the citizen complains about."""
    return _staff("meter_reader", cast.service, Role.HANDLER)


def _complaint(cast: Cast) -> Case:
    return open_case(cast, citizen_address="幸福路8号", citizen_account="WA-778899")


@pytest.fixture
def about_staff(cast: Cast, accused: Any) -> Case:
    """A complaint about the meter reader, handled by cast.handler."""
    case = case_accept(actor=cast.head, case=_complaint(cast), handler=cast.handler)
    return case_name_accused(actor=cast.desk, case=case, accused=[accused], reason="抄表员态度恶劣")


def signed_in(user: Any) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def views_logged(case: Case) -> int:
    return AuditEntry.objects.filter(action="case.complainant_view", object_id=str(case.pk)).count()


# -- recording the accused ---------------------------------------------------------------


def test_it_records_the_accused_with_an_event_and_an_audit_row(
    about_staff: Case, accused: Any, cast: Cast
) -> None:
    case = Case.objects.get(pk=about_staff.pk)
    assert list(case.accused.all()) == [accused]
    assert case.is_about_staff
    event = CaseEvent.objects.filter(case=case, action="name_accused").get()
    assert event.actor == cast.desk
    assert event.data["accused"] == [accused.pk]
    assert event.reason == "抄表员态度恶劣"
    entry = AuditEntry.objects.get(action="case.name_accused", object_id=str(case.pk))
    assert entry.after == {"accused": [accused.pk], "recused": {}}


@pytest.mark.parametrize("who", ["desk", "head", "inspector"])
def test_it_lets_the_first_responder_the_head_and_the_inspection_office_name_the_accused(
    cast: Cast, accused: Any, who: str
) -> None:
    case = case_name_accused(
        actor=getattr(cast, who), case=_complaint(cast), accused=[accused], reason="态度"
    )
    assert case.accused_ids == {accused.pk}


@pytest.mark.parametrize("who", ["handler", "leader", "outsider", "network_head"])
def test_it_refuses_anyone_else_naming_the_accused(cast: Cast, accused: Any, who: str) -> None:
    case = case_accept(actor=cast.head, case=_complaint(cast), handler=cast.handler)
    with pytest.raises(PermissionDenied):
        case_name_accused(actor=getattr(cast, who), case=case, accused=[accused], reason="态度")
    assert not Case.objects.get(pk=case.pk).accused.exists()


def test_it_names_the_accused_only_on_a_complaint_or_report(cast: Cast, accused: Any) -> None:
    case = open_case(cast, matter_kind=MatterKind.CONSULTATION)
    with pytest.raises(ValidationError) as refused:
        case_name_accused(actor=cast.desk, case=case, accused=[accused], reason="态度")
    assert case.number in refused.value.messages[0]
    assert not Case.objects.get(pk=case.pk).accused.exists()


def test_it_wants_a_reason_and_somebody(cast: Cast, accused: Any) -> None:
    case = _complaint(cast)
    with pytest.raises(ValidationError) as refused:
        case_name_accused(actor=cast.desk, case=case, accused=[accused], reason="  ")
    assert refused.value.messages == [gettext("Say what the complaint says about them.")]
    with pytest.raises(ValidationError) as refused:
        case_name_accused(actor=cast.desk, case=case, accused=[], reason="态度")
    assert refused.value.messages == [gettext("Name at least one staff member.")]


def test_it_names_a_person_once(about_staff: Case, accused: Any, cast: Cast) -> None:
    case_name_accused(actor=cast.inspector, case=about_staff, accused=[accused], reason="again")
    assert CaseEvent.objects.filter(case=about_staff, action="name_accused").count() == 1


# -- who sees the complainant ----------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "sees"),
    [
        ("inspector", True),
        ("handler", True),
        ("head", False),
        ("desk", False),  # the first responder
        ("leader", False),
        ("network_head", False),
        ("accused", False),
    ],
)
def test_it_shows_a_complainant_about_staff_only_to_the_inspection_office_and_the_handler(
    about_staff: Case, cast: Cast, accused: Any, who: str, sees: bool
) -> None:
    user = accused if who == "accused" else getattr(cast, who)
    assert sees_complainant(user, case_get(number=about_staff.number)) is sees


def test_it_never_shows_the_accused_their_complainant_whatever_role_they_hold(
    cast: Cast,
) -> None:
    # An inspector complained about, who also heads nothing: the role does not help.
    case = case_name_accused(
        actor=cast.desk, case=_complaint(cast), accused=[cast.inspector], reason="态度"
    )
    assert not sees_complainant(cast.inspector, case_get(number=case.number))


def test_it_does_not_let_an_administrator_see_a_protected_complainant(
    about_staff: Case, cast: Cast
) -> None:
    admin = get_user_model().objects.create_superuser("root", "root@example.com", PASSWORD)
    assert admin.has_perm("deadlines.view_case", about_staff)  # superuser: every perm
    assert not sees_complainant(admin, case_get(number=about_staff.number))


def test_it_shows_other_cases_to_whoever_may_see_the_case(cast: Cast) -> None:
    case = _complaint(cast)
    assert sees_complainant(cast.head, case_get(number=case.number))


# -- the case page -------------------------------------------------------------------------


def test_it_shows_and_logs_the_complainant_on_the_inspectors_case_page(
    about_staff: Case, cast: Cast
) -> None:
    client = signed_in(cast.inspector)
    url = reverse("deadlines:case_detail", args=[about_staff.number])
    for _ in range(2):
        page = client.get(url).content.decode()
        for secret in IDENTITY:
            assert secret in page
        assert "抄表员态度恶劣" in page
    assert views_logged(about_staff) == 2  # one row per page view
    entry = AuditEntry.objects.filter(action="case.complainant_view").first()
    assert entry is not None
    assert entry.actor == cast.inspector


@pytest.mark.parametrize("who", ["head", "desk", "accused"])
def test_it_hides_the_complainant_on_the_case_page_of_others(
    about_staff: Case, cast: Cast, accused: Any, who: str
) -> None:
    user = accused if who == "accused" else getattr(cast, who)
    response = signed_in(user).get(reverse("deadlines:case_detail", args=[about_staff.number]))
    assert response.status_code == 200
    page = response.content.decode()
    for secret in IDENTITY:
        assert secret not in page
    assert "抄表员态度恶劣" not in page  # what the complaint says is its material too
    assert 'id="identity-protected"' in page
    assert views_logged(about_staff) == 0


def test_it_logs_no_view_of_an_unprotected_complainant(cast: Cast) -> None:
    case = _complaint(cast)
    page = signed_in(cast.head).get(reverse("deadlines:case_detail", args=[case.number]))
    assert "张三" in page.content.decode()
    assert not AuditEntry.objects.filter(action="case.complainant_view").exists()


def test_it_keeps_the_complainant_off_the_case_lists(about_staff: Case, cast: Cast) -> None:
    for user, name in ((cast.head, "department_cases"), (cast.handler, "my_cases")):
        page = signed_in(user).get(reverse(f"deadlines:{name}")).content.decode()
        assert about_staff.number in page
        for secret in IDENTITY:
            assert secret not in page


def test_it_names_the_accused_from_the_case_page(cast: Cast, accused: Any) -> None:
    case = case_accept(actor=cast.head, case=_complaint(cast), handler=cast.handler)
    client = signed_in(cast.head)
    page = client.get(reverse("deadlines:case_detail", args=[case.number])).content.decode()
    assert str(gettext("Name the staff complained about")) in page
    response = client.post(
        reverse("deadlines:case_act", args=[case.number, "name_accused"]),
        {"version": case.version, "accused": [accused.pk], "reason": "态度恶劣"},
    )
    assert response.status_code == 302
    assert Case.objects.get(pk=case.pk).accused_ids == {accused.pk}
    page = client.get(reverse("deadlines:case_detail", args=[case.number])).content.decode()
    assert "张三" not in page  # the head no longer sees the complainant
    assert str(gettext("Staff complained about named")) in page


# -- admin, export, API ----------------------------------------------------------------------


def _admin(*, inspector: bool) -> Any:
    admin = get_user_model().objects.create_superuser("root", "root@example.com", PASSWORD)
    if inspector:
        admin.groups.add(Group.objects.get(name=Role.INSPECTION_OFFICE.value))
    return admin


@pytest.mark.parametrize("inspector", [False, True])
def test_it_shows_the_complainant_in_the_admin_only_to_the_inspection_office(
    about_staff: Case, inspector: bool
) -> None:
    client = signed_in(_admin(inspector=inspector))
    url = reverse("admin:deadlines_case_change", args=[about_staff.pk])
    response = client.get(url)
    assert response.status_code == 200
    page = response.content.decode()
    assert about_staff.number in page
    for secret in IDENTITY:
        assert (secret in page) is inspector
    assert views_logged(about_staff) == (1 if inspector else 0)


@pytest.mark.parametrize("inspector", [False, True])
def test_it_finds_a_protected_case_by_its_complainant_only_for_the_inspection_office(
    about_staff: Case, cast: Cast, inspector: bool
) -> None:
    other = open_case(cast, subject="水表漏水")  # the same citizen, an ordinary case
    client = signed_in(_admin(inspector=inspector))
    page = client.get(reverse("admin:deadlines_case_changelist"), {"q": "张三"}).content.decode()
    assert other.number in page
    assert (about_staff.number in page) is inspector
    by_number = client.get(reverse("admin:deadlines_case_changelist"), {"q": about_staff.number})
    assert about_staff.number in by_number.content.decode()


def _exported(resource: CaseResource) -> dict[str, dict[str, Any]]:
    """The exported rows by case number, each by field name: the file's headers are the
    fields' translated names, its coded values their labels."""
    fields = [Case._meta.get_field(name) for name in ("number", *IDENTITY_COLUMNS)]
    names = {str(field.verbose_name): field.name for field in fields if isinstance(field, Field)}
    rows = [{names.get(k, k): v for k, v in row.items()} for row in resource.export().dict]
    return {row["number"]: row for row in rows}


def test_it_exports_a_protected_complainant_only_to_whom_may_see_it(
    about_staff: Case, cast: Cast
) -> None:
    other = open_case(cast, subject="水表漏水")
    rows = _exported(CaseResource(user=cast.head))
    assert rows[other.number]["citizen_name"] == "张三"
    protected = rows[about_staff.number]
    for column in IDENTITY_COLUMNS:
        assert protected[column] == gettext("protected")
    assert views_logged(about_staff) == 0
    rows = _exported(CaseResource(user=cast.inspector))
    assert rows[about_staff.number]["citizen_name"] == "张三"
    assert rows[about_staff.number]["citizen_account"] == "WA-778899"
    assert views_logged(about_staff) == 1
    # Without a user (a script), nothing protected goes into the file.
    rows = _exported(CaseResource())
    assert rows[about_staff.number]["citizen_name"] == gettext("protected")


def test_it_never_gives_the_complainant_through_the_rest_api(about_staff: Case) -> None:
    reset_throttles()
    token = api_client([ApiScope.CASES_READ], rate="10000/min")[1]
    for url in ("/api/v1/cases/", f"/api/v1/cases/{about_staff.number}/"):
        response = call(token, url)
        assert response.status_code == 200
        text = response.content.decode()
        assert about_staff.number in text
        for secret in IDENTITY:
            assert secret not in text


# -- recusal ---------------------------------------------------------------------------------


RECUSAL = (
    "%(person)s is named in the complaint on case %(number)s and cannot handle, "
    "supervise or be given it (recusal)."
)


def _refused_for(error: pytest.ExceptionInfo[ValidationError], person: Any, case: Case) -> None:
    assert error.value.messages == [
        gettext(RECUSAL)
        % {"person": person.get_full_name() or person.username, "number": case.number}
    ]


def test_it_takes_a_named_handler_off_the_case(cast: Cast) -> None:
    case = case_accept(actor=cast.head, case=_complaint(cast), handler=cast.handler)
    case = case_supervise(actor=cast.head, case=case, supervisor=cast.handler, reason="盯办")
    case = case_name_accused(actor=cast.inspector, case=case, accused=[cast.handler], reason="x")
    case.refresh_from_db()
    assert case.handler is None
    assert case.supervisor is None
    event = CaseEvent.objects.get(case=case, action="name_accused")
    assert event.data["recused"] == {"handler": cast.handler.pk, "supervisor": cast.handler.pk}
    # The clocks the handler answered for now answer to the department (its head).
    assert not case.clocks.filter(responsible=cast.handler, stopped_at__isnull=True).exists()
    assert not sees_complainant(cast.handler, case_get(number=case.number))


def test_it_refuses_to_assign_the_accused(about_staff: Case, accused: Any, cast: Cast) -> None:
    with pytest.raises(ValidationError) as refused:
        case_assign(actor=cast.head, case=about_staff, handler=accused)
    _refused_for(refused, accused, about_staff)
    assert Case.objects.get(pk=about_staff.pk).handler == cast.handler


def test_it_refuses_to_accept_with_the_accused_as_handler(cast: Cast, accused: Any) -> None:
    case = case_name_accused(actor=cast.desk, case=_complaint(cast), accused=[accused], reason="x")
    with pytest.raises(ValidationError) as refused:
        case_accept(actor=cast.head, case=case, handler=accused)
    _refused_for(refused, accused, case)
    with pytest.raises(PermissionDenied):  # recusal: the accused takes no action on it
        case_accept(actor=accused, case=Case.objects.get(pk=case.pk))
    assert Case.objects.get(pk=case.pk).state == "registered"


def test_it_refuses_the_accused_as_supervisor(about_staff: Case, accused: Any, cast: Cast) -> None:
    with pytest.raises(ValidationError) as refused:
        case_supervise(actor=cast.head, case=about_staff, supervisor=accused, reason="盯办")
    _refused_for(refused, accused, about_staff)


def test_it_refuses_a_substitute_who_is_accused(cast: Cast, accused: Any) -> None:
    case = case_name_accused(actor=cast.desk, case=_complaint(cast), accused=[accused], reason="x")
    now = timezone.now()
    absence_record(
        actor=cast.head,
        staff=cast.handler,
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(days=3),
        substitute=accused,
        reason="年假",
    )
    with pytest.raises(ValidationError) as refused:
        case_accept(actor=cast.head, case=case, handler=cast.handler)
    _refused_for(refused, accused, case)


def test_it_refuses_to_transfer_to_a_department_the_accused_heads(cast: Cast) -> None:
    case = case_name_accused(
        actor=cast.desk, case=_complaint(cast), accused=[cast.network_head], reason="x"
    )
    with pytest.raises(ValidationError) as refused:
        case_transfer(actor=cast.desk, case=case, to_department=cast.network, handover_note="转")
    assert cast.network.name in refused.value.messages[0]
    assert Case.objects.get(pk=case.pk).department == cast.service


def test_it_refuses_to_accept_a_transfer_with_the_accused_as_handler(cast: Cast) -> None:
    case = case_name_accused(
        actor=cast.desk, case=_complaint(cast), accused=[cast.network_handler], reason="x"
    )
    case_transfer(actor=cast.desk, case=case, to_department=cast.network, handover_note="转")
    case = Case.objects.get(pk=case.pk)
    with pytest.raises(ValidationError) as refused:
        case_accept_transfer(actor=cast.network_head, case=case, handler=cast.network_handler)
    _refused_for(refused, cast.network_handler, case)
    assert Case.objects.get(pk=case.pk).state == "awaiting_transfer"


def test_it_leaves_the_accused_out_of_the_handler_choices(about_staff: Case, accused: Any) -> None:
    form = AssignForm(case=case_get(number=about_staff.number))
    choices = form.fields["handler"].queryset  # type: ignore[attr-defined]
    assert accused not in choices
    assert about_staff.handler in choices
