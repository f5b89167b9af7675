"""The one-time notice (一次性告知书): numbering, the snapshot that a catalogue revision
never changes, a status for every material, append-only rows, later requests and the
breach against the issuer, permissions, ended cases, the pages and the case section."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse
from django.utils.translation import gettext

from accountability.models import StaffProfile
from deadlines.models import CaseEvent, EventAction
from deadlines.services.cases import CaseConflict, case_answer
from intake.models import (
    ItemKind,
    MaterialRequest,
    MaterialStatus,
    NoticeBreach,
    NoticeBreachKind,
    OneTimeNotice,
    ServiceItem,
    ServiceItemMaterial,
)
from intake.selectors.catalogue import service_item_current
from intake.selectors.notices import case_with_notices, notice_breach_list
from intake.services.catalogue import service_item_create, service_item_revise
from intake.services.notice import material_request, notice_issue
from tests.deadlines.conftest import Cast, open_case
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

FORM = "申请表"
ID_CARD = "申请人身份证"
SKETCH = "位置示意图"
PRESENT, MISSING, DEFICIENT = (
    MaterialStatus.PRESENT,
    MaterialStatus.MISSING,
    MaterialStatus.DEFICIENT,
)


def signed_in(user: Any) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def _materials() -> list[ServiceItemMaterial]:
    return [
        ServiceItemMaterial(name=FORM, form_requirements="原件1份，申请人签字"),
        ServiceItemMaterial(name=ID_CARD, form_requirements="原件核验，复印件1份"),
        ServiceItemMaterial(name=SKETCH, form_requirements="打印或手绘1份", may_be_deficient=True),
    ]


@pytest.fixture
def item(cast: Cast) -> ServiceItem:
    created = service_item_create(
        actor=None,
        item=ServiceItem(
            code="new-connection",
            name="新装用水",
            kind=ItemKind.JOINT,
            department=cast.service,
            legal_basis="《城市供水条例》",
            conditions="用水地址在管网覆盖范围内。",
            quantity_limit="一户一表。",
            procedure="受理、勘查、签约、施工、通水。",
            fee_basis="",
            fee_standard="免费",
            refusal_reasons="材料虚假。",
            statutory_limit_amount=20,
            statutory_limit_unit="working_days",
            promised_limit_amount=15,
            promised_limit_unit="working_days",
            allows_deficiency=True,
        ),
        materials=_materials(),
    )
    return service_item_current(created.code)


def statuses(**changes: str) -> dict[str, str]:
    """Every material present unless told otherwise (keys: form, id_card, sketch)."""
    names = {"form": FORM, "id_card": ID_CARD, "sketch": SKETCH}
    marked = dict.fromkeys(names.values(), str(PRESENT))
    for key, status in changes.items():
        marked[names[key]] = str(status)
    return marked


def issue(cast: Cast, case: Any, actor: Any = None, **changes: str) -> OneTimeNotice:
    return notice_issue(
        actor=actor or cast.desk,
        case=case,
        item_code="new-connection",
        statuses=statuses(**changes),
    )


def revise(item: ServiceItem) -> ServiceItem:
    return service_item_revise(
        actor=None,
        item=item,
        changes={
            "name": "新装用水（新版）",
            "legal_basis": "新依据",
            "fee_standard": "按新标准收费",
        },
        materials=[
            ServiceItemMaterial(name=FORM, form_requirements="电子版即可"),
            ServiceItemMaterial(
                name="新增材料", form_requirements="原件1份", may_be_deficient=True
            ),
        ],
        reason="政策调整",
    )


# -- issuing ----------------------------------------------------------------------------


def test_it_numbers_the_notices_of_each_case_from_one(cast: Cast, item: ServiceItem) -> None:
    first_case, second_case = open_case(cast), open_case(cast)

    numbers = [
        issue(cast, first_case, form=MISSING).number,
        issue(cast, first_case).number,
        issue(cast, second_case).number,
    ]

    assert numbers == [
        f"{first_case.number}-1",
        f"{first_case.number}-2",
        f"{second_case.number}-1",
    ]
    with pytest.raises(IntegrityError), transaction.atomic():
        OneTimeNotice.objects.create(
            number=numbers[0],
            case=first_case,
            service_item=item,
            content={},
            issued_by=cast.desk,
        )


def test_it_snapshots_everything_the_notice_states(cast: Cast, item: ServiceItem) -> None:
    case = open_case(cast)

    notice = issue(cast, case, id_card=MISSING, sketch=DEFICIENT)

    snapshot = notice.content
    assert snapshot["case"] == {"number": case.number, "citizen_name": "张三"}
    assert snapshot["issuer"]["name"] == cast.desk.get_full_name()
    assert snapshot["issuer"]["desk_phone"] == cast.desk.staff.desk_phone
    facts = snapshot["item"]
    assert (facts["code"], facts["version"], facts["name"]) == ("new-connection", 1, "新装用水")
    assert (facts["kind"], facts["kind_display"]) == ("joint", str(ItemKind.JOINT.label))
    assert facts["department"] == cast.service.name
    assert facts["legal_basis"] == "《城市供水条例》"
    assert facts["quantity_limit"] == "一户一表。"
    assert (facts["fee_basis"], facts["fee_standard"], facts["free"]) == ("", "免费", True)
    assert facts["refusal_reasons"] == "材料虚假。"
    assert facts["statutory_limit"] == item.statutory_limit_label
    assert facts["promised_limit"] == item.promised_limit_label
    assert (facts["allows_deficiency"], facts["touches_safety"]) == (True, False)
    assert notice.materials == [
        {
            "position": 1,
            "name": FORM,
            "form_requirements": "原件1份，申请人签字",
            "required": True,
            "may_be_deficient": False,
            "status": "present",
        },
        {
            "position": 2,
            "name": ID_CARD,
            "form_requirements": "原件核验，复印件1份",
            "required": True,
            "may_be_deficient": False,
            "status": "missing",
        },
        {
            "position": 3,
            "name": SKETCH,
            "form_requirements": "打印或手绘1份",
            "required": True,
            "may_be_deficient": True,
            "status": "deficient",
        },
    ]
    assert [m["name"] for m in notice.materials_to_supply] == [ID_CARD, SKETCH]
    assert notice.service_item == item
    assert notice.issued_by == cast.desk


def test_it_records_the_notice_on_the_case(cast: Cast, item: ServiceItem) -> None:
    case = open_case(cast)

    notice = issue(cast, case, form=MISSING)

    event = CaseEvent.objects.filter(case=case).latest("id")
    assert (event.action, event.actor) == (EventAction.NOTICE, cast.desk)
    assert event.data["notice"] == notice.number
    assert event.data["to_supply"] == [FORM]
    case.refresh_from_db()
    assert case.version == 2  # the event moved the case's version on, under its lock


def test_it_keeps_the_notice_as_issued_when_the_item_is_revised(
    cast: Cast, item: ServiceItem
) -> None:
    case = open_case(cast)
    notice = issue(cast, case, id_card=MISSING)
    before = dict(notice.content)

    revised = revise(item)

    notice = OneTimeNotice.objects.get(pk=notice.pk)
    assert notice.content == before
    assert notice.service_item_id == item.pk != revised.pk
    page = signed_in(cast.desk).get(reverse("intake:notice", args=[notice.number]))
    text = page.content.decode()
    assert page.status_code == 200
    assert "《城市供水条例》" in text
    assert "原件1份，申请人签字" in text
    assert ID_CARD in text
    assert "新版" not in text
    assert "新依据" not in text
    assert "新增材料" not in text
    assert "电子版即可" not in text


def test_it_issues_a_later_notice_from_the_revised_item(cast: Cast, item: ServiceItem) -> None:
    case = open_case(cast)
    revised = revise(item)

    notice = notice_issue(
        actor=cast.desk,
        case=case,
        item_code="new-connection",
        statuses={FORM: "present", "新增材料": "missing"},
    )

    assert notice.service_item == revised
    assert notice.content["item"]["version"] == 2
    assert [m["name"] for m in notice.materials_to_supply] == ["新增材料"]


def test_it_needs_a_status_for_every_material_and_names_the_ones_left_out(
    cast: Cast, item: ServiceItem
) -> None:
    case = open_case(cast)

    with pytest.raises(ValidationError) as missing:
        notice_issue(
            actor=cast.desk, case=case, item_code="new-connection", statuses={FORM: "present"}
        )
    assert ID_CARD in " ".join(missing.value.messages)
    assert SKETCH in " ".join(missing.value.messages)

    with pytest.raises(ValidationError) as unknown:
        notice_issue(
            actor=cast.desk,
            case=case,
            item_code="new-connection",
            statuses={**statuses(), "户口本": "missing"},
        )
    assert "户口本" in " ".join(unknown.value.messages)

    with pytest.raises(ValidationError) as bad:
        notice_issue(
            actor=cast.desk,
            case=case,
            item_code="new-connection",
            statuses={**statuses(), FORM: "lost"},
        )
    assert FORM in " ".join(bad.value.messages)

    with pytest.raises(ValidationError):
        notice_issue(actor=cast.desk, case=case, item_code="no-such-item", statuses={})
    assert not OneTimeNotice.objects.exists()
    assert not CaseEvent.objects.filter(action=EventAction.NOTICE).exists()


def test_it_refuses_a_checklist_made_for_a_version_since_revised(
    cast: Cast, item: ServiceItem
) -> None:
    case = open_case(cast)
    revise(item)

    with pytest.raises(ValidationError) as refused:
        notice_issue(
            actor=cast.desk,
            case=case,
            item_code="new-connection",
            statuses={FORM: "present", "新增材料": "missing"},
            version=1,
        )
    assert refused.value.code == "revised"
    assert not OneTimeNotice.objects.exists()


def test_it_never_changes_a_notice_once_issued(cast: Cast, item: ServiceItem) -> None:
    notice = issue(cast, open_case(cast))
    notice.content = {}

    with pytest.raises(PermissionError):
        notice.save()

    assert OneTimeNotice.objects.get(pk=notice.pk).content["item"]["name"] == "新装用水"


@pytest.mark.postgres
def test_it_lets_postgresql_refuse_raw_updates_and_deletes_of_notices(
    cast: Cast, item: ServiceItem
) -> None:
    case = open_case(cast)
    notice = issue(cast, case, form=MISSING)
    request = material_request(actor=cast.desk, case=case, material=ID_CARD)
    for table, pk in [
        ("intake_onetimenotice", notice.pk),
        ("intake_materialrequest", request.pk),
        ("intake_noticebreach", request.breach.pk),
    ]:
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(f"UPDATE {table} SET id = id WHERE id = %s", [pk])
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(f"DELETE FROM {table} WHERE id = %s", [pk])
    assert OneTimeNotice.objects.get(pk=notice.pk).content["materials"][0]["status"] == "missing"


# -- later requests (补正) --------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "asked"),
    [
        ({"id_card": MISSING}, ID_CARD),
        ({"sketch": DEFICIENT}, SKETCH),
        ({"id_card": MISSING}, f"  {ID_CARD[:3]}\u3000{ID_CARD[3:]} "),
    ],
)
def test_it_records_no_breach_for_a_material_the_notice_asked_for(
    cast: Cast, item: ServiceItem, changes: dict[str, str], asked: str
) -> None:
    case = open_case(cast)
    notice = issue(cast, case, **changes)

    request = material_request(actor=cast.handler, case=case, material=asked, note="补交")

    assert request.notice == notice
    assert request.material in (ID_CARD, SKETCH)  # as the notice spells it
    assert (request.requested_by, request.note) == (cast.handler, "补交")
    assert not NoticeBreach.objects.exists()
    event = CaseEvent.objects.filter(case=case).latest("id")
    assert event.action == EventAction.MATERIAL_REQUEST
    assert (event.data["notice"], event.data["breach"]) == (notice.number, False)


@pytest.mark.parametrize("asked", ["户口本", FORM])  # never listed; listed as present
def test_it_records_a_breach_against_the_issuer_for_a_material_not_asked_for(
    cast: Cast, item: ServiceItem, asked: str
) -> None:
    case = open_case(cast)
    notice = issue(cast, case, id_card=MISSING)

    request = material_request(actor=cast.handler, case=case, material=asked)

    breach = NoticeBreach.objects.get()
    assert (breach.request, breach.notice) == (request, notice)
    assert breach.responsible == cast.desk  # the issuer, not the handler who asked
    # The shared breach fields: the issuer's department, at the later request's moment.
    assert (breach.kind, breach.department, breach.moment) == (
        NoticeBreachKind.NOTICE_INCOMPLETE,
        cast.desk.staff.department,
        request.requested_at,
    )
    assert breach.detected_at >= breach.moment
    event = CaseEvent.objects.filter(case=case).latest("id")
    assert (event.data["material"], event.data["breach"]) == (asked, True)
    assert list(notice_breach_list()) == [breach]
    for record in (request, breach):  # both are history: never changed in place
        with pytest.raises(PermissionError):
            record.save()


def test_it_records_a_breach_in_the_issuers_department_or_else_the_cases(
    cast: Cast, item: ServiceItem
) -> None:
    """What the sanctions ingest gave a notice breach's violation before the breach
    recorded its department: the issuer's; for an issuer with no staff profile, the
    case's."""
    for profile in (True, False):
        case = open_case(cast, department=cast.network)
        issue(cast, case, id_card=MISSING)
        if not profile:
            StaffProfile.objects.filter(user=cast.desk).delete()
        material_request(actor=cast.desk, case=case, material="户口本")
        breach = NoticeBreach.objects.get(notice__case=case)
        assert (breach.responsible, breach.department) == (
            cast.desk,
            cast.service if profile else cast.network,
        )


