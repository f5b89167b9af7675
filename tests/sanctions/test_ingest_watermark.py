"""The periodic raising of violations reads each source table from its watermark up
(issue 24): an idle run does not read the rows recorded before, and the watermark never
passes a row whose transaction committed after a run saw a higher id (exactly once
still holds)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection

from deadlines.models import Breach, ClockKind
from deadlines.services.cases import case_accept
from deadlines.services.scans import clocks_breach_due
from sanctions.models import RaiseWatermark, SourceKind, Violation
from sanctions.services import violations_raise_from_sources
from sanctions.services.ingest import SOURCES, WATERMARK_SAFETY, _advance
from tests.deadlines.conftest import Cast, open_case

SHANGHAI = ZoneInfo("Asia/Shanghai")
OPENED = datetime(2026, 6, 3, 9, tzinfo=SHANGHAI)
MONDAY = datetime(2026, 6, 8, 9, tzinfo=SHANGHAI)
# The clock the watermark's safety window runs on (the runs' own clock, not ``now``).
T0 = datetime(2026, 6, 8, 10, tzinfo=SHANGHAI)


def _breaches(cast: Cast, count: int) -> list[Breach]:
    with time_machine.travel(OPENED, tick=False):
        for _ in range(count):
            case_accept(actor=cast.head, case=open_case(cast), handler=cast.handler)
    clocks_breach_due(now=MONDAY)
    return list(Breach.objects.filter(clock__kind=ClockKind.RESULT).order_by("pk"))


def _run(at: datetime, **kwargs: bool) -> int:
    with time_machine.travel(at, tick=False):
        return violations_raise_from_sources(now=MONDAY, **kwargs).created[SourceKind.BREACH]


def _late_breach(pk: int, like: Breach) -> Breach:
    """A breach whose id was handed out before the others' but whose transaction
    commits only now (bulk_create: the append-only save refuses a preset id)."""
    (breach,) = Breach.objects.bulk_create(
        [
            Breach(
                pk=pk,
                clock_id=like.clock_id,
                case_id=like.case_id,
                kind=like.kind,
                moment=like.moment + timedelta(days=1),
                responsible_id=like.responsible_id,
                department_id=like.department_id,
            )
        ]
    )
    return breach


@pytest.mark.django_db
def test_the_watermark_moves_up_a_safety_window_after_it_saw_the_ids(cast: Cast) -> None:
    breaches = _breaches(cast, 3)
    assert _run(T0) == 3
    watermark = RaiseWatermark.objects.get(pk=SourceKind.BREACH)
    # Seen, not trusted yet: a transaction open now may still commit a lower id.
    assert (watermark.through_id, watermark.pending_id) == (0, breaches[-1].pk)
    assert _run(T0 + WATERMARK_SAFETY - timedelta(seconds=1)) == 0
    assert RaiseWatermark.objects.get(pk=SourceKind.BREACH).through_id == 0
    assert _run(T0 + WATERMARK_SAFETY) == 0
    assert RaiseWatermark.objects.get(pk=SourceKind.BREACH).through_id == breaches[-1].pk
    assert Violation.objects.filter(source_kind=SourceKind.BREACH).count() == 3


@pytest.mark.django_db
def test_an_idle_run_does_not_read_the_rows_below_the_watermark(cast: Cast) -> None:
    breaches = _breaches(cast, 3)
    # Rows below the watermark left without a violation: a run that read every breach
    # ever recorded would raise them; the idle run must not even look.
    RaiseWatermark.objects.create(source_kind=SourceKind.BREACH, through_id=breaches[1].pk)
    assert _run(T0) == 1  # only the row above it
    assert set(Violation.objects.values_list("breach_id", flat=True)) == {breaches[2].pk}
    assert _run(T0 + timedelta(minutes=1)) == 0
    # A recheck (a repair) reads them all, and still raises each once.
    assert _run(T0 + timedelta(minutes=2), recheck=True) == 2
    assert _run(T0 + timedelta(minutes=3), recheck=True) == 0
    assert Violation.objects.filter(source_kind=SourceKind.BREACH).count() == 3


@pytest.mark.postgres
@pytest.mark.django_db
def test_a_breach_committed_after_a_higher_id_was_seen_is_raised_once(cast: Cast) -> None:
    with connection.cursor() as cursor:
        # An id handed out to a transaction that has not committed yet.
        cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id'))", [Breach._meta.db_table])
        (reserved,) = cursor.fetchone()
    breaches = _breaches(cast, 2)
    assert breaches[0].pk > reserved
    assert _run(T0) == 2  # sees ids above the reserved one

    late = _late_breach(reserved, breaches[0])  # commits within the safety window
    assert _run(T0 + timedelta(minutes=5)) == 1
    assert _run(T0 + WATERMARK_SAFETY + timedelta(minutes=1)) == 0
    assert RaiseWatermark.objects.get(pk=SourceKind.BREACH).through_id == breaches[-1].pk
    assert _run(T0 + 3 * WATERMARK_SAFETY, recheck=True) == 0
    raised = list(Violation.objects.values_list("breach_id", flat=True))
    assert sorted(raised) == sorted([late.pk, *(b.pk for b in breaches)])


@pytest.mark.django_db
def test_the_watermark_does_not_pass_a_row_left_without_its_violation(cast: Cast) -> None:
    # A parallel run that stopped early (its batch met another run's rows) may leave
    # rows below the id noted: the watermark waits for the run that raises them.
    breaches = _breaches(cast, 2)
    RaiseWatermark.objects.create(
        source_kind=SourceKind.BREACH,
        pending_id=breaches[-1].pk,
        pending_at=T0 - WATERMARK_SAFETY,
    )
    (breach_source,) = (s for s in SOURCES if s.kind == SourceKind.BREACH)
    with time_machine.travel(T0, tick=False):
        _advance(breach_source, began=T0)
    assert RaiseWatermark.objects.get(pk=SourceKind.BREACH).through_id == 0
    assert _run(T0) == 2
    assert RaiseWatermark.objects.get(pk=SourceKind.BREACH).through_id == breaches[-1].pk


@pytest.mark.django_db
def test_the_raise_violations_command_repairs_rows_below_the_watermark(cast: Cast) -> None:
    from io import StringIO

    from django.core.management import call_command

    breaches = _breaches(cast, 2)
    RaiseWatermark.objects.create(source_kind=SourceKind.BREACH, through_id=breaches[-1].pk)
    out = StringIO()
    with time_machine.travel(T0, tick=False):
        call_command("raise_violations", stdout=out)
    assert out.getvalue().strip() == "0 violations raised"
    with time_machine.travel(T0 + timedelta(minutes=1), tick=False):
        call_command("raise_violations", "--recheck", stdout=out)
    assert out.getvalue().splitlines()[-1] == "2 violations raised"
    assert Violation.objects.filter(source_kind=SourceKind.BREACH).count() == 2
