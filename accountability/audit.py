"""The one helper every service uses to write the audit log, and its hash chain.

Each audit row carries `row_hash`, a SHA-256 over a canonical serialisation of its content
and of `prev_hash`, the hash of the row written before it. Changing, removing or slipping
in a row afterwards breaks the chain from there on; `verify_chain` (`manage.py
audit_verify`) finds the first broken link. Rows are chained one writer at a time
(`_chain`), so the chain never forks: on PostgreSQL a transaction-scoped advisory lock,
held until the writer's transaction ends, orders the writers; SQLite serialises writing
transactions itself. A unique constraint on `prev_hash` refuses a fork, or a row written
without going through here, should anything get past that.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC
from typing import TYPE_CHECKING, Any, TypeVar

from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction

from accountability.models import AuditEntry

if TYPE_CHECKING:
    from django.contrib.auth.models import User

# The key of the PostgreSQL advisory lock that orders audit writers ("audit" in ASCII).
AUDIT_CHAIN_LOCK = 0x6175646974


def snapshot(obj: models.Model, fields: list[str] | None = None) -> dict[str, Any]:
    """The concrete field values of `obj` as JSON-safe data (foreign keys as their ids)."""
    values = {
        field.attname: getattr(obj, field.attname)
        for field in obj._meta.concrete_fields
        if fields is None or field.name in fields or field.attname in fields
    }
    return json.loads(json.dumps(values, cls=DjangoJSONEncoder))


def user_or_none(actor: User | None) -> User | None:
    """The user to record as having acted: None for the system (`actor=None`) and for an
    anonymous visitor."""
    return actor if actor is not None and actor.is_authenticated else None


def record(
    *,
    actor: User | None,
    action: str,
    obj: models.Model,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str = "",
) -> AuditEntry:
    """Append one audit row. Call it inside the service's transaction: on PostgreSQL the
    audit log stays locked for other writers until that transaction ends."""
    entry = AuditEntry(
        actor=user_or_none(actor),
        action=action,
        content_type=ContentType.objects.get_for_model(obj),
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        before=before,
        after=after,
        reason=reason,
    )
    with transaction.atomic():
        _chain([entry])
        entry.save()
    return entry


_Saved = TypeVar("_Saved", bound=models.Model)


def audited_save(*, actor: User | None, obj: _Saved, action: str, reason: str = "") -> _Saved:
    """Validate and save `obj`, a new row or a change to a stored one, and append its audit
    row: ``<action>.create`` or ``<action>.change``, with the stored row before and the
    saved one after. The caller has checked the permission (and its own rules) first, in
    its transaction."""
    adding = obj._state.adding
    before = None if adding else snapshot(type(obj)._default_manager.get(pk=obj.pk))
    obj.full_clean()
    obj.save()
    record(
        actor=actor,
        action=f"{action}.create" if adding else f"{action}.change",
        obj=obj,
        before=before,
        after=snapshot(obj),
        reason=reason,
    )
    return obj


def record_many(entries: list[AuditEntry]) -> list[AuditEntry]:
    """Append unsaved audit rows in one statement, chained in the order given (a scan that
    acts on many objects at once)."""
    if not entries:
        return entries
    with transaction.atomic():
        _chain(entries)
        return AuditEntry.objects.bulk_create(entries)


def _chain(entries: list[AuditEntry]) -> None:
    """Link `entries` onto the last row of the chain. The lock comes first and the last
    row is read in a statement of its own, so that it is read after the writer before
    has committed."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [AUDIT_CHAIN_LOCK])
    prev_hash = AuditEntry.objects.order_by("-pk").values_list("row_hash", flat=True).first()
    for entry in entries:
        entry.prev_hash = prev_hash or ""
        entry.row_hash = entry_hash(entry)
        prev_hash = entry.row_hash


def entry_hash(entry: Any) -> str:
    """SHA-256 (hex) over the row's content and its `prev_hash`. `entry` is an AuditEntry,
    or the historical model of a migration. Changing what goes in here invalidates every
    hash already written: do not, without a migration that chains the log again."""
    content = {
        "actor": entry.actor_id,
        "action": entry.action,
        "content_type": entry.content_type_id,
        "object_id": entry.object_id,
        "object_repr": entry.object_repr,
        "before": _canonical_json(entry.before),
        "after": _canonical_json(entry.after),
        "reason": entry.reason,
        "at": entry.at.astimezone(UTC).isoformat(timespec="microseconds"),
        "prev_hash": entry.prev_hash,
    }
    serialised = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(serialised.encode()).hexdigest()


def _canonical_json(value: Any) -> Any:
    """`value` as it reads back from the database: JSON's own types (tuples as lists, keys
    as strings), and whole-valued floats as integers, since PostgreSQL's jsonb keeps
    numbers as numerals (1e+20 reads back as 100000000000000000000)."""
    return _whole_floats_as_ints(json.loads(json.dumps(value)))


def _whole_floats_as_ints(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, list):
        return [_whole_floats_as_ints(item) for item in value]
    if isinstance(value, dict):
        return {key: _whole_floats_as_ints(item) for key, item in value.items()}
    return value


@dataclass(frozen=True)
class BrokenLink:
    """The first row at which the chain no longer holds, and why."""

    entry_id: int
    problem: str


@dataclass(frozen=True)
class ChainReport:
    entries: int
    last_hash: str
    broken: BrokenLink | None


def verify_chain(entries: Iterable[AuditEntry] | None = None) -> ChainReport:
    """Walk the audit log from its first row and stop at the first broken link."""
    rows = entries if entries is not None else _every_entry()
    prev_id: int | None = None
    prev_hash = ""
    count = 0
    for entry in rows:
        problem = _link_problem(entry, prev_id, prev_hash)
        if problem:
            return ChainReport(count, prev_hash, BrokenLink(entry.pk, problem))
        prev_id, prev_hash = entry.pk, entry.row_hash
        count += 1
    return ChainReport(count, prev_hash, None)


def _every_entry() -> Iterator[AuditEntry]:
    return AuditEntry.objects.order_by("pk").iterator(chunk_size=2000)


def _link_problem(entry: AuditEntry, prev_id: int | None, prev_hash: str) -> str:
    if entry.prev_hash != prev_hash:
        if prev_id is None:
            return (
                f"it is the first entry but points back to a hash ({entry.prev_hash[:12]}…): "
                "the entries before it were removed"
            )
        return (
            f"it points back to hash {entry.prev_hash[:12] or '(none)'}… but the entry "
            f"before it, #{prev_id}, has hash {prev_hash[:12]}…: an entry between them "
            "was removed or one was slipped in"
        )
    computed = entry_hash(entry)
    if entry.row_hash != computed:
        return (
            f"its content no longer matches its hash (stored {entry.row_hash[:12] or '(none)'}…, "
            f"computed {computed[:12]}…): the entry was changed after it was written"
        )
    return ""
