"""The organisation settings (issue 22, "Papers"): the utility's name, letterhead and seal
caption that every printed paper carries. One row, kept in the admin through the service
with an audit row; its defaults stand until an administrator saves it."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.template import Context
from django.test import Client
from django.urls import reverse
from django.utils import translation

from accountability import history
from accountability.models import AuditEntry, OrganisationProfile
from accountability.selectors import organisation_profile
from accountability.services import organisation_profile_save
from accountability.templatetags.papers import organisation_profile as profile_tag
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

FORM = {
    "name": "清河市自来水有限公司",
    "short_name": "清河自来水",
    "address": "清河市解放路8号",
    "postcode": "123000",
    "hotline": "96116",
    "website": "water.qinghe.example.cn",
    "letterhead_extra": "传真：0418-1234567\n\n电子邮箱：service@qinghe.example.cn",
    "seal_caption": "",
}


@pytest.fixture
def root() -> Client:
    client = Client()
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


def _url(name: str, *args: Any) -> str:
    return reverse(f"admin:accountability_organisationprofile_{name}", args=args)


def test_it_prints_the_defaults_until_an_administrator_saves_the_settings() -> None:
    profile = organisation_profile()
    assert profile.pk is None
    assert profile.name == "某某市自来水有限公司"
    assert profile.letterhead_lines == []
    with translation.override("zh-hans"):
        assert profile.seal == "某某市自来水有限公司（盖章）"
    assert not OrganisationProfile.objects.exists()  # reading saves nothing


def test_it_composes_the_letterhead_from_the_lines_that_are_set() -> None:
    profile = OrganisationProfile(**FORM)
    with translation.override("zh-hans"):
        assert profile.letterhead_lines == [
            "地址：清河市解放路8号　邮编：123000",
            "服务热线：96116　网址：water.qinghe.example.cn",
            "传真：0418-1234567",
            "电子邮箱：service@qinghe.example.cn",
        ]
        assert profile.seal == "清河市自来水有限公司（盖章）"
        profile.seal_caption = "清河市自来水有限公司（业务专用章）"
        assert profile.seal == "清河市自来水有限公司（业务专用章）"
        profile.address = profile.website = profile.letterhead_extra = ""
        assert profile.letterhead_lines == ["邮编：123000", "服务热线：96116"]


def test_the_admin_adds_the_one_row_then_changes_it_each_time_with_an_audit_row(
    root: Client,
) -> None:
    # With no row the list leads to adding it.
    response = root.get(_url("changelist"))
    assert response.status_code == 302
    assert response["Location"] == _url("add")
    assert root.get(_url("add")).status_code == 200
    response = root.post(_url("add"), FORM)
    assert response.status_code == 302, response.content.decode()[:2000]
    profile = OrganisationProfile.objects.get()
    created = AuditEntry.objects.get(action="organisation.create")
    assert created.actor is not None
    assert created.actor.username == "root"
    assert created.object_id == str(profile.pk)
    assert created.before is None
    assert created.after is not None
    assert created.after["name"] == "清河市自来水有限公司"

    # With the row, the list leads to it; a second row and deleting are refused.
    response = root.get(_url("changelist"))
    assert response.status_code == 302
    assert response["Location"] == _url("change", profile.pk)
    page = root.get(_url("change", profile.pk))
    assert page.status_code == 200
    assert "清河市自来水有限公司" in page.content.decode()
    assert root.get(_url("add")).status_code == 403
    assert root.get(_url("delete", profile.pk)).status_code == 403

    response = root.post(_url("change", profile.pk), {**FORM, "hotline": "0418-96116"})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert OrganisationProfile.objects.get().hotline == "0418-96116"
    changed = AuditEntry.objects.get(action="organisation.change")
    assert changed.actor == created.actor
    assert changed.before is not None
    assert changed.before["hotline"] == "96116"
    assert changed.after is not None
    assert changed.after["hotline"] == "0418-96116"


def test_the_admin_refuses_a_postcode_that_is_not_six_digits(root: Client) -> None:
    with translation.override("zh-hans"):
        response = root.post(_url("add"), {**FORM, "postcode": "12300"})
    assert response.status_code == 200
    assert "邮政编码为六位数字。" in response.content.decode()
    assert not OrganisationProfile.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="organisation.").exists()


def test_the_service_refuses_a_second_row_and_anyone_without_the_permission() -> None:
    root = UserFactory(username="root", is_staff=True, is_superuser=True)
    organisation_profile_save(actor=root, profile=OrganisationProfile(**FORM))
    with pytest.raises(ValidationError):
        organisation_profile_save(actor=root, profile=OrganisationProfile(name="另一家公司"))
    clerk = UserFactory(username="clerk", is_staff=True)
    profile = OrganisationProfile.objects.get()
    profile.name = "冒名公司"
    with pytest.raises(PermissionDenied):
        organisation_profile_save(actor=clerk, profile=profile)
    assert OrganisationProfile.objects.get().name == "清河市自来水有限公司"
    assert AuditEntry.objects.filter(action__startswith="organisation.").count() == 1


def test_the_template_tag_reads_the_settings_once_per_request(
    rf: Any, django_assert_num_queries: Any
) -> None:
    organisation_profile_save(
        actor=UserFactory(username="root", is_staff=True, is_superuser=True),
        profile=OrganisationProfile(**FORM),
    )
    request = rf.get("/")
    with django_assert_num_queries(1):
        first = profile_tag(Context({"request": request}))
        second = profile_tag(Context({"request": request}))
    assert first is second
    assert first.name == "清河市自来水有限公司"


def test_the_settings_are_no_history_so_the_application_role_may_update_them() -> None:
    """db_grant_app_role grants UPDATE on every table outside history: the settings row
    changes in place (its audit rows are the history)."""
    assert OrganisationProfile._meta.db_table not in history.history_tables()
