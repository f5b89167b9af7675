"""Deleting departments and staff in the admin goes through the services: an audit row
for each, and a clear refusal while anything still refers to the row. Accounts are never
deleted there (they are made inactive)."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from accountability import services
from accountability.models import AuditEntry, Department, StaffProfile
from tests.factories import DepartmentFactory, StaffFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def root() -> User:
    return UserFactory(username="root", is_superuser=True, is_staff=True)


@pytest.fixture
def browser(root: User) -> Client:
    client = Client()
    client.force_login(root)
    return client


def test_it_deletes_a_department_nothing_refers_to_with_an_audit_row(
    browser: Client, root: User
) -> None:
    unused = DepartmentFactory(code="unused", name="撤销的部门")
    page = reverse("admin:accountability_department_delete", args=[unused.pk])
    response = browser.post(page, {"post": "yes"})
    assert response.status_code == 302
    assert not Department.objects.filter(code="unused").exists()
    entry = AuditEntry.objects.get(action="department.delete")
    assert entry.actor == root
    assert entry.object_id == str(unused.pk)
    assert entry.before is not None
    assert entry.before["name"] == "撤销的部门"


def test_it_deletes_a_selection_one_audit_row_each(browser: Client) -> None:
    first, second = DepartmentFactory(code="old-a"), DepartmentFactory(code="old-b")
    response = browser.post(
        reverse("admin:accountability_department_changelist"),
        {"action": "delete_selected", "_selected_action": [first.pk, second.pk], "post": "yes"},
    )
    assert response.status_code == 302
    assert not Department.objects.filter(code__in=["old-a", "old-b"]).exists()
    deleted = AuditEntry.objects.filter(action="department.delete")
    assert sorted(deleted.values_list("object_id", flat=True)) == sorted(
        [str(first.pk), str(second.pk)]
    )


def test_it_refuses_a_department_with_staff_and_writes_nothing(root: User) -> None:
    staff = StaffFactory(department=DepartmentFactory(code="network", name="管网部"))
    with pytest.raises(ValidationError) as refusal:
        services.department_delete(actor=root, department=staff.department)
    assert refusal.value.messages == ["该部门不能删除：仍有工作人员引用它。"]
    assert Department.objects.filter(code="network").exists()
    assert not AuditEntry.objects.filter(action="department.delete").exists()


def test_the_admin_lists_what_still_refers_to_a_department_and_keeps_it(
    browser: Client,
) -> None:
    staff = StaffFactory(department=DepartmentFactory(code="network"))
    page = reverse("admin:accountability_department_delete", args=[staff.department.pk])
    response = browser.post(page, {"post": "yes"})
    assert response.status_code == 200  # the refusal page, naming the staff profile
    assert str(staff) in response.content.decode()
    assert Department.objects.filter(code="network").exists()
    assert not AuditEntry.objects.filter(action="department.delete").exists()


def test_only_an_actor_allowed_to_delete_departments_may(root: User) -> None:
    clerk = UserFactory(username="clerk")
    unused = DepartmentFactory(code="unused")
    with pytest.raises(PermissionDenied):
        services.department_delete(actor=clerk, department=unused)
    assert Department.objects.filter(code="unused").exists()


def test_it_deletes_a_staff_profile_keeping_the_account_with_an_audit_row(
    browser: Client, root: User
) -> None:
    staff = StaffFactory(user=UserFactory(username="zhang"))
    page = reverse("admin:accountability_staffprofile_delete", args=[staff.pk])
    response = browser.post(page, {"post": "yes"})
    assert response.status_code == 302
    assert not StaffProfile.objects.filter(pk=staff.pk).exists()
    assert get_user_model().objects.filter(username="zhang").exists()
    entry = AuditEntry.objects.get(action="staff.delete")
    assert entry.actor == root
    assert entry.before is not None
    assert entry.before["username"] == "zhang"


def test_accounts_are_not_deleted_in_the_admin(browser: Client) -> None:
    account = UserFactory(username="leaver")
    page = reverse("admin:auth_user_delete", args=[account.pk])
    assert browser.post(page, {"post": "yes"}).status_code == 403
    assert get_user_model().objects.filter(username="leaver").exists()
    changelist = browser.get(reverse("admin:auth_user_changelist")).content.decode()
    assert "delete_selected" not in changelist