def test_it_compares_a_request_with_the_latest_notice(cast: Cast, item: ServiceItem) -> None:
    case = open_case(cast)
    issue(cast, case, id_card=MISSING)
    latest = issue(cast, case, actor=cast.head, sketch=MISSING)

    material_request(actor=cast.desk, case=case, material=SKETCH)
    material_request(actor=cast.desk, case=case, material=ID_CARD)

    breach = NoticeBreach.objects.get()
    assert (breach.request.material, breach.notice, breach.responsible) == (
        ID_CARD,
        latest,
        cast.head,
    )


def test_it_refuses_a_request_before_any_notice_and_says_what_to_do(
    cast: Cast, item: ServiceItem
) -> None:
    case = open_case(cast)

    with pytest.raises(ValidationError) as refused:
        material_request(actor=cast.desk, case=case, material=FORM)

    assert refused.value.code == "no_notice"
    assert case.number in refused.value.messages[0]
    assert not MaterialRequest.objects.exists()


def test_it_refuses_a_request_without_a_material(cast: Cast, item: ServiceItem) -> None:
    case = open_case(cast)
    issue(cast, case)

    with pytest.raises(ValidationError):
        material_request(actor=cast.desk, case=case, material=" \u3000 ")
    assert not MaterialRequest.objects.exists()


