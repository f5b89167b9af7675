"""Turning the other apps' evidence into violations: breaches (deadlines), one-time-notice
breaches and refusal-phrase flags (intake), outage reports and notices missed (outages).

A refusal-phrase flag is not a violation by itself (DOMAIN §5, §7): it is raised only once
a complaint about the same contact (its case) is founded, that is, the case has a
complaint violation that is not dismissed. violation_raise_complaint raises the case's
flags at once (violations_raise_for_case); the periodic run catches any other path.

Set-based and safe to run twice or in parallel: each source is taken in batches with
``INSERT … SELECT … ON CONFLICT DO NOTHING``; the partial unique constraints on
Violation (one violation per source row) decide, not a check in Python. A parallel run
that selected the same rows waits for the first to commit and then inserts nothing.

Proportional to the rows recorded since the last runs, not to all rows ever recorded:
each source with a table of its own is read from its watermark (RaiseWatermark) up, by
id on the table's primary key. Ids are handed out at insert and become visible at
commit, in another order when transactions overlap, so the highest id a run sees is
only noted, with the moment; a run that starts WATERMARK_SAFETY later, when the
transactions open then have long ended, moves the watermark up to it once it has
checked every row below it (the rows between are looked at by every run until then,
and the unique constraints keep those runs from raising twice). Refusal-phrase flags
turn into violations when a complaint is founded, long after they are recorded: they
have no watermark and are read whole (they are few).

To add a source, add a SourceSql entry: the SELECT that yields the violation's columns
for rows not yet turned into violations, and the table whose ids it follows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.utils import timezone

from accountability import audit
from accountability.models import AuditEntry, Department, StaffProfile
from deadlines.models import Breach, BreachKind, Case, Clock, ClockKind
from intake.models import NoticeBreach, OneTimeNotice, RefusalFlag
from outages.models import BreachKind as OutageBreachKind
from outages.models import OutageBreach
from sanctions.models import (
    RaiseWatermark,
    SourceKind,
    Violation,
    ViolationEvent,
    ViolationState,
    ViolationType,
)
from sanctions.services.rulebook import rulebook_current

BATCH = 2_000
# How long after a run saw the highest id of a source table the rows below it are all
# committed: far longer than any transaction that records a breach (the scans commit
# in batches of seconds). The periodic run comes every 5 minutes (sanctions 0003).
WATERMARK_SAFETY = timedelta(minutes=10)

VIOLATION = Violation._meta.db_table
EVENT = ViolationEvent._meta.db_table
TYPE = ViolationType._meta.db_table
PROFILE = StaffProfile._meta.db_table
CASE = Case._meta.db_table
DEPARTMENT = Department._meta.db_table

# The type a breach becomes, by its kind and its clock's kind (codes of
# fixtures/violation_types.json). A missed callback after closing (回访, a follow-up clock)
# is an overdue step like any other.
BREACH_TYPE = f"""
    CASE WHEN b.kind = '{BreachKind.EXTENSION_NOT_TOLD}' THEN 'extension-not-told'
         WHEN b.kind = '{BreachKind.SUSPENSION_NOT_TOLD}' THEN 'suspension-not-told'
         WHEN c.kind = '{ClockKind.CALLBACK}' THEN 'appointment-callback-missed'
         ELSE 'breach-overdue' END
