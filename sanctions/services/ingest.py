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
each source with a watermark (RaiseWatermark) is read from it up, by id on the source
table's primary key. Ids are handed out at insert and become visible at commit, in
another order when transactions overlap, so the highest id a run sees is only noted,
with the moment; a run that starts WATERMARK_SAFETY later, when the transactions open
then have long ended, moves the watermark up to it once it has checked every row below
it (the rows between are looked at by every run until then, and the unique constraints
keep those runs from raising twice). Refusal-phrase flags turn into violations when a
complaint is founded, long after they are recorded: they have no watermark and are read
whole (they are few).

The source rows belong to the apps that record them (deadlines, intake, outages), and
this module never names their tables (ARCHITECTURE.md, tests/test_architecture.py): each
app's selector gives its rows not yet turned into violations as a values queryset, told
which rows have their violation by a queryset of this app's own table, and that queryset
is compiled into the ``INSERT … SELECT`` here. The database plans the statement as it
would one written by hand: still one statement per batch, still on the source table's
primary key. The three breach models share one abstract model
(accountability.models.BreachRecord) and their selectors one read of it
(accountability.breaches), so a breach of any app gives the same columns.

To add a source, add a Source entry: the owning app's selector, the violation's foreign
key to the source row, and the SQL that picks the violation type from the selector's
columns.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.db.models import OuterRef, QuerySet
from django.utils import timezone

from accountability import audit
from accountability.models import AuditEntry
from deadlines.models import BreachKind, Case, ClockKind
from deadlines.selectors.breaches import breach_last_id, breaches_not_raised
from intake.selectors.breaches import (
    notice_breach_last_id,
    notice_breaches_not_raised,
    refusal_flags_not_raised,
)
from outages.models import BreachKind as OutageBreachKind
from outages.selectors import outage_breach_last_id, outage_breaches_not_raised
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
TYPE = ViolationType._meta.db_table


class NotRaised(Protocol):
    """An owning app's selector: its rows with an id above ``after`` that have no row in
    ``raised`` (this app's violations of the row, correlated by ``OuterRef("pk")``), as
    a values queryset with ``source_id``, ``staff_id``, ``department_id``,
    ``occurred_at`` (and ``case_id``, ``kind``, … as the source's SQL reads them)."""

    def __call__(self, *, raised: QuerySet[Any], after: int = 0) -> QuerySet[Any]: ...


@dataclass(frozen=True)
class Source:
    kind: str
    column: str  # the violation's foreign key to the source row
    rows: NotRaised
    # SQL over the selector's columns (``src.…``): the code of the violation type
    # (fixtures/violation_types.json) a row becomes.
    type_code: str
    # The highest id of the source table (the watermark follows it); None: read whole
    # every run (rows that become violations late, not in id order).
    last_id: Callable[[], int] | None = None
    # Whether the selector gives the row's case (``case_id``).
    has_case: bool = True
    # A further condition on ``src``, over this app's own tables.
    where: str = ""
    # Whether what the violation is about caused a complaint or adverse effect (None: not
    # known until the office asks, on confirming).
    adverse_effect: bool | None = None


