"""The service catalogue: the default file, versioned revisions, the rules on time limits
and accept-with-deficiency, permissions, the admin and its spreadsheet, the list's queries."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import factory
import pytest
import tablib
from django.conf import settings
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.forms import BooleanField
from django.test import Client
from django.urls import reverse
from django.utils import translation

from accountability.models import AuditEntry
from intake.models import ItemKind, ServiceItem, ServiceItemMaterial
from intake.resources import ServiceItemResource
from intake.selectors.catalogue import service_item_current, service_item_list
from intake.services.catalogue import catalogue_load, service_item_create, service_item_revise
from tests.factories import DepartmentFactory, UserFactory

pytestmark = pytest.mark.django_db

FIXTURE = Path(settings.BASE_DIR) / "fixtures" / "service_catalogue.json"


class ServiceItemFactory(factory.django.DjangoModelFactory):
    """A current version 1, saved directly: for reads, not for the rules of writing."""

    class Meta:
        model = ServiceItem

    code = factory.Sequence(lambda n: f"item-{n}")
    name = factory.Sequence(lambda n: f"服务事项{n}")
    kind = ItemKind.PROMISED
    department = factory.SubFactory(DepartmentFactory)
    legal_basis = "《城市供水条例》"
    conditions = "用水户本人申请。"
    procedure = "受理、审核、办结。"
    fee_standard = "免费"
    refusal_reasons = "材料虚假。"
    promised_limit_amount = 3
    promised_limit_unit = "working_days"


class MaterialFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ServiceItemMaterial

    item = factory.SubFactory(ServiceItemFactory)
    position = factory.Sequence(lambda n: n)
    name = factory.Sequence(lambda n: f"材料{n}")
    form_requirements = "原件核验，复印件1份"


def _entries() -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = json.loads(FIXTURE.read_text(encoding="utf-8"))
    return entries


def _write(tmp_path: Path, entries: list[dict[str, Any]]) -> Path:
    target = tmp_path / "catalogue.json"
    target.write_text(json.dumps(entries, ensure_ascii=False), encoding="utf-8")
    return target


def _material(name: str, *, required: bool = True, deficient: bool = False) -> ServiceItemMaterial:
    return ServiceItemMaterial(
        name=name, form_requirements="原件1份", is_required=required, may_be_deficient=deficient
    )


def _unsaved(code: str = "demo-item", **fields: Any) -> ServiceItem:
    values: dict[str, Any] = {
        "name": "演示事项",
        "kind": ItemKind.PROMISED,
        "legal_basis": "demo",
        "conditions": "demo",
        "procedure": "demo",
        "fee_standard": "免费",
        "refusal_reasons": "demo",
        "promised_limit_amount": 5,
        "promised_limit_unit": "working_days",
        **fields,
    }
    return ServiceItem(code=code, **values)


def _item(
    code: str = "demo-item",
    materials: list[ServiceItemMaterial] | None = None,
    actor: Any = None,
    **fields: Any,
) -> ServiceItem:
    return service_item_create(
        actor=actor,
        item=_unsaved(code, **fields),
        materials=[_material("申请表")] if materials is None else materials,
    )


def _with_perms(username: str, *codenames: str) -> Any:
    user = UserFactory(username=username)
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    return type(user).objects.get(pk=user.pk)  # a fresh object: permissions are cached


def _rows(item: ServiceItem) -> list[tuple[str, str, bool, bool]]:
    return [
        (m.name, m.form_requirements, m.is_required, m.may_be_deficient)
        for m in item.materials.order_by("position")
    ]


@pytest.fixture
def reviser() -> Any:
    return _with_perms("reviser", "add_serviceitem", "change_serviceitem")


@pytest.fixture
def root() -> Any:
    return UserFactory(username="root", is_superuser=True, is_staff=True)


# -- the default file -------------------------------------------------------------------


def test_it_loads_every_item_with_its_materials_and_changes_nothing_the_second_time() -> None:
    entries = _entries()
    codes = [entry["code"] for entry in entries]
    assert len(codes) >= 10

    first = catalogue_load(actor=None, path=FIXTURE)

    assert sorted(first.created) == sorted(codes)
    assert first.revised == first.unchanged == []
    for entry in entries:
        item = service_item_current(entry["code"])
        assert (item.version, item.name, item.kind) == (1, entry["name"], entry["kind"])
        assert _rows(item) == [
            (m["name"], m["form_requirements"], m["is_required"], m["may_be_deficient"])
            for m in entry["materials"]
        ]
    assert ServiceItemMaterial.objects.count() == sum(len(e["materials"]) for e in entries)
    creations = AuditEntry.objects.filter(action="service_item.create")
    assert creations.count() == len(codes)
    assert {entry.actor_id for entry in creations} == {None}

    second = catalogue_load(actor=None, path=FIXTURE)

    assert second.created == second.revised == []
    assert sorted(second.unchanged) == sorted(codes)
    assert ServiceItem.objects.count() == len(codes)
    # Each item once, and each promised limit once as its policy: nothing the second time.
    promised = [entry["code"] for entry in entries if entry["promised_limit_amount"] is not None]
    assert AuditEntry.objects.count() == len(codes) + len(promised)
    assert sorted(
        AuditEntry.objects.filter(action="policy.create").values_list("object_repr", flat=True)
    ) == sorted(f"{service_item_current(code).name}：承诺时限 v1" for code in promised)


def test_it_names_the_items_whose_department_is_missing_and_attaches_it_later() -> None:
    billing = DepartmentFactory(code="billing", name="计量收费部")

    first = catalogue_load(actor=None, path=FIXTURE)

    assert service_item_current("meter-repair").department == billing
    assert "meter-repair" not in first.without_department
    assert "pipe-leak-repair" in first.without_department
    assert service_item_current("pipe-leak-repair").department is None

    network = DepartmentFactory(code="network", name="管网维护部")
    second = catalogue_load(actor=None, path=FIXTURE)

    assert "pipe-leak-repair" in second.revised
    assert "meter-repair" in second.unchanged
    leak = service_item_current("pipe-leak-repair")
    assert (leak.version, leak.department) == (2, network)


def test_it_covers_the_items_a_water_utility_offers() -> None:
    names = {entry["name"] for entry in _entries()}
    assert {
        "新装用水",
        "水表报修",
        "过户更名",
        "水质投诉",
        "水费争议",
        "停水咨询",
        "二次供水投诉",
        "用水性质变更",
        "销户",
        "管道漏水报修",
    } <= names
    assert {entry["kind"] for entry in _entries()} == {"on_the_spot", "promised", "joint"}


def test_it_cites_a_regulation_for_every_statutory_limit_and_marks_figures_of_its_own_as_demo() -> (
    None
):
    for entry in _entries():
        if entry["statutory_limit_amount"] is not None:
            assert "《" in entry["note"], entry["code"]  # 《title》article
        promised = (entry["promised_limit_amount"], entry["promised_limit_unit"])
        statutory = (entry["statutory_limit_amount"], entry["statutory_limit_unit"])
        if entry["promised_limit_amount"] is not None and promised != statutory:
            assert "演示数据" in entry["note"], entry["code"]
        if "演示数据" in entry["fee_standard"] or "演示数据" in entry["fee_basis"]:
            assert "演示数据" in entry["note"], entry["code"]


def test_it_refuses_deficiency_on_the_items_that_touch_health_or_safety() -> None:
    by_code = {entry["code"]: entry for entry in _entries()}
    for code in ("water-quality-complaint", "secondary-supply-complaint", "pipe-leak-repair"):
        assert by_code[code]["touches_safety"], code
    for entry in by_code.values():
        if entry["touches_safety"]:
            assert not entry["allows_deficiency"], entry["code"]
            assert not any(m["may_be_deficient"] for m in entry["materials"]), entry["code"]
    assert any(entry["allows_deficiency"] for entry in by_code.values())


def test_it_loads_a_changed_entry_as_a_new_version_and_keeps_the_old_one_readable(
    tmp_path: Path,
) -> None:
    catalogue_load(actor=None, path=FIXTURE)
    entries = _entries()
    for entry in entries:
        if entry["code"] == "meter-repair":
            entry["promised_limit_amount"] = 1
            entry["materials"].append(
                {
                    "name": "报修人身份证",
                    "form_requirements": "原件核验",
                    "is_required": True,
                    "may_be_deficient": False,
                }
            )

    report = catalogue_load(actor=None, path=_write(tmp_path, entries))

    assert report.revised == ["meter-repair"]
    assert report.created == []
    current = service_item_current("meter-repair")
    assert (current.version, current.promised_limit_amount, current.retired_at) == (2, 1, None)
    assert [m.name for m in current.materials.all()] == [
        "用水户号或近期水费缴费凭证",
        "报修人身份证",
    ]
    old = ServiceItem.objects.get(code="meter-repair", version=1)
    assert old.retired_at is not None
    assert old.promised_limit_amount == 2
    assert [m.name for m in old.materials.all()] == ["用水户号或近期水费缴费凭证"]
    revision = AuditEntry.objects.get(action="service_item.revise")
    assert revision.before is not None
    assert revision.after is not None
    assert (revision.before["promised_limit_amount"], revision.after["promised_limit_amount"]) == (
        2,
        1,
    )
    assert [m["name"] for m in revision.after["materials"]] == [
        "用水户号或近期水费缴费凭证",
        "报修人身份证",
    ]


def test_it_refuses_a_malformed_file_naming_the_entry_and_the_field(tmp_path: Path) -> None:
    entries = _entries()
    entries[1]["kind"] = "someday"
    del entries[2]["procedure"]
    entries[3]["allows_deficiency"] = True  # water quality: touches health
    entries[4]["materials"][0]["colour"] = "red"

    with translation.override("en"), pytest.raises(ValidationError) as refused:
        catalogue_load(actor=None, path=_write(tmp_path, entries))

    messages = " | ".join(refused.value.messages)
    assert f"entry 2 ({entries[1]['code']}), field kind" in messages
    assert f"entry 3 ({entries[2]['code']}), field procedure: missing." in messages
    assert f"entry 4 ({entries[3]['code']}), field allows_deficiency" in messages
    assert "cannot be accepted with deficiency" in messages
    assert f"entry 5 ({entries[4]['code']}), field materials[1]" in messages
    assert not ServiceItem.objects.exists()


def test_it_refuses_a_file_that_is_not_a_list_of_items(tmp_path: Path) -> None:
    target = tmp_path / "catalogue.json"
    target.write_text('{"code": "x"}', encoding="utf-8")
    with translation.override("en"), pytest.raises(ValidationError, match="list of service items"):
        catalogue_load(actor=None, path=target)


def test_it_loads_the_file_from_the_command_and_says_what_it_did() -> None:
    out, err = io.StringIO(), io.StringIO()
    call_command("load_catalogue", stdout=out, stderr=err)
    count = len(_entries())
    assert out.getvalue().strip() == f"Catalogue: {count} created, 0 revised, 0 unchanged."
    assert "meter-repair" in err.getvalue()  # no departments in this database

    out = io.StringIO()
    call_command("load_catalogue", stdout=out, stderr=io.StringIO())
    assert out.getvalue().strip() == f"Catalogue: 0 created, 0 revised, {count} unchanged."


# -- revisions --------------------------------------------------------------------------


def test_it_revises_into_a_new_version_with_copies_of_the_materials(reviser: Any) -> None:
    v1 = _item(materials=[_material("申请表"), _material("身份证")])

    v2 = service_item_revise(
        actor=reviser, item=v1, changes={"name": "演示事项(新)"}, reason="更名"
    )

    assert (v2.code, v2.version, v2.name, v2.created_by) == (
        "demo-item",
        2,
        "演示事项(新)",
        reviser,
    )
    assert _rows(v2) == _rows(v1)
    assert not set(v2.materials.values_list("pk", flat=True)) & set(
        v1.materials.values_list("pk", flat=True)
    )
    v1.refresh_from_db()
    assert (v1.retired_at is not None, v1.name) == (True, "演示事项")
    assert service_item_current("demo-item") == v2


def test_it_refuses_to_revise_a_retired_version(reviser: Any) -> None:
    v1 = _item()
    service_item_revise(actor=reviser, item=v1, changes={"promised_limit_amount": 3}, reason="a")
    stale = ServiceItem.objects.get(pk=v1.pk)

    with translation.override("en"), pytest.raises(ValidationError, match="is retired") as refused:
        service_item_revise(
            actor=reviser, item=stale, changes={"promised_limit_amount": 4}, reason="b"
        )

    assert refused.value.error_list[0].code == "retired"
    assert list(
        ServiceItem.objects.filter(code="demo-item").values_list("version", "promised_limit_amount")
    ) == [(2, 3), (1, 5)]


def test_it_refuses_a_revision_without_a_reason_an_effect_or_a_known_field(reviser: Any) -> None:
    v1 = _item()
    with translation.override("en"):
        with pytest.raises(ValidationError, match="reason"):
            service_item_revise(actor=reviser, item=v1, changes={"name": "x"}, reason=" ")
        with pytest.raises(ValidationError, match="changes nothing"):
            service_item_revise(
                actor=reviser,
                item=v1,
                changes={"name": "演示事项"},
                materials=[_material("申请表")],
                reason="same",
            )
        with pytest.raises(ValidationError, match="cannot be revised"):
            service_item_revise(actor=reviser, item=v1, changes={"version": 9}, reason="sneaky")
    assert ServiceItem.objects.get().retired_at is None


def test_it_leaves_no_half_record_when_a_revision_is_refused(reviser: Any) -> None:
    v1 = _item()
    audit_rows = AuditEntry.objects.count()

    with pytest.raises(ValidationError) as refused:
        service_item_revise(
            actor=reviser,
            item=v1,
            changes={"name": "新名称"},
            materials=[_material("申请表"), _material("示意图", deficient=True)],
            reason="加材料",
        )

    assert "materials" in refused.value.message_dict
    v1.refresh_from_db()
    assert v1.retired_at is None
    assert ServiceItem.objects.count() == 1
    assert ServiceItemMaterial.objects.count() == 1
    assert AuditEntry.objects.count() == audit_rows


# -- time limits ------------------------------------------------------------------------


def test_it_refuses_a_promised_limit_longer_than_the_statutory_one_and_says_why() -> None:
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        _item(
            statutory_limit_amount=5,
            statutory_limit_unit="working_days",
            promised_limit_amount=7,
            promised_limit_unit="working_days",
        )

    (message,) = refused.value.message_dict["promised_limit_amount"]
    assert "The promised limit (7 working days) is longer than the statutory limit" in message
    assert "(5 working days)" in message
    assert "may only be shorter" in message
    assert not ServiceItem.objects.exists()


@pytest.mark.parametrize(
    ("promised", "statutory"),
    [
        ((3, "working_days"), (3, "calendar_days")),
        ((2, "working_days"), (48, "hours")),
        ((3, "calendar_days"), (60, "hours")),
    ],
)
def test_it_refuses_a_promised_limit_that_ends_later_in_another_unit(
    promised: tuple[int, str], statutory: tuple[int, str]
) -> None:
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        _item(
            statutory_limit_amount=statutory[0],
            statutory_limit_unit=statutory[1],
            promised_limit_amount=promised[0],
            promised_limit_unit=promised[1],
        )

    (message,) = refused.value.message_dict["promised_limit_amount"]
    assert "is longer than the statutory limit" in message
    assert "counted from 2025-03-" in message
    assert "the promised limit falls due at" in message
    assert not ServiceItem.objects.exists()


def test_it_shows_the_moment_of_a_weekend_overrun() -> None:
    # From a Thursday, 3 working days end on Tuesday, but 3 calendar days end on Sunday,
    # a rest day, and so on Monday: the first start of the week where the promise is longer.
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        _item(
            statutory_limit_amount=3,
            statutory_limit_unit="calendar_days",
            promised_limit_amount=3,
            promised_limit_unit="working_days",
        )
    (message,) = refused.value.message_dict["promised_limit_amount"]
    assert "counted from 2025-03-06 09:00 (Thursday)" in message
    assert "falls due at 2025-03-11 24:00 (Tuesday)" in message
    assert "statutory one at 2025-03-10 24:00 (Monday)" in message


@pytest.mark.parametrize(
    ("promised", "statutory"),
    [
        ((5, "working_days"), (7, "calendar_days")),
        ((24, "hours"), (2, "calendar_days")),
        ((8, "business_hours"), (1, "working_days")),
        ((5, "working_days"), (5, "working_days")),
    ],
)
def test_it_accepts_a_promised_limit_within_the_statutory_one(
    promised: tuple[int, str], statutory: tuple[int, str]
) -> None:
    item = _item(
        statutory_limit_amount=statutory[0],
        statutory_limit_unit=statutory[1],
        promised_limit_amount=promised[0],
        promised_limit_unit=promised[1],
    )
    assert item.pk is not None


def test_it_reports_an_amount_out_of_range_instead_of_comparing_it() -> None:
    with pytest.raises(ValidationError) as refused:
        _item(
            statutory_limit_amount=2,
            statutory_limit_unit="calendar_days",
            promised_limit_amount=10**6,
            promised_limit_unit="working_days",
        )
    assert list(refused.value.message_dict) == ["promised_limit_amount"]


def test_it_lets_the_database_refuse_a_longer_promise_in_the_same_unit() -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        ServiceItemFactory(
            statutory_limit_amount=2,
            statutory_limit_unit="calendar_days",
            promised_limit_amount=3,
            promised_limit_unit="calendar_days",
        )


def test_it_lets_only_an_on_the_spot_item_go_without_limits() -> None:
    assert _item(kind=ItemKind.ON_THE_SPOT, promised_limit_amount=None, promised_limit_unit="").pk
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        _item("other", promised_limit_amount=None, promised_limit_unit="")
    assert "needs a promised limit" in refused.value.message_dict["promised_limit_amount"][0]


# -- accept with deficiency -------------------------------------------------------------


def test_it_refuses_accepting_with_deficiency_on_a_safety_item() -> None:
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        _item(
            touches_safety=True,
            allows_deficiency=True,
            materials=[_material("申请表"), _material("照片", deficient=True)],
        )

    (message,) = refused.value.message_dict["allows_deficiency"]
    assert "public safety, the environment, health, life or property" in message
    assert "cannot be accepted with deficiency" in message
    assert not ServiceItem.objects.exists()

    with pytest.raises(IntegrityError), transaction.atomic():
        ServiceItemFactory(touches_safety=True, allows_deficiency=True)


def test_it_needs_a_main_and_a_secondary_material_to_accept_with_deficiency() -> None:
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        _item(allows_deficiency=True, materials=[_material("申请表")])
    assert "at least one secondary material" in " ".join(refused.value.message_dict["materials"])

    with translation.override("en"), pytest.raises(ValidationError) as refused:
        _item(allows_deficiency=True, materials=[_material("示意图", deficient=True)])
    assert "at least one main material" in " ".join(refused.value.message_dict["materials"])

    with translation.override("en"), pytest.raises(ValidationError) as refused:
        _item(materials=[_material("申请表"), _material("示意图", deficient=True)])
    assert "no material may be missing: 示意图" in " ".join(refused.value.message_dict["materials"])

    item = _item(
        allows_deficiency=True, materials=[_material("申请表"), _material("示意图", deficient=True)]
    )
    assert _rows(item)[1] == ("示意图", "原件1份", True, True)


def test_it_refuses_an_optional_material_marked_as_possibly_missing() -> None:
    with pytest.raises(ValidationError) as refused:
        _item(
            allows_deficiency=True,
            materials=[
                _material("申请表"),
                _material("示意图", deficient=True),
                _material("委托书", required=False, deficient=True),
            ],
        )
    assert "materials" in refused.value.message_dict


# -- permissions ------------------------------------------------------------------------


def test_it_refuses_a_user_without_the_permission() -> None:
    clerk = _with_perms("clerk", "view_serviceitem")
    with pytest.raises(PermissionDenied):
        _item(actor=clerk)
    v1 = _item()
    with pytest.raises(PermissionDenied):
        service_item_revise(actor=clerk, item=v1, changes={"name": "x"}, reason="x")
    with pytest.raises(PermissionDenied):
        catalogue_load(actor=clerk, path=FIXTURE)
    assert ServiceItem.objects.count() == 1
    assert not AuditEntry.objects.filter(action="service_item.revise").exists()


def test_it_records_who_wrote_and_lets_the_system_write_without_a_user(reviser: Any) -> None:
    by_system = _item("by-system")
    by_user = _item("by-user", actor=reviser)

    assert by_system.created_by is None
    assert by_user.created_by == reviser
    actors = dict(
        AuditEntry.objects.filter(action="service_item.create").values_list("object_id", "actor")
    )
    assert actors == {str(by_system.pk): None, str(by_user.pk): reviser.pk}


# -- reads ------------------------------------------------------------------------------


@pytest.mark.parametrize("count", [3, 10])
def test_it_lists_the_current_items_in_a_fixed_number_of_queries(
    count: int, django_assert_num_queries: Any
) -> None:
    for _ in range(count):
        item = ServiceItemFactory()
        MaterialFactory.create_batch(2, item=item)
    ServiceItemFactory(code="old", retired_at="2025-01-01T00:00:00+08:00")
    ServiceItemFactory(code="old", version=2)

    with django_assert_num_queries(2):
        listed = [
            (
                item.code,
                item.department.name if item.department else "",
                [m.name for m in item.materials.all()],
            )
            for item in service_item_list()
        ]

    assert len(listed) == count + 1
    assert all(len(materials) == 2 for code, _, materials in listed if code != "old")


def test_it_raises_for_a_code_without_a_current_version() -> None:
    with pytest.raises(ServiceItem.DoesNotExist):
        service_item_current("no-such-item")


# -- the admin --------------------------------------------------------------------------


def _form_data(form: Any) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for bound in form:
        value = bound.value()
        if isinstance(bound.field, BooleanField):
            if value:
                data[bound.html_name] = "on"
            continue
        data[bound.html_name] = "" if value is None else value
    return data


def _page_data(response: Any) -> dict[str, Any]:
    """What the browser would post back from an add or change page, unchanged."""
    data = _form_data(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        data.update(_form_data(formset.management_form))
        for form in formset.forms:
            data.update(_form_data(form))
    return data


def test_it_shows_the_catalogue_in_the_admin(root: Any, client: Client) -> None:
    catalogue_load(actor=None, path=FIXTURE)
    client.force_login(root)

    response = client.get(reverse("admin:intake_serviceitem_changelist"), {"state": "current"})

    page = response.content.decode()
    assert response.status_code == 200
    assert "新装用水" in page
    assert "管道漏水报修" in page
    leak = service_item_current("pipe-leak-repair")
    response = client.get(reverse("admin:intake_serviceitem_change", args=[leak.pk]))
    assert response.status_code == 200
    assert "漏水地点及现场照片" in response.content.decode()


def test_it_saves_an_admin_change_as_a_new_version(root: Any, client: Client) -> None:
    v1 = _item(materials=[_material("申请表"), _material("身份证")])
    client.force_login(root)
    url = reverse("admin:intake_serviceitem_change", args=[v1.pk])
    data = _page_data(client.get(url))
    data["promised_limit_amount"] = "3"
    data["materials-1-DELETE"] = "on"
    data["change_reason"] = "缩短承诺时限"

    response = client.post(url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    v2 = service_item_current("demo-item")
    assert (v2.version, v2.promised_limit_amount) == (2, 3)
    assert [m.name for m in v2.materials.all()] == ["申请表"]
    v1.refresh_from_db()
    assert v1.retired_at is not None
    assert [m.name for m in v1.materials.all()] == ["申请表", "身份证"]
    assert AuditEntry.objects.get(action="service_item.revise").reason == "缩短承诺时限"
    # The retired version is history: shown, never changed.
    response = client.get(url)
    assert response.status_code == 200
    assert "身份证" in response.content.decode()
    assert client.post(url, data).status_code == 403
    assert ServiceItem.objects.count() == 2


def test_it_refuses_an_admin_change_that_breaks_a_rule_and_keeps_the_version(
    root: Any, client: Client
) -> None:
    v1 = _item()
    client.force_login(root)
    url = reverse("admin:intake_serviceitem_change", args=[v1.pk])
    data = _page_data(client.get(url))
    data.update(
        statutory_limit_amount="2",
        statutory_limit_unit="working_days",
        touches_safety="on",
        allows_deficiency="on",
        change_reason="x",
    )

    with translation.override("en"):
        response = client.post(url, data, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "promised_limit_amount" in errors
    assert "allows_deficiency" in errors
    assert ServiceItem.objects.get().retired_at is None


def test_it_adds_an_item_with_its_materials_in_the_admin(root: Any, client: Client) -> None:
    client.force_login(root)
    url = reverse("admin:intake_serviceitem_add")
    data = _page_data(client.get(url))
    data.update(
        code="meter-check",
        name="水表校验",
        kind="promised",
        legal_basis="《中华人民共和国计量法》",
        conditions="用户对水表计量有异议。",
        procedure="受理、送检、告知结果。",
        fee_standard="免费",
        refusal_reasons="非本公司水表。",
        promised_limit_amount="5",
        promised_limit_unit="working_days",
        **{"materials-0-name": "校验申请表", "materials-0-form_requirements": "原件1份"},
    )
    data["materials-0-is_required"] = "on"

    response = client.post(url, data)

    assert response.status_code == 302
    item = service_item_current("meter-check")
    assert (item.version, item.created_by) == (1, root)
    assert _rows(item) == [("校验申请表", "原件1份", True, False)]


# -- the spreadsheet --------------------------------------------------------------------

HEADERS = [
    "code",
    "name",
    "kind",
    "department",
    "legal_basis",
    "conditions",
    "quantity_limit",
    "procedure",
    "fee_basis",
    "fee_standard",
    "refusal_reasons",
    "statutory_limit_amount",
    "statutory_limit_unit",
    "promised_limit_amount",
    "promised_limit_unit",
    "allows_deficiency",
    "touches_safety",
    "note",
    "materials",
]


def _row(code: str, **fields: Any) -> list[Any]:
    values: dict[str, Any] = {
        "code": code,
        "name": f"事项 {code}",
        "kind": "promised",
        "department": "",
        "legal_basis": "《城市供水条例》",
        "conditions": "用水户本人申请。",
        "quantity_limit": "",
        "procedure": "受理、审核、办结。",
        "fee_basis": "",
        "fee_standard": "免费",
        "refusal_reasons": "材料虚假。",
        "statutory_limit_amount": "",
        "statutory_limit_unit": "",
        "promised_limit_amount": 3,
        "promised_limit_unit": "working_days",
        "allows_deficiency": "no",
        "touches_safety": "no",
        "note": "",
        "materials": "申请表 | 原件1份 | yes | no\n身份证 | 原件核验，复印件1份 | 是 | 否",
        **fields,
    }
    return [values[header] for header in HEADERS]


def _xlsx(*rows: list[Any]) -> bytes:
    dataset = tablib.Dataset(*rows, headers=HEADERS)
    content: bytes = dataset.export("xlsx")
    return content


def _import(content: bytes, user: Any) -> Any:
    dataset = tablib.Dataset().load(content, format="xlsx")
    return ServiceItemResource().import_data(dataset, dry_run=False, raise_errors=False, user=user)


def test_it_imports_items_with_their_materials_from_excel(root: Any) -> None:
    department = DepartmentFactory(code="billing")
    result = _import(
        _xlsx(_row("a-item", department="billing"), _row("b-item", kind="on_the_spot")), root
    )

    assert not result.has_errors()
    assert not result.has_validation_errors()
    a = service_item_current("a-item")
    assert (a.department, a.created_by) == (department, root)
    assert _rows(a) == [
        ("申请表", "原件1份", True, False),
        ("身份证", "原件核验，复印件1份", True, False),
    ]
    assert AuditEntry.objects.filter(action="service_item.create").count() == 2


def test_it_imports_a_changed_row_as_a_new_version_and_skips_unchanged_ones(root: Any) -> None:
    _import(_xlsx(_row("a-item"), _row("b-item")), root)

    result = _import(_xlsx(_row("a-item", promised_limit_amount=2), _row("b-item")), root)

    assert not result.has_validation_errors()
    assert [row.import_type for row in result.rows] == ["update", "skip"]
    assert service_item_current("a-item").version == 2
    assert service_item_current("b-item").version == 1
    assert ServiceItem.objects.get(code="a-item", version=1).retired_at is not None


def test_it_reports_a_bad_row_and_imports_nothing(root: Any) -> None:
    with translation.override("en"):
        result = _import(
            _xlsx(
                _row("a-item"),
                _row("safe", touches_safety="yes", allows_deficiency="yes"),
                _row("c-item", materials="申请表 | 原件1份 | maybe"),
                _row("a-item", name="重复"),
            ),
            root,
        )

    assert result.has_validation_errors()
    assert [row.number for row in result.invalid_rows] == [2, 3, 4]
    assert "cannot be accepted with deficiency" in " ".join(
        result.invalid_rows[0].error_dict["allows_deficiency"]
    )
    assert "line 1" in " ".join(result.invalid_rows[1].error_dict["materials"])
    assert "earlier row" in " ".join(result.invalid_rows[2].error_dict["code"])
    assert not ServiceItem.objects.exists()
    assert not AuditEntry.objects.exists()


def test_it_shows_the_bad_row_on_the_admin_import_page_and_keeps_nothing(
    root: Any, client: Client
) -> None:
    client.force_login(root)
    url = reverse("admin:intake_serviceitem_import")
    formats = client.get(url).context["form"].fields["format"].choices
    choices = {label: value for value, label in formats}
    upload = io.BytesIO(
        _xlsx(
            _row("a-item"),
            _row("b-item", statutory_limit_amount=2, statutory_limit_unit="working_days"),
        )
    )
    upload.name = "catalogue.xlsx"

    response = client.post(url, {"resource": "0", "format": choices["xlsx"], "import_file": upload})

    page = response.content.decode()
    assert response.status_code == 200
    assert response.context["result"].has_validation_errors()
    assert "b-item" in page
    assert response.context.get("confirm_form") is None
    assert not ServiceItem.objects.exists()


def test_it_exports_the_current_versions_in_the_layout_it_imports(root: Any, reviser: Any) -> None:
    v1 = _item(
        allows_deficiency=True,
        materials=[_material("申请表"), _material("示意图", deficient=True)],
    )
    service_item_revise(actor=reviser, item=v1, changes={"name": "演示事项二"}, reason="更名")

    with translation.override("en"):
        exported = ServiceItemResource().export(ServiceItem.objects.all())

    assert len(exported) == 1
    (row,) = exported.dict
    assert (row["code"], row["version"], row["name"]) == ("demo-item", "2", "演示事项二")
    assert row["allows_deficiency"] == "yes"
    assert row["materials"] == "申请表 | 原件1份 | yes | no\n示意图 | 原件1份 | yes | yes"

    # The exported file imports back unchanged.
    result = _import(exported.export("xlsx"), root)
    assert not result.has_validation_errors()
    assert [r.import_type for r in result.rows] == ["skip"]
    assert ServiceItem.objects.count() == 2


def test_it_exports_an_excel_file_from_the_admin(root: Any, client: Client) -> None:
    catalogue_load(actor=None, path=FIXTURE)
    client.force_login(root)
    url = reverse("admin:intake_serviceitem_export")
    form = client.get(url).context["form"]
    choices = {label: value for value, label in form.fields["format"].choices}
    # Every column ticked, as the export page offers them.
    columns = {name: "on" for name in form.fields if name.startswith("serviceitemresource_")}

    response = client.post(url, {"resource": "0", "format": choices["xlsx"], **columns})

    assert response.status_code == 200
    assert "spreadsheetml" in response["Content-Type"]
    exported = tablib.Dataset().load(response.content, format="xlsx")
    assert len(exported) == len(_entries())
    assert "materials" in exported.headers


def test_it_imports_through_the_admin_after_the_preview(root: Any, client: Client) -> None:
    client.force_login(root)
    url = reverse("admin:intake_serviceitem_import")
    formats = client.get(url).context["form"].fields["format"].choices
    choices = {label: value for value, label in formats}
    upload = io.BytesIO(_xlsx(_row("a-item"), _row("b-item")))
    upload.name = "catalogue.xlsx"

    preview = client.post(url, {"resource": "0", "format": choices["xlsx"], "import_file": upload})

    assert not ServiceItem.objects.exists()  # the preview is a dry run
    confirm = preview.context["confirm_form"]
    response = client.post(
        reverse("admin:intake_serviceitem_process_import"),
        {name: confirm[name].value() for name in confirm.fields},
    )

    assert response.status_code == 302
    assert sorted(service_item_list().values_list("code", flat=True)) == ["a-item", "b-item"]
    assert {entry.actor for entry in AuditEntry.objects.filter(action="service_item.create")} == {
        root
    }
