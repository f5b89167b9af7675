"""The audit log's hash chain: each row's hash covers its content and the row before it,
and `manage.py audit_verify` names the first broken link."""

from __future__ import annotations

import itertools
import threading
import time

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction

from accountability import audit
from accountability.models import AuditEntry, Department
from tests.factories import DepartmentFactory


@pytest.fixture
def department() -> Department:
    return DepartmentFactory(code="billing", name="计量收费部")


@pytest.fixture
def entries(department: Department) -> list[AuditEntry]:
    return [
        audit.record(actor=None, action=f"test.step{n}", obj=department, after={"step": n})
        for n in range(4)
    ]


def tamper(sql: str, params: list[str | int]) -> None:
    """Change the audit table as a superuser can, past the append-only trigger."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = replica")
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = DEFAULT")


def verify_output() -> str:
    with pytest.raises(CommandError) as failure:
        call_command("audit_verify")
    return str(failure.value)


@pytest.mark.django_db
def test_it_chains_each_entry_to_the_one_before(
    entries: list[AuditEntry], capsys: pytest.CaptureFixture[str]
) -> None:
    stored = list(AuditEntry.objects.order_by("pk"))
    assert stored[0].prev_hash == ""
    for before, entry in itertools.pairwise(stored):
        assert entry.prev_hash == before.row_hash
    assert all(len(entry.row_hash) == 64 for entry in stored)
    call_command("audit_verify")
    assert capsys.readouterr().out.startswith(
        f"OK: 4 audit entries, chain intact; last hash {stored[-1].row_hash}"
    )


@pytest.mark.django_db
def test_it_hashes_what_the_database_gives_back(department: Department) -> None:
    # PostgreSQL's jsonb reorders keys and writes 1e+20 as a numeral; tuples and integer
    # keys come back as lists and strings. The hash must not depend on any of it.
    audit.record(
        actor=None,
        action="test.numbers",
        obj=department,
        before={"z": 1, "a": (1, 2), "nested": {3: "three"}},
        after={"big": 1e20, "half": 0.5, "whole": 2.0, "text": "营销部 \r\n"},
    )
    assert audit.verify_chain().broken is None


@pytest.mark.django_db
def test_it_reports_a_changed_entry_at_that_entry(entries: list[AuditEntry]) -> None:
    tamper(
        "UPDATE accountability_auditentry SET reason = 'rewritten' WHERE id = %s", [entries[2].pk]
    )
    message = verify_output()
    assert f"broken at entry #{entries[2].pk} (after 2 intact entries)" in message
    assert "content no longer matches its hash" in message


@pytest.mark.django_db
def test_it_reports_a_changed_entry_whose_hash_was_recomputed_at_the_next_one(
    entries: list[AuditEntry],
) -> None:
    changed = AuditEntry.objects.get(pk=entries[1].pk)
    changed.after = {"step": "rewritten"}
    tamper(
        "UPDATE accountability_auditentry SET after = %s, row_hash = %s WHERE id = %s",
        ['{"step": "rewritten"}', audit.entry_hash(changed), changed.pk],
    )
    message = verify_output()
    assert f"broken at entry #{entries[2].pk}" in message
    assert f"the entry before it, #{entries[1].pk}" in message


@pytest.mark.django_db
def test_it_reports_a_removed_entry_at_the_next_one(entries: list[AuditEntry]) -> None:
    tamper("DELETE FROM accountability_auditentry WHERE id = %s", [entries[1].pk])
    message = verify_output()
    assert f"broken at entry #{entries[2].pk} (after 1 intact entries)" in message
    assert "removed" in message


@pytest.mark.django_db
def test_it_reports_removed_first_entries(entries: list[AuditEntry]) -> None:
    tamper("DELETE FROM accountability_auditentry WHERE id = %s", [entries[0].pk])
    message = verify_output()
    assert f"broken at entry #{entries[1].pk}" in message
    assert "the entries before it were removed" in message


@pytest.mark.django_db
def test_it_refuses_a_row_written_past_the_chain(
    entries: list[AuditEntry], department: Department
) -> None:
    unchained = AuditEntry(
        action="test.unchained",
        content_type=entries[0].content_type,
        object_id=str(department.pk),
        object_repr="x",
        row_hash="0" * 64,
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        unchained.save()


@pytest.mark.django_db
def test_it_chains_a_batch_in_the_order_given(
    entries: list[AuditEntry], department: Department
) -> None:
    batch = [
        AuditEntry(
            action=f"test.batch{n}",
            content_type=entries[0].content_type,
            object_id=str(department.pk),
            object_repr=str(department),
        )
        for n in range(3)
    ]
    audit.record_many(batch)
    assert batch[0].prev_hash == entries[-1].row_hash
    assert [entry.prev_hash for entry in batch[1:]] == [entry.row_hash for entry in batch[:-1]]
    assert audit.verify_chain().entries == 7


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_writers_give_one_unbroken_chain(department: Department) -> None:
    # Each writer holds its transaction open after writing, so that without the lock both
    # would chain onto the same row (and the second be refused by the unique prev_hash).
    writes_each = 5
    barrier = threading.Barrier(2, timeout=30)
    errors: list[BaseException] = []

    def write(name: str) -> None:
        try:
            barrier.wait()
            for n in range(writes_each):
                with transaction.atomic():
                    audit.record(actor=None, action=f"test.{name}{n}", obj=department)
                    time.sleep(0.02)
        except BaseException as error:  # reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(name,)) for name in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    report = audit.verify_chain()
    assert report.broken is None
    assert report.entries == 2 * writes_each