# -- who may, and when ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "may"),
    [
        ("desk", True),  # first responder and front desk of the department
        ("handler", True),
        ("head", True),
        ("leader", False),  # sees the case, but takes no materials in
        ("inspector", False),
        ("network_handler", False),
        ("outsider", False),
    ],
)
def test_it_lets_the_case_departments_desk_issue_and_ask(
    cast: Cast, item: ServiceItem, who: str, may: bool
) -> None:
    case = open_case(cast)
    actor = getattr(cast, who)

    if may:
        issue(cast, case, actor=actor, form=MISSING)
        material_request(actor=actor, case=case, material=FORM)
        assert MaterialRequest.objects.count() == 1
        return
    with pytest.raises(PermissionDenied):
        issue(cast, case, actor=actor)
    issue(cast, case)
    with pytest.raises(PermissionDenied):
        material_request(actor=actor, case=case, material=FORM)
    assert not MaterialRequest.objects.exists()


def test_it_lets_the_first_responder_issue_after_the_case_went_elsewhere(
    cast: Cast, item: ServiceItem
) -> None:
    case = open_case(cast, department=cast.network)

    notice = issue(cast, case, form=MISSING)

    assert notice.issued_by == cast.desk
    with pytest.raises(PermissionDenied):
        issue(cast, case, actor=cast.handler)


