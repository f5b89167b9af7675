"""The audit log: written by every service, never changed afterwards."""

from __future__ import annotations

import pytest
from django.contrib.admin.sites import site
from django.db import DatabaseError, connection, transaction
from django.test import Client, RequestFactory
from django.urls import reverse

from accountability import services
from accountability.models import AuditEntry, Department
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def entry() -> AuditEntry:
    admin = UserFactory(username="root", is_superuser=True, is_staff=True)
    department = services.department_save(
        actor=admin, department=Department(code="billing", name="计量收费部"), reason="new unit"
    )
    return AuditEntry.objects.get(object_id=str(department.pk))


def test_it_writes_who_what_before_after_and_why(entry: AuditEntry) -> None:
    assert entry.actor is not None
    assert entry.actor.username == "root"
    assert entry.action == "department.create"
    assert entry.before is None
    assert entry.after is not None
    assert entry.after["name"] == "计量收费部"
    assert entry.reason == "new unit"


def test_it_records_the_state_before_a_change(entry: AuditEntry) -> None:
    department = Department.objects.get(code="billing")
    department.name = "营销部"
    assert entry.actor is not None
    services.department_save(actor=entry.actor, department=department)
    change = AuditEntry.objects.get(action="department.change")
    assert change.before is not None
    assert change.after is not None
    assert (change.before["name"], change.after["name"]) == ("计量收费部", "营销部")


def test_it_refuses_to_save_an_entry_again(entry: AuditEntry) -> None:
    entry.reason = "rewritten"
    with pytest.raises(PermissionError):
        entry.save()
    entry.refresh_from_db()
    assert entry.reason == "new unit"


def test_it_refuses_updates_and_deletes_through_querysets(entry: AuditEntry) -> None:
    with pytest.raises(PermissionError):
        AuditEntry.objects.filter(pk=entry.pk).update(reason="rewritten")
    with pytest.raises(PermissionError):
        AuditEntry.objects.filter(pk=entry.pk).delete()
    with pytest.raises(PermissionError):
        entry.delete()
    assert AuditEntry.objects.filter(pk=entry.pk, reason="new unit").exists()


def test_it_offers_no_add_change_or_delete_in_the_admin(entry: AuditEntry) -> None:
    assert entry.actor is not None
    request = RequestFactory().get("/")
    request.user = entry.actor
    model_admin = site._registry[AuditEntry]
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request, entry)
    assert not model_admin.has_delete_permission(request, entry)


def test_it_lists_entries_in_the_admin_read_only(entry: AuditEntry, client: Client) -> None:
    assert entry.actor is not None
    client.force_login(entry.actor)
    page = client.get(reverse("admin:accountability_auditentry_change", args=[entry.pk]))
    assert page.status_code == 200
    response = client.post(
        reverse("admin:accountability_auditentry_delete", args=[entry.pk]), {"post": "yes"}
    )
    assert response.status_code == 403
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


@pytest.mark.postgres
def test_it_refuses_raw_sql_updates_on_postgresql(entry: AuditEntry) -> None:
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(
            "UPDATE accountability_auditentry SET reason = 'x' WHERE id = %s", [entry.pk]
        )
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM accountability_auditentry WHERE id = %s", [entry.pk])
    entry.refresh_from_db()
    assert entry.reason == "new unit"