"""


@dataclass(frozen=True)
class SourceSql:
    kind: str
    column: str  # the violation's foreign key to the source row
    # SELECT … AS type_id, staff_id, department_id, occurred_at, severity, case_id, source_id
    select: str
    # The source table whose ids the watermark follows (the select's source_id); None:
    # read whole every run (rows that become violations late, not in id order).
    table: str | None = None
    # Whether what the violation is about caused a complaint or adverse effect (None: not
    # known until the office asks, on confirming).
    adverse_effect: bool | None = None


SOURCES: Sequence[SourceSql] = (
    SourceSql(
        SourceKind.BREACH,
        "breach_id",
        f"""
        SELECT t.id AS type_id, b.responsible_id AS staff_id, b.department_id,
               b.moment AS occurred_at, t.default_severity AS severity, b.case_id,
               b.id AS source_id
        FROM {Breach._meta.db_table} b
        JOIN {Clock._meta.db_table} c ON c.id = b.clock_id
        JOIN {TYPE} t ON t.code = {BREACH_TYPE}
        """,
        table=Breach._meta.db_table,
    ),
    SourceSql(
        SourceKind.NOTICE_BREACH,
        "notice_breach_id",
        # One breach per notice (DOMAIN §7): asking later for several materials one
        # notice left out is one breach, raised from the notice's first such request;
        # the others stay on the record as its evidence.
        f"""
        SELECT t.id AS type_id, s.staff_id, COALESCE(p.department_id, k.department_id)
               AS department_id, s.at AS occurred_at, t.default_severity AS severity,
               n.case_id, s.id AS source_id
        FROM {NoticeBreach._meta.db_table} s
        JOIN {OneTimeNotice._meta.db_table} n ON n.id = s.notice_id
        JOIN {CASE} k ON k.id = n.case_id
        LEFT JOIN {PROFILE} p ON p.user_id = s.staff_id
        JOIN {TYPE} t ON t.code = 'one-time-notice-breach'
        WHERE s.id = (
            SELECT MIN(first.id) FROM {NoticeBreach._meta.db_table} first
            WHERE first.notice_id = s.notice_id
        )
        """,
        table=NoticeBreach._meta.db_table,
    ),
    SourceSql(
        SourceKind.REFUSAL_FLAG,
        "refusal_flag_id",
        f"""
        SELECT t.id AS type_id, s.staff_id, s.department_id, s.at AS occurred_at,
               t.default_severity AS severity, s.case_id, s.id AS source_id
        FROM {RefusalFlag._meta.db_table} s
        JOIN {TYPE} t ON t.code = 'refusal-phrase'
        WHERE EXISTS (
            SELECT 1 FROM {VIOLATION} founded
            WHERE founded.case_id = s.case_id
              AND founded.source_kind = '{SourceKind.COMPLAINT}'
              AND founded.state <> '{ViolationState.DISMISSED}'
        )
        """,
        # Raised only because a complaint about the contact was founded.
        adverse_effect=True,
    ),
    SourceSql(
        SourceKind.OUTAGE_BREACH,
        "outage_breach_id",
        f"""
        SELECT t.id AS type_id, s.responsible_id AS staff_id, s.department_id,
               s.moment AS occurred_at, t.default_severity AS severity,
               CAST(NULL AS bigint) AS case_id, s.id AS source_id
        FROM {OutageBreach._meta.db_table} s
        JOIN {TYPE} t ON t.code = CASE
            WHEN s.kind = '{OutageBreachKind.NOTICE_NOT_IN_TIME}' THEN 'outage-notice-failure'
            ELSE 'outage-report-failure' END
        """,
        table=OutageBreach._meta.db_table,
    ),
)


@dataclass
class RaiseResult:
    created: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.created.values())


def _rows(sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _pending_sql(source: SourceSql, *, case_id: int | None = None) -> str:
    """The source's rows above an id (the first parameter) not yet violations."""
    # The source row's id is the SELECT's last column; on the table's primary key, so
    # that the rows below the watermark are not read at all.
    return f"""
        FROM ({source.select}) AS src
        WHERE src.source_id > %s AND NOT EXISTS (
            SELECT 1 FROM {VIOLATION} v WHERE v.{source.column} = src.source_id
        ){" AND src.case_id = %s" if case_id is not None else ""}
    """


def _raise_batch(
    source: SourceSql,
    *,
    rulebook_id: int,
    now: datetime,
    batch: int,
    after: int = 0,
    case_id: int | None = None,
) -> list[tuple[int, int]]:
    """One batch of a source's rows above the id ``after`` not yet violations (of one
    case, when given), inserted; the new violations' ids with their source rows' ids."""
    # Rows already turned into violations are skipped by NOT EXISTS, and rows a
    # parallel run is inserting right now by ON CONFLICT (the partial unique index on
    # the foreign key).
    return _rows(
        f"""
        INSERT INTO {VIOLATION}
            (type_id, staff_id, department_id, occurred_at, severity, case_id,
             {source.column}, source_kind, summary, finding, state, rulebook_version_id,
             dismissal_reason, dismissal_note, raised_at, version, adverse_effect)
        SELECT src.type_id, src.staff_id, src.department_id, src.occurred_at, src.severity,
               src.case_id, src.source_id, %s, '', '', %s, %s, '', '', %s, 1, %s
        {_pending_sql(source, case_id=case_id)}
        ORDER BY src.source_id
        LIMIT %s
        ON CONFLICT DO NOTHING
        RETURNING id, {source.column}
        """,
        # The moment as the database stores it (SQLite: naive UTC text).
        [
            source.kind,
            ViolationState.RAISED,
            rulebook_id,
            connection.ops.adapt_datetimefield_value(now),
            source.adverse_effect,
            after,
            *([case_id] if case_id is not None else []),
            batch,
        ],
    )