def test_it_refuses_both_on_an_ended_case(cast: Cast, item: ServiceItem) -> None:
    case = issue(cast, open_case(cast), form=MISSING).case  # as the notice left it
    case_answer(actor=cast.desk, case=case, answer="已当场答复。")

    with pytest.raises(CaseConflict):
        issue(cast, case)
    with pytest.raises(CaseConflict):
        material_request(actor=cast.desk, case=case, material="户口本")
    assert OneTimeNotice.objects.count() == 1
    assert not MaterialRequest.objects.exists()


# -- pages ------------------------------------------------------------------------------


def _radio(page: str, material: ServiceItemMaterial, status: str) -> str:
    match = re.search(rf'<input[^>]*name="status_{material.pk}"[^>]*value="{status}"[^>]*>', page)
    if match is None:
        match = re.search(
            rf'<input[^>]*value="{status}"[^>]*name="status_{material.pk}"[^>]*>', page
        )
    assert match is not None, page
    return match.group(0)


def test_it_offers_the_items_and_then_the_checklist(cast: Cast, item: ServiceItem) -> None:
    case = open_case(cast)
    client = signed_in(cast.desk)
    url = reverse("intake:notice_new", args=[case.number])

    choose = client.get(url).content.decode()
    assert '<select name="item"' in choose
    assert '<option value="new-connection"' in choose
    assert "<fieldset" not in choose

    page = client.get(url, {"item": "new-connection"}).content.decode()
    for material in item.materials.all():
        assert f"<legend>{material.name}</legend>" in page
        assert "checked" in _radio(page, material, "present")
        assert "checked" not in _radio(page, material, "missing")
        assert material.form_requirements in page
    assert gettext("Issue the notice") in page
    for status in MaterialStatus:
        assert str(status.label) in page
    assert re.search(r"<label[^>]*><input[^>]*type=\"radio\"", page)


