"""The staff import's preview in the administration (issue 22): it shows the roles the
file gives, refuses a malformed email, and heads its errors in readable Chinese; and the
portal's home tells an administrator what they do there, not that they lack a role."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from accountability.models import StaffProfile
from accountability.resources import DepartmentResource
from accountability.roles import Role
from tests.accountability.test_import import GOOD_DEPARTMENTS, import_csv
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

HEADER = "username,full_name,email,department,title,desk_phone,roles\n"


@pytest.fixture
def admin(db: None) -> Client:
    user = UserFactory(username="root", is_superuser=True, is_staff=True)
    import_csv(DepartmentResource, GOOD_DEPARTMENTS, user)
    client = Client()
    client.force_login(user)
    return client


def _preview(client: Client, rows: str) -> str:
    upload = io.BytesIO((HEADER + rows).encode())
    upload.name = "staff.csv"
    response = client.post(
        reverse("admin:accountability_staffprofile_import"),
        {"resource": "0", "format": "0", "import_file": upload},
    )
    assert response.status_code == 200
    return str(response.content.decode())


def _cells(page: str) -> list[str]:
    table = re.search(r'<table class="import-preview">(.*?)</table>', page, re.S)
    assert table is not None
    return [
        re.sub(r"<[^>]+>|\s", "", cell)
        for cell in re.findall(r"<td[^>]*>(.*?)</td>", table.group(1), re.S)
    ]


def test_the_preview_shows_the_roles_the_file_gives(admin: Client) -> None:
    page = _preview(
        admin, 'chenjing,陈静,chen@example.cn,service,主任,0531-201,"department_head,handler"\n'
    )
    assert "department_head,handler" in _cells(page)
    assert not StaffProfile.objects.exists()  # a preview keeps nothing


def test_the_preview_refuses_a_malformed_email_with_the_other_errors(admin: Client) -> None:
    page = _preview(admin, "liufang,刘芳,not-an-email,service,窗口受理员,0531-202,superhero\n")
    assert "“not-an-email”不是有效的电子邮箱地址。" in page
    assert "未知角色：superhero。" in page
    assert "以下各行未通过校验，文件中的数据均未导入" in page
    assert "某些行验数据证失败" not in page


def test_the_home_page_tells_an_administrator_what_they_administer(admin: Client) -> None:
    page = admin.get(reverse("home")).content.decode()
    assert "您是本平台的管理员" in page
    assert "还没有角色" not in page


def test_the_home_page_still_tells_someone_without_a_role_to_ask_for_one() -> None:
    client = Client()
    client.force_login(UserFactory(username="newcomer"))
    page = client.get(reverse("home")).content.decode()
    assert "还没有角色" in page
    assert reverse("admin:index") not in page.split("<main", 1)[1]


def test_someone_with_a_role_is_not_kept_on_the_home_page() -> None:
    client = Client()
    client.force_login(UserFactory(username="clerk", roles=[Role.FRONT_DESK]))
    response: Any = client.get(reverse("home"))
    assert response.status_code == 302
