"""Loading the org chart from a spreadsheet: all rows or none, errors with line numbers."""

from __future__ import annotations

import io
from typing import Any

import pytest
import tablib
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from accountability.models import AuditEntry, Department, StaffProfile
from accountability.resources import DepartmentResource, StaffResource
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

GOOD_DEPARTMENTS = """code,name,kind,parent,head,supervising_leader,is_dispatch,phone
group,水务集团,group,,,,0,
dispatch,生产调度部,department,group,,,1,0531-110
service,客户服务中心,department,group,,,0,
"""

# Line 3 names a parent that does not exist.
BAD_DEPARTMENTS = """code,name,kind,parent,head,supervising_leader,is_dispatch,phone
group,水务集团,group,,,,0,
service,客户服务中心,department,nowhere,,,0,
quality,水质检测中心,department,group,,,0,
"""


@pytest.fixture
def admin_user() -> Any:
    return UserFactory(username="root", is_superuser=True, is_staff=True)


def import_csv(resource_class: type, text: str, user: Any) -> Any:
    dataset = tablib.Dataset().load(text, format="csv")
    return resource_class().import_data(dataset, dry_run=False, raise_errors=False, user=user)


def test_it_imports_departments_through_the_service(admin_user: Any) -> None:
    result = import_csv(DepartmentResource, GOOD_DEPARTMENTS, admin_user)
    assert not result.has_errors()
    assert not result.has_validation_errors()
    dispatch = Department.objects.get(code="dispatch")
    assert dispatch.parent is not None
    assert dispatch.parent.code == "group"
    assert dispatch.is_dispatch
    assert AuditEntry.objects.filter(action="department.create").count() == 3


def test_it_reports_a_bad_row_with_its_line_and_imports_nothing(admin_user: Any) -> None:
    result = import_csv(DepartmentResource, BAD_DEPARTMENTS, admin_user)
    assert result.has_validation_errors()
    invalid = result.invalid_rows
    assert [row.number for row in invalid] == [2]  # data row 2 is line 3 of the file
    assert "parent" in invalid[0].error_dict
    assert not Department.objects.exists()
    assert not AuditEntry.objects.exists()


def test_it_shows_the_line_number_in_the_admin_and_keeps_nothing(
    admin_user,
    client: Client,
) -> None:
    client.force_login(admin_user)
    upload = io.BytesIO(BAD_DEPARTMENTS.encode())
    upload.name = "departments.csv"
    response = client.post(
        reverse("admin:accountability_department_import"),
        {"resource": "0", "format": "0", "import_file": upload},
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "nowhere" in page
    assert "confirm" not in response.context or response.context.get("confirm_form") is None
    assert not Department.objects.exists()


def test_it_imports_staff_with_accounts_and_roles(admin_user: Any) -> None:
    import_csv(DepartmentResource, GOOD_DEPARTMENTS, admin_user)
    staff = """username,full_name,email,department,title,desk_phone,roles
liufang,刘芳,liu@example.cn,service,窗口受理员,0531-202,front_desk
chenjing,陈静,,service,主任,0531-201,"department_head,handler"
"""
    result = import_csv(StaffResource, staff, admin_user)
    assert not result.has_errors()
    assert not result.has_validation_errors()
    profile = StaffProfile.objects.get(user__username="chenjing")
    assert profile.department.code == "service"
    assert sorted(profile.user.groups.values_list("name", flat=True)) == [
        "department_head",
        "handler",
    ]
    assert not profile.user.has_usable_password()
    assert get_user_model().objects.get(username="liufang").first_name == "刘芳"


def test_it_refuses_unknown_roles_and_departments_and_keeps_nothing(admin_user: Any) -> None:
    import_csv(DepartmentResource, GOOD_DEPARTMENTS, admin_user)
    staff = """username,full_name,email,department,title,desk_phone,roles
liufang,刘芳,,service,窗口受理员,,front_desk
wang,王五,,service,,,superhero
zhao,赵六,,atlantis,,,handler
"""
    result = import_csv(StaffResource, staff, admin_user)
    assert result.has_validation_errors()
    assert [row.number for row in result.invalid_rows] == [2, 3]
    assert not StaffProfile.objects.exists()
    assert not get_user_model().objects.filter(username="liufang").exists()


def test_it_exports_the_staff_list(admin_user: Any) -> None:
    import_csv(DepartmentResource, GOOD_DEPARTMENTS, admin_user)
    import_csv(
        StaffResource,
        "username,full_name,email,department,title,desk_phone,roles\n"
        "liufang,刘芳,,service,窗口受理员,0531-202,front_desk\n",
        admin_user,
    )
    exported = StaffResource().export()
    assert exported.dict == [
        {
            "username": "liufang",
            "full_name": "刘芳",
            "email": "",
            "department": "service",
            "title": "窗口受理员",
            "desk_phone": "0531-202",
            "roles": "front_desk",
        }
    ]