def test_it_issues_the_notice_from_the_page_and_shows_it_printable(
    cast: Cast, item: ServiceItem
) -> None:
    case = open_case(cast)
    client = signed_in(cast.desk)
    materials = list(item.materials.all())
    data = {
        "item": "new-connection",
        "version": "1",
        **{f"status_{m.pk}": "present" for m in materials},
        f"status_{materials[1].pk}": "missing",
    }

    response = client.post(reverse("intake:notice_new", args=[case.number]), data)

    notice = OneTimeNotice.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("intake:notice", args=[notice.number])
    assert notice.number == f"{case.number}-1"
    assert [m["name"] for m in notice.materials_to_supply] == [ID_CARD]
    page = client.get(response["Location"]).content.decode()
    assert notice.number in page
    assert case.number in page
    assert "张三" in page
    assert cast.desk.staff.desk_phone in page
    assert gettext("Materials to supply") in page
    assert "window.print()" in page


def test_it_keeps_the_choices_when_the_checklist_is_incomplete(
    cast: Cast, item: ServiceItem
) -> None:
    case = open_case(cast)
    materials = list(item.materials.all())
    data = {"item": "new-connection", "version": "1", f"status_{materials[1].pk}": "missing"}

    response = signed_in(cast.desk).post(reverse("intake:notice_new", args=[case.number]), data)

    page = response.content.decode()
    assert response.status_code == 400
    assert "checked" in _radio(page, materials[1], "missing")
    assert "checked" not in _radio(page, materials[0], "present")
    assert '<select name="item"' in page
    assert not OneTimeNotice.objects.exists()


def test_it_shows_the_revised_checklist_when_the_item_changed_meanwhile(
    cast: Cast, item: ServiceItem
) -> None:
    case = open_case(cast)
    materials = list(item.materials.all())
    data = {
        "item": "new-connection",
        "version": "1",
        **{f"status_{m.pk}": "present" for m in materials},
        f"status_{materials[0].pk}": "missing",
    }
    revised = revise(item)

    response = signed_in(cast.desk).post(reverse("intake:notice_new", args=[case.number]), data)

    page = response.content.decode()
    assert response.status_code == 400
    assert not OneTimeNotice.objects.exists()
    assert "<legend>新增材料</legend>" in page
    form_material = revised.materials.get(name=FORM)
    assert "checked" in _radio(page, form_material, "missing")  # carried over by name