def _record_raised(ids: list[int], source: str, now: datetime) -> None:
    """Each new violation's first event and its audit row (the system acted)."""
    content_type = ContentType.objects.get_for_model(Violation)
    audit.record_many(
        [
            AuditEntry(
                actor=None,
                action="violation.raise",
                content_type=content_type,
                object_id=str(pk),
                object_repr=f"{Violation._meta.verbose_name} #{pk}",
                after={"source_kind": source, "state": ViolationState.RAISED},
                at=now,
            )
            for pk in ids
        ]
    )
    ViolationEvent.objects.bulk_create(
        ViolationEvent(
            violation_id=pk,
            actor=None,
            action="raise",
            from_state="",
            to_state=ViolationState.RAISED,
            at=now,
        )
        for pk in ids
    )


def _raise_source(
    source: SourceSql, *, rulebook_id: int, now: datetime, batch: int, after: int
) -> int:
    """Raise a source's rows above the id ``after``, a batch per transaction; how many."""
    created = 0
    while True:
        with transaction.atomic():
            rows = _raise_batch(source, rulebook_id=rulebook_id, now=now, batch=batch, after=after)
            _record_raised([pk for pk, _source_id in rows], source.kind, now)
        created += len(rows)
        if len(rows) < batch:
            return created
        # The next batch starts after this one's rows (those a parallel run took are
        # skipped by NOT EXISTS anyway).
        after = max(after, *(source_id for _pk, source_id in rows))


def _watermark(source: SourceSql) -> RaiseWatermark:
    watermark, _created = RaiseWatermark.objects.get_or_create(source_kind=source.kind)
    return watermark


def _advance(source: SourceSql, *, began: datetime) -> None:
    """After a run that started at ``began``: move the watermark up to the id noted a
    safety window before then (every row up to it is committed by now) once no row up
    to it is left without its violation (a parallel run that stopped early may have left
    some: the next run raises them), and note the highest id now."""
    _watermark(source)
    with transaction.atomic():
        watermark = RaiseWatermark.objects.select_for_update().get(pk=source.kind)
        pending = watermark.pending_id
        if (
            pending is not None
            and watermark.pending_at is not None
            and watermark.pending_at <= began - WATERMARK_SAFETY
        ):
            left = _rows(
                f"SELECT 1 {_pending_sql(source)} AND src.source_id <= %s LIMIT 1",
                [watermark.through_id, pending],
            )
            if left:
                return
            watermark.through_id = max(watermark.through_id, pending)
            pending = None
        if pending is None:
            (highest,) = _rows(f"SELECT max(id) FROM {source.table}", [])[0]
            watermark.pending_id = max(highest or 0, watermark.through_id)
            watermark.pending_at = timezone.now()
        watermark.save()


def violations_raise_from_sources(
    *, now: datetime | None = None, batch: int = BATCH, recheck: bool = False
) -> RaiseResult:
    """Raise a violation for every breach, one-time-notice breach, refusal-phrase flag and
    outage breach that has none yet (the system acts: no actor, no permission check; each
    violation's history starts with a "raise" event). Returns how many each source gave.

    Each source table is read from its watermark up (see the module's docstring);
    ``recheck`` reads every row ever recorded instead, as a repair would."""
    began = timezone.now()  # the clock the watermark's safety window runs on
    now = now or began
    result = RaiseResult()
    rulebook = rulebook_current()
    for source in SOURCES:
        after = 0
        if source.table is not None and not recheck:
            after = _watermark(source).through_id
        result.created[source.kind] = _raise_source(
            source, rulebook_id=rulebook.pk, now=now, batch=batch, after=after
        )
        if source.table is not None:
            _advance(source, began=began)
    return result


def violations_raise_for_case(*, case: Case, now: datetime | None = None) -> int:
    """Raise, at once, the violations of a case's refusal-phrase flags that a founded
    complaint about it has just made violations (called by violation_raise_complaint in
    its transaction); how many. The periodic run would raise them too: both are safe."""
    now = now or timezone.now()
    rulebook = rulebook_current()
    created = 0
    for source in SOURCES:
        if source.kind != SourceKind.REFUSAL_FLAG:
            continue
        while True:
            rows = _raise_batch(
                source, rulebook_id=rulebook.pk, now=now, batch=BATCH, case_id=case.pk
            )
            _record_raised([pk for pk, _source_id in rows], source.kind, now)
            created += len(rows)
            if len(rows) < BATCH:
                break
    return created