SOURCES: Sequence[Source] = (
    Source(
        SourceKind.BREACH,
        "breach_id",
        breaches_not_raised,
        # By the breach's kind and its clock's kind. A missed callback after closing (回访,
        # a follow-up clock) is an overdue step like any other.
        f"""
        CASE WHEN src.kind = '{BreachKind.EXTENSION_NOT_TOLD}' THEN 'extension-not-told'
             WHEN src.kind = '{BreachKind.SUSPENSION_NOT_TOLD}' THEN 'suspension-not-told'
             WHEN src.clock_kind = '{ClockKind.CALLBACK}' THEN 'appointment-callback-missed'
             ELSE 'breach-overdue' END
        """,
        last_id=breach_last_id,
    ),
    Source(
        SourceKind.NOTICE_BREACH,
        "notice_breach_id",
        notice_breaches_not_raised,
        "'one-time-notice-breach'",
        last_id=notice_breach_last_id,
    ),
    Source(
        SourceKind.REFUSAL_FLAG,
        "refusal_flag_id",
        refusal_flags_not_raised,
        "'refusal-phrase'",
        where=f"""
        EXISTS (
            SELECT 1 FROM {VIOLATION} founded
            WHERE founded.case_id = src.case_id
              AND founded.source_kind = '{SourceKind.COMPLAINT}'
              AND founded.state <> '{ViolationState.DISMISSED}'
        )
        """,
        # Raised only because a complaint about the contact was founded.
        adverse_effect=True,
    ),
    Source(
        SourceKind.OUTAGE_BREACH,
        "outage_breach_id",
        outage_breaches_not_raised,
        f"""
        CASE WHEN src.kind = '{OutageBreachKind.NOTICE_NOT_IN_TIME}' THEN 'outage-notice-failure'
             ELSE 'outage-report-failure' END
        """,
        last_id=outage_breach_last_id,
        has_case=False,
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


def _pending(
    source: Source, *, after: int, case_id: int | None = None, through: int | None = None
) -> tuple[str, list[Any]]:
    """The FROM clause (and its parameters) of the source's rows above the id ``after``
    (up to ``through``, of one case, when given) not yet violations, with their type."""
    raised = Violation.objects.filter(**{source.column: OuterRef("pk")})
    rows = source.rows(raised=raised, after=after)
    if case_id is not None:
        rows = rows.filter(case_id=case_id)
    if through is not None:
        rows = rows.filter(pk__lte=through)
    select, params = rows.query.sql_with_params()
    return (
        f"""
        FROM ({select}) AS src
        JOIN {TYPE} t ON t.code = {source.type_code}
        {f"WHERE {source.where}" if source.where else ""}
        """,
        list(params),
    )


def _raise_batch(
    source: Source,
    *,
    rulebook_id: int,
    now: datetime,
    batch: int,
    after: int = 0,
    case_id: int | None = None,
) -> list[tuple[int, int]]:
    """One batch of a source's rows above the id ``after`` not yet violations (of one
    case, when given), inserted; the new violations' ids with their source rows' ids."""
    # Rows already turned into violations are skipped by the selector's NOT EXISTS, and
    # rows a parallel run is inserting right now by ON CONFLICT (the partial unique index
    # on the foreign key).
    pending, params = _pending(source, after=after, case_id=case_id)
    case = "src.case_id" if source.has_case else "CAST(NULL AS bigint)"
    return _rows(
        f"""
        INSERT INTO {VIOLATION}
            (type_id, staff_id, department_id, occurred_at, severity, case_id,
             {source.column}, source_kind, summary, finding, state, rulebook_version_id,
             dismissal_reason, dismissal_note, raised_at, version, adverse_effect)
        SELECT t.id, src.staff_id, src.department_id, src.occurred_at, t.default_severity,
               {case}, src.source_id, %s, '', '', %s, %s, '', '', %s, 1, %s
        {pending}
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
            *params,
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
    source: Source, *, rulebook_id: int, now: datetime, batch: int, after: int
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


def _watermark(source: Source) -> RaiseWatermark:
    watermark, _created = RaiseWatermark.objects.get_or_create(source_kind=source.kind)
    return watermark


def _advance(source: Source, *, began: datetime) -> None:
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
            left, params = _pending(source, after=watermark.through_id, through=pending)
            if _rows(f"SELECT 1 {left} LIMIT 1", params):
                return
            watermark.through_id = max(watermark.through_id, pending)
            pending = None
        if pending is None and source.last_id is not None:
            watermark.pending_id = max(source.last_id(), watermark.through_id)
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
        if source.last_id is not None and not recheck:
            after = _watermark(source).through_id
        result.created[source.kind] = _raise_source(
            source, rulebook_id=rulebook.pk, now=now, batch=batch, after=after
        )
        if source.last_id is not None:
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