def test_it_refuses_the_pages_to_staff_outside_the_case(cast: Cast, item: ServiceItem) -> None:
    case = open_case(cast)
    notice = issue(cast, case, form=MISSING)
    outsider = signed_in(cast.outsider)

    assert outsider.get(reverse("intake:notice_new", args=[case.number])).status_code == 403
    assert outsider.get(reverse("intake:notice", args=[notice.number])).status_code == 403
    material_url = reverse("intake:material_request", args=[case.number])
    assert outsider.post(material_url, {"other": "户口本"}).status_code == 403
    # The leader may read the notice of a case they can see, but not issue one.
    leader = signed_in(cast.leader)
    assert leader.get(reverse("intake:notice", args=[notice.number])).status_code == 200
    assert leader.get(reverse("intake:notice_new", args=[case.number])).status_code == 403
    assert not MaterialRequest.objects.exists()


def test_it_records_requests_from_the_page_and_says_when_it_is_a_breach(
    cast: Cast, item: ServiceItem
) -> None:
    case = open_case(cast)
    notice = issue(cast, case, id_card=MISSING)
    client = signed_in(cast.handler)
    url = reverse("intake:material_request", args=[case.number])

    listed = client.post(url, {"listed": ID_CARD}, follow=True).content.decode()
    unlisted = client.post(url, {"other": "户口本", "note": "复核发现"}, follow=True)
    both = client.post(url, {"listed": ID_CARD, "other": "户口本"})

    values = {"material": ID_CARD, "number": notice.number}
    no_breach = gettext(
        "Recorded: %(material)s was listed as to supply on notice %(number)s, so this is no breach."
    )
    assert no_breach % values in listed
    breach = gettext(
        "Recorded as a one-time-notice breach: notice %(number)s did not list %(material)s as "
        "missing or deficient. The breach counts against its issuer, %(issuer)s."
    )
    values = {**values, "material": "户口本", "issuer": cast.desk.get_full_name()}
    assert breach % values in unlisted.content.decode()
    assert both.status_code == 400
    assert [(r.material, hasattr(r, "breach")) for r in MaterialRequest.objects.order_by("id")] == [
        (ID_CARD, False),
        ("户口本", True),
    ]


def test_it_sends_the_user_to_issue_a_notice_first(cast: Cast, item: ServiceItem) -> None:
    case = open_case(cast)
    client = signed_in(cast.desk)
    url = reverse("intake:material_request", args=[case.number])

    page = client.get(url)
    refused = client.post(url, {"other": FORM})

    assert reverse("intake:notice_new", args=[case.number]) in page.content.decode()
    assert refused.status_code == 400
    assert not MaterialRequest.objects.exists()


# -- the case section -------------------------------------------------------------------


@pytest.mark.parametrize("count", [1, 4])
def test_it_lists_a_cases_notices_in_a_fixed_number_of_queries(
    cast: Cast, item: ServiceItem, count: int, django_assert_num_queries: Any
) -> None:
    case = open_case(cast)
    for index in range(count):
        issue(cast, case, form=MISSING)
        material_request(actor=cast.desk, case=case, material=FORM if index % 2 else "户口本")
    user = type(cast.desk).objects.get(pk=cast.desk.pk)
    # As the case page reads it (deadlines.selectors.cases.case_get): with its accused.
    fresh = (
        type(case).objects.select_related("department").prefetch_related("accused").get(pk=case.pk)
    )
    user.has_perm("intake.issue_notice", fresh)  # warm the role cache

    # The notices with issuers and items, the requests with requesters, notices and
    # breach flag; the permission check asks for nothing more. Rendered without a
    # request, so that only the partial counts (no context processors).
    with django_assert_num_queries(2):
        html = render_to_string(
            "intake/_case_notices.html", {"case": case_with_notices(fresh), "user": user}
        )

    assert html.count(f'href="/intake/notices/{case.number}-') == count
    assert html.count('class="tag urgent"') == (count + 1) // 2
    assert reverse("intake:material_request", args=[case.number]) in html


def test_it_shows_the_notice_records_read_only_in_the_admin(cast: Cast, item: ServiceItem) -> None:
    case = open_case(cast)
    issue(cast, case, form=MISSING)
    material_request(actor=cast.desk, case=case, material="户口本")
    root = UserFactory(username="root", is_superuser=True, is_staff=True)
    client = Client()
    client.force_login(root)

    for model in ("onetimenotice", "materialrequest", "noticebreach"):
        assert client.get(reverse(f"admin:intake_{model}_changelist")).status_code == 200
        assert client.get(reverse(f"admin:intake_{model}_add")).status_code == 403
