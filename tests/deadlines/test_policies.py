"""Time-limit policies: the default file, versioned revisions, the choice of policy, the admin."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.contrib.admin import AdminSite
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import path, reverse
from django.utils import timezone

from accountability import urls as portal_urls
from accountability.models import AuditEntry, Regulation
from deadlines.admin.policies import TimeLimitPolicyAdmin
from deadlines.models import Channel, Clock, ClockKind, MatterKind, TimeLimitPolicy, Urgency
from deadlines.selectors.policies import policy_current, policy_for
from deadlines.services.policies import policies_load, policy_create, policy_revise
from tests.factories import CaseFactory, DepartmentFactory, UserFactory

pytestmark = pytest.mark.django_db

FIXTURE = Path(settings.BASE_DIR) / "fixtures" / "time_limit_policies.json"
REGULATIONS = Path(settings.BASE_DIR) / "fixtures" / "regulations.json"

# The admin screen is tried on a site of its own, so these tests do not depend on where
# (or whether yet) deadlines.admin registers it.
policy_site = AdminSite(name="policy_admin")
policy_site.register(TimeLimitPolicy, TimeLimitPolicyAdmin)
# The portal's own pages follow, so that its error pages (which link to them) render.
urlpatterns = [path("admin/", policy_site.urls), *portal_urls.urlpatterns]


def _entries() -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = json.loads(FIXTURE.read_text(encoding="utf-8"))
    return entries


def _write(tmp_path: Path, entries: list[dict[str, Any]]) -> Path:
    target = tmp_path / "policies.json"
    target.write_text(json.dumps(entries, ensure_ascii=False), encoding="utf-8")
    return target


def _policy(code: str = "demo-result", **fields: Any) -> TimeLimitPolicy:
    values: dict[str, Any] = {
        "name": "演示时限",
        "clock_kind": ClockKind.RESULT,
        "amount": 5,
        "unit": "working_days",
        "regulation": Regulation.objects.get(code="efficiency-discipline"),
        "article": "办事预约制 三",
        **fields,
    }
    return policy_create(actor=None, policy=TimeLimitPolicy(code=code, **values))


def _with_perm(username: str, codename: str) -> Any:
    user = UserFactory(username=username)
    user.user_permissions.add(Permission.objects.get(codename=codename))
    return type(user).objects.get(pk=user.pk)  # a fresh object: permissions are cached


@pytest.fixture
def loaded() -> None:
    policies_load(actor=None, path=FIXTURE)


@pytest.fixture
def reviser() -> Any:
    return _with_perm("reviser", "change_timelimitpolicy")


# -- the default file -----------------------------------------------------------------


def test_it_loads_every_policy_of_the_file_and_changes_nothing_the_second_time() -> None:
    codes = [entry["code"] for entry in _entries()]

    first = policies_load(actor=None, path=FIXTURE)

    assert sorted(first.created) == sorted(codes)
    assert first.revised == first.unchanged == []
    assert TimeLimitPolicy.objects.filter(retired_at__isnull=True).count() == len(codes)
    creations = AuditEntry.objects.filter(action="policy.create")
    assert creations.count() == len(codes)
    assert {entry.actor_id for entry in creations} == {None}

    second = policies_load(actor=None, path=FIXTURE)

    assert second.created == second.revised == []
    assert sorted(second.unchanged) == sorted(codes)
    assert TimeLimitPolicy.objects.count() == len(codes)
    assert AuditEntry.objects.count() == len(codes)


@pytest.mark.parametrize(
    ("code", "amount", "unit", "cited"),
    [
        (
            "consultation-first-feedback",
            1,
            "hours",
            ("water-supply-service-rules", "投诉反馈制度 (1)"),
        ),
        (
            "urgent-help-first-feedback",
            1,
            "hours",
            ("water-supply-service-rules", "投诉反馈制度 (1)"),
        ),
        (
            "consultation-unit-to-first-responder",
            40,
            "minutes",
            ("water-supply-service-rules", "投诉反馈制度 (1)"),
        ),
        ("consultation-result", 24, "hours", ("water-supply-service-rules", "投诉反馈制度 (1)")),
        (
            "general-help-first-feedback",
            3,
            "calendar_days",
            ("water-supply-service-rules", "投诉反馈制度 (2)"),
        ),
        (
            "complaint-result-complex",
            7,
            "calendar_days",
            ("water-supply-service-rules", "投诉工作程序 (2)e"),
        ),
        (
            "web-inquiry-reply",
            2,
            "working_days",
            ("service-accountability-systems", "限时办结制 第五条(五)"),
        ),
        (
            "petition-closure",
            30,
            "calendar_days",
            ("service-accountability-systems", "限时办结制 第五条(六)1"),
        ),
        (
            "petition-closure-transferred",
            7,
            "working_days",
            ("service-accountability-systems", "限时办结制 第五条(六)5"),
        ),
        (
            "transfer-acceptance",
            2,
            "working_days",
            ("service-accountability-systems", "限时办结制 第六条(二)"),
        ),
        ("report-brief-reply", 7, "working_days", ("window-service-rules", "附件10 第九条")),
        ("report-closure", 30, "working_days", ("window-service-rules", "附件10 第十二条")),
        ("rejection-written-notice", 3, "working_days", ("window-service-rules", "附件1 第八条")),
        (
            "document-several-departments",
            4,
            "working_days",
            ("window-service-rules", "附件7 第二条"),
        ),
    ],
)
def test_it_keeps_the_figure_and_unit_the_regulation_uses(
    loaded: None, code: str, amount: int, unit: str, cited: tuple[str, str]
) -> None:
    policy = policy_current(code)
    assert policy.regulation is not None
    assert (policy.amount, policy.unit, policy.regulation.code, policy.article) == (
        amount,
        unit,
        *cited,
    )


def test_it_rolls_calendar_day_limits_off_rest_days_but_never_elapsed_ones(loaded: None) -> None:
    assert policy_current("general-help-first-feedback").roll_off_rest_days
    assert not policy_current("consultation-unit-to-first-responder").roll_off_rest_days


def test_it_bounds_petition_extensions_as_the_seed_does(loaded: None) -> None:
    # seed 001 §5(六)2: 15 days, extended by at most 30 days, the same unit.
    subsidiary = policy_current("petition-closure-subsidiary")
    assert (subsidiary.amount, subsidiary.unit, subsidiary.max_extension_amount) == (
        15,
        "calendar_days",
        30,
    )
    # seed 001 §5(六)1: 30 days, extended by at most 60 *working* days: the bound keeps
    # the unit the regulation uses, not the limit's.
    direct = policy_current("petition-closure")
    assert (direct.amount, direct.unit) == (30, "calendar_days")
    assert (direct.max_extension_amount, direct.max_extension_unit) == (60, "working_days")
    assert all(
        entry["max_extension_amount"] is None
        for entry in _entries()
        if entry["code"] not in {"petition-closure", "petition-closure-subsidiary"}
    )


def test_it_cites_a_regulation_for_every_policy_and_marks_figures_of_its_own_as_demo() -> None:
    codes = {row["code"] for row in json.loads(REGULATIONS.read_text(encoding="utf-8"))}
    for entry in _entries():
        # DOMAIN §10 adopts e-supervision practice the seeds leave out: no regulation of
        # the register states it. A figure no regulation sets (practice, or a demo value
        # where the regulation names no limit) says so, and is never statutory.
        unregulated = entry["basis"] != "regulation"
        assert entry["regulation"] in codes or entry["regulation"] is None, entry["code"]
        assert entry["regulation"] is not None or unregulated, entry["code"]
        assert entry["article"], entry["code"]
        assert not (unregulated and entry["is_statutory"]), entry["code"]
        if entry["warn_share"] is not None or entry["warn_lead_amount"] is not None:
            assert "演示值" in entry["note"], entry["code"]
    bases = {
        entry["code"]: entry["basis"] for entry in _entries() if entry["basis"] != "regulation"
    }
    assert bases == {
        "appointment-callback": "demo",  # seed 004 says only "within the set limit"
        "case-callback": "practice",  # seeds 001 and 002 ask for a callback, set no limit
        "leader-instruction": "demo",  # the instruction sets the limit; 7 days is a default
        "rework": "practice",  # 12345 practice (DOMAIN §10)
    }


def test_it_refuses_a_limit_without_a_regulation_that_claims_a_regulation_as_its_basis(
    tmp_path: Path,
) -> None:
    entries = _entries()
    rework = next(entry for entry in entries if entry["code"] == "rework")
    rework["basis"] = "regulation"

    with pytest.raises(ValidationError) as refused:
        policies_load(actor=None, path=_write(tmp_path, entries))

    message = " | ".join(refused.value.messages)
    assert (
        "（rework），字段 basis, regulation：未指明规章制度的时限属于通行做法或演示数值" in message
    )
    assert not TimeLimitPolicy.objects.exists()


def test_it_loads_a_changed_entry_as_a_new_version(loaded: None, tmp_path: Path) -> None:
    entries = _entries()
    for entry in entries:
        if entry["code"] == "web-inquiry-reply":
            entry["amount"] = 3

    report = policies_load(actor=None, path=_write(tmp_path, entries))

    assert report.revised == ["web-inquiry-reply"]
    assert report.created == []
    current = policy_current("web-inquiry-reply")
    assert (current.version, current.amount) == (2, 3)
    old = TimeLimitPolicy.objects.get(code="web-inquiry-reply", version=1)
    assert old.retired_at is not None
    assert old.amount == 2


def test_it_refuses_a_malformed_file_naming_the_entry_and_the_field(tmp_path: Path) -> None:
    entries = _entries()
    entries[2]["unit"] = "fortnights"
    del entries[5]["article"]
    entries[7]["warn_lead_unit"] = ""  # a lead without its unit

    with pytest.raises(ValidationError) as refused:
        policies_load(actor=None, path=_write(tmp_path, entries))

    messages = " | ".join(refused.value.messages)
    assert f"第3条（{entries[2]['code']}），字段 unit" in messages
    assert f"第6条（{entries[5]['code']}），字段 article：缺失" in messages
    assert f"第8条（{entries[7]['code']}），字段 warn_lead_amount, warn_lead_unit" in messages
    assert not TimeLimitPolicy.objects.exists()


def test_it_refuses_a_file_that_is_not_a_list_of_policies(tmp_path: Path) -> None:
    target = tmp_path / "policies.json"
    target.write_text('{"code": "x"}', encoding="utf-8")
    with pytest.raises(ValidationError, match="必须是时限规则列表"):
        policies_load(actor=None, path=target)


def test_it_refuses_to_load_for_a_user_without_the_permissions() -> None:
    with pytest.raises(PermissionDenied):
        policies_load(actor=UserFactory(username="clerk"), path=FIXTURE)
    assert not TimeLimitPolicy.objects.exists()


# -- revisions --------------------------------------------------------------------------


def test_it_revises_into_a_new_version_and_leaves_running_clocks_on_the_old(
    reviser: Any,
) -> None:
    v1 = _policy(amount=5)
    clock = Clock.objects.create(
        case=CaseFactory(),
        kind=ClockKind.RESULT,
        policy=v1,
        department=DepartmentFactory(),
        started_at=timezone.now(),
    )

    v2 = policy_revise(actor=reviser, policy=v1, changes={"amount": 3}, reason="新规定缩短时限")

    assert (v2.code, v2.version, v2.amount, v2.retired_at) == ("demo-result", 2, 3, None)
    assert v2.pk != v1.pk
    assert v2.created_by == reviser
    v1.refresh_from_db()
    assert v1.retired_at is not None
    assert v1.amount == 5
    clock.refresh_from_db()
    assert clock.policy_id == v1.pk
    assert policy_current("demo-result") == v2
    entry = AuditEntry.objects.get(action="policy.revise")
    assert entry.actor == reviser
    assert entry.object_id == str(v2.pk)
    assert entry.before is not None
    assert entry.after is not None
    assert (entry.before["amount"], entry.after["amount"]) == (5, 3)
    assert (entry.before["version"], entry.after["version"]) == (1, 2)
    assert entry.reason == "新规定缩短时限"


def test_it_refuses_to_revise_a_retired_version(reviser: Any) -> None:
    v1 = _policy()
    policy_revise(actor=reviser, policy=v1, changes={"amount": 3}, reason="first")
    stale = TimeLimitPolicy.objects.get(pk=v1.pk)

    with pytest.raises(ValidationError, match="已停用") as refused:
        policy_revise(actor=reviser, policy=stale, changes={"amount": 4}, reason="second")

    assert refused.value.error_list[0].code == "retired"
    assert list(
        TimeLimitPolicy.objects.filter(code="demo-result").values_list("version", "amount")
    ) == [(2, 3), (1, 5)]


def test_it_refuses_a_user_without_the_permission() -> None:
    v1 = _policy()
    clerk = _with_perm("clerk", "view_timelimitpolicy")

    with pytest.raises(PermissionDenied):
        policy_revise(actor=clerk, policy=v1, changes={"amount": 3}, reason="x")

    assert TimeLimitPolicy.objects.count() == 1
    assert not AuditEntry.objects.filter(action="policy.revise").exists()


def test_it_refuses_a_revision_without_a_reason_an_effect_or_a_known_field(
    reviser: Any,
) -> None:
    v1 = _policy()
    with pytest.raises(ValidationError, match="修订理由"):
        policy_revise(actor=reviser, policy=v1, changes={"amount": 3}, reason=" ")
    with pytest.raises(ValidationError, match="没有任何改动"):
        policy_revise(actor=reviser, policy=v1, changes={"amount": 5}, reason="same")
    with pytest.raises(ValidationError, match="不能修订"):
        policy_revise(actor=reviser, policy=v1, changes={"version": 9}, reason="sneaky")
    with pytest.raises(ValidationError) as refused:
        policy_revise(actor=reviser, policy=v1, changes={"unit": "fortnights"}, reason="bad")
    assert "unit" in refused.value.message_dict
    assert TimeLimitPolicy.objects.get().retired_at is None


def test_it_refuses_to_create_a_code_that_exists() -> None:
    _policy()
    with pytest.raises(ValidationError) as refused:
        _policy()
    assert "code" in refused.value.message_dict


# -- which policy applies ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("clock_kind", "criteria", "expected"),
    [
        (
            ClockKind.FIRST_FEEDBACK,
            {"matter_kind": MatterKind.CONSULTATION, "channel": Channel.PHONE},
            "consultation-first-feedback",
        ),
        (
            ClockKind.FIRST_FEEDBACK,
            {"matter_kind": MatterKind.HELP_REQUEST, "urgency": Urgency.URGENT},
            "urgent-help-first-feedback",
        ),
        (
            ClockKind.FIRST_FEEDBACK,
            {"matter_kind": MatterKind.HELP_REQUEST, "urgency": Urgency.NORMAL},
            "general-help-first-feedback",
        ),
        (ClockKind.RESULT, {"matter_kind": MatterKind.COMPLAINT}, "complaint-result"),
        (
            ClockKind.RESULT,
            {"matter_kind": MatterKind.COMPLAINT, "variant": "complex"},
            "complaint-result-complex",
        ),
        (
            ClockKind.RESULT,
            {"matter_kind": MatterKind.CONSULTATION, "channel": Channel.WEB},
            "web-inquiry-reply",
        ),
        (ClockKind.CLOSURE, {"matter_kind": MatterKind.PETITION}, "petition-closure"),
        (
            ClockKind.CLOSURE,
            {"matter_kind": MatterKind.PETITION, "variant": "transferred"},
            "petition-closure-transferred",
        ),
        (
            ClockKind.TRANSFER_ACCEPTANCE,
            {"matter_kind": MatterKind.APPLICATION},
            "transfer-acceptance",
        ),
        (ClockKind.REVIEW, {}, "review-reply"),
        (ClockKind.FIRST_FEEDBACK, {"matter_kind": MatterKind.SUGGESTION}, None),
    ],
)
def test_it_picks_the_default_policy_for_a_case(
    loaded: None, clock_kind: str, criteria: dict[str, str], expected: str | None
) -> None:
    found = policy_for(clock_kind=clock_kind, **criteria)
    assert (found.code if found else None) == expected


def test_it_picks_the_most_specific_match_in_one_query(
    django_assert_num_queries: Any,
) -> None:
    _policy("any-result")
    _policy("complaint", matter_kind=MatterKind.COMPLAINT)
    _policy("urgent-complaint", matter_kind=MatterKind.COMPLAINT, urgency=Urgency.URGENT)
    _policy("complex", variant="complex")
    _policy("meter-repair", service_item_code="meter-repair")
    _policy("other-item", service_item_code="new-connection")
    _policy("other-clock", clock_kind=ClockKind.CLOSURE, matter_kind=MatterKind.COMPLAINT)

    def pick(**criteria: str) -> str | None:
        found = policy_for(clock_kind=ClockKind.RESULT, **criteria)
        return found.code if found else None

    with django_assert_num_queries(1):
        assert pick(matter_kind=MatterKind.COMPLAINT, urgency=Urgency.URGENT) == "urgent-complaint"
    assert pick(matter_kind=MatterKind.CONSULTATION) == "any-result"
    assert pick(matter_kind=MatterKind.COMPLAINT) == "complaint"
    # a variant beats a kind of matter (and its urgency) ...
    assert (
        pick(matter_kind=MatterKind.COMPLAINT, urgency=Urgency.URGENT, variant="complex")
        == "complex"
    )
    # ... and a service item beats everything else
    assert (
        pick(
            matter_kind=MatterKind.COMPLAINT,
            urgency=Urgency.URGENT,
            variant="complex",
            service_item_code="meter-repair",
        )
        == "meter-repair"
    )


def test_it_ignores_retired_versions_when_picking(reviser: Any) -> None:
    complaint = _policy("complaint", matter_kind=MatterKind.COMPLAINT, amount=2)
    _policy("any-result", amount=9)
    assert policy_for(clock_kind=ClockKind.RESULT, matter_kind=MatterKind.COMPLAINT) == complaint

    v2 = policy_revise(actor=reviser, policy=complaint, changes={"amount": 4}, reason="longer")
    assert policy_for(clock_kind=ClockKind.RESULT, matter_kind=MatterKind.COMPLAINT) == v2

    policy_revise(actor=reviser, policy=v2, changes={"matter_kind": ""}, reason="wider")
    found = policy_for(clock_kind=ClockKind.RESULT, matter_kind=MatterKind.COMPLAINT)
    # Both current policies now fit equally; no retired "complaint" version is picked.
    assert found is not None
    assert (found.code, found.retired_at) == ("any-result", None)


def test_it_raises_for_a_code_without_a_current_version() -> None:
    with pytest.raises(TimeLimitPolicy.DoesNotExist):
        policy_current("no-such-policy")


# -- the admin screen -------------------------------------------------------------------


def _form_data(client: Client, url: str) -> dict[str, Any]:
    page = client.get(url)
    assert page.status_code == 200
    form = page.context["adminform"].form
    data: dict[str, Any] = {}
    for name in form.fields:
        value = form.initial.get(name)
        if value is True:
            data[name] = "on"
        elif value is None or value is False:
            if value is None:
                data[name] = ""
        else:
            data[name] = str(value)
    return data


@pytest.fixture
def admin_client_for_policies(client: Client) -> Client:
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


@pytest.mark.urls(__name__)
def test_it_saves_an_admin_change_as_a_new_version(admin_client_for_policies: Client) -> None:
    client = admin_client_for_policies
    v1 = _policy(amount=5, warn_share=Decimal("0.80"))
    url = reverse("admin:deadlines_timelimitpolicy_change", args=[v1.pk])
    data = _form_data(client, url)
    data.update(amount="3", change_reason="上级通知缩短时限")

    response = client.post(url, data)

    assert response.status_code == 302
    v1.refresh_from_db()
    assert (v1.amount, v1.retired_at is not None) == (5, True)
    v2 = policy_current("demo-result")
    assert (v2.version, v2.amount, v2.warn_share) == (2, 3, Decimal("0.80"))
    entry = AuditEntry.objects.get(action="policy.revise")
    assert entry.reason == "上级通知缩短时限"
    assert entry.actor is not None
    assert entry.actor.username == "root"


@pytest.mark.urls(__name__)
def test_it_asks_the_admin_for_a_reason_before_revising(
    admin_client_for_policies: Client,
) -> None:
    client = admin_client_for_policies
    v1 = _policy()
    url = reverse("admin:deadlines_timelimitpolicy_change", args=[v1.pk])
    data = _form_data(client, url)
    data.update(amount="3")

    response = client.post(url, data)

    assert response.status_code == 200
    assert "change_reason" in response.context["adminform"].form.errors
    assert TimeLimitPolicy.objects.count() == 1


@pytest.mark.urls(__name__)
def test_it_shows_retired_versions_read_only_and_never_deletes(
    admin_client_for_policies: Client,
) -> None:
    client = admin_client_for_policies
    v1 = _policy()
    policy_revise(actor=None, policy=v1, changes={"amount": 3}, reason="newer")
    url = reverse("admin:deadlines_timelimitpolicy_change", args=[v1.pk])

    page = client.get(url)
    assert page.status_code == 200
    assert page.context["has_change_permission"] is False
    assert client.post(url, {"amount": "1"}).status_code == 403
    delete = reverse("admin:deadlines_timelimitpolicy_delete", args=[v1.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert TimeLimitPolicy.objects.count() == 2


@pytest.mark.urls(__name__)
def test_it_creates_version_one_from_the_admin_add_form(
    admin_client_for_policies: Client,
) -> None:
    client = admin_client_for_policies
    response = client.post(
        reverse("admin:deadlines_timelimitpolicy_add"),
        {
            "code": "meter-repair-result",
            "name": "水表报修:办结",
            "clock_kind": ClockKind.RESULT,
            "service_item_code": "meter-repair",
            "amount": "3",
            "unit": "working_days",
            "end_rule": "midnight",
            "roll_off_rest_days": "on",
            "is_statutory": "",
            "regulation": Regulation.objects.get(code="window-service-rules").pk,
            "article": "附件7 第二条",
            "basis": "regulation",
        },
    )

    assert response.status_code == 302
    created = policy_current("meter-repair-result")
    assert (created.version, created.is_statutory, created.created_by is not None) == (
        1,
        False,
        True,
    )
    assert AuditEntry.objects.filter(action="policy.create", object_id=str(created.pk)).exists()


@pytest.mark.urls(__name__)
def test_it_lists_policies_with_their_limit_and_source(
    admin_client_for_policies: Client, loaded: None
) -> None:
    page = admin_client_for_policies.get(
        reverse("admin:deadlines_timelimitpolicy_changelist"), {"state": "current", "q": "web"}
    )
    assert page.status_code == 200
    text = page.content.decode()
    assert "web-inquiry-reply" in text
    # The regulation as the register has it, in 《》, with the article; never a code.
    assert "《首问责任制、限时办结制、责任追究制度汇编》限时办结制 第五条(五)" in text
    assert "seed" not in text.lower()


@pytest.mark.urls(__name__)
def test_it_marks_exactly_the_limits_no_regulation_sets_in_the_policy_list(
    admin_client_for_policies: Client, loaded: None
) -> None:
    url = reverse("admin:deadlines_timelimitpolicy_changelist")
    page = admin_client_for_policies.get(url, {"state": "current"})
    assert page.status_code == 200
    # One row per policy: its code and its source column, as the list shows them.
    rows = dict(
        re.findall(
            r'<th class="field-code"><a [^>]*>([^<]+)</a></th>.*?'
            r'<td class="field-source">([^<]*)</td>',
            page.content.decode(),
            re.S,
        )
    )
    assert len(rows) == len(_entries())
    marked = {code for code, source in rows.items() if "非规章规定" in source}
    assert marked == {"appointment-callback", "case-callback", "leader-instruction", "rework"}
    efficiency = Regulation.objects.get(code="efficiency-discipline").title
    assert (
        rows["appointment-callback"] == f"演示数值，非规章规定（参照《{efficiency}》办事预约制 三）"
    )
    assert rows["rework"] == "通行做法，非规章规定（12345 热线与电子监察通行做法）"
    # A regulation's own figure is cited as 《title》article, and nothing more.
    assert (
        rows["web-inquiry-reply"]
        == "《首问责任制、限时办结制、责任追究制度汇编》限时办结制 第五条(五)"
    )
    # The basis is a column and a filter of its own.
    demo = admin_client_for_policies.get(url, {"state": "current", "basis": "demo"})
    assert {policy.code for policy in demo.context["cl"].result_list} == {
        "appointment-callback",
        "leader-instruction",
    }
    assert '<td class="field-basis">演示数值</td>' in demo.content.decode()
    practice = admin_client_for_policies.get(url, {"state": "current", "basis": "practice"})
    assert [policy.code for policy in practice.context["cl"].result_list] == [
        "case-callback",
        "rework",
    ]
