"""Breaches, one-time-notice breaches and refusal-phrase flags become violations: one
each, however often (and however many at once) the ingestion runs; the database's
unique constraints, not a check in Python, keep it so. A refusal-phrase flag becomes one
only once a complaint about the same case is founded (issue 19, DOMAIN §5)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from accountability.models import AuditEntry
from deadlines.models import Breach, BreachKind, Clock, ClockKind, TimeLimitPolicy
from deadlines.services.cases import case_accept, case_start_work, case_suspend
from deadlines.services.scans import clocks_breach_due, suspensions_flag_untold
from intake.models import ItemKind, NoticeBreach, RefusalFlag, ServiceItem, ServiceItemMaterial
from intake.services.catalogue import service_item_create
from intake.services.notice import material_request, notice_issue
from outages.models import BreachKind as OutageBreachKind
from outages.models import OutageBreach, OutageKind
from outages.services import obligations_breach_due
from sanctions.models import (
    DismissalReason,
    SourceKind,
    Violation,
    ViolationEvent,
    ViolationState,
    ViolationType,
)
from sanctions.services import violations_raise_from_sources
from sanctions.services.rulebook import rulebook_current, rulebook_load, violation_types_load
from sanctions.tasks import raise_violations
from tests.deadlines.conftest import Cast, open_case
from tests.outages import conftest as outage_fixtures
from tests.outages.conftest import T0 as OUTAGE_T0
from tests.outages.conftest import OutageCast, record

oc = outage_fixtures.oc  # the outage tests' cast, as a fixture here

SHANGHAI = ZoneInfo("Asia/Shanghai")
OPENED = datetime(2026, 6, 3, 9, tzinfo=SHANGHAI)  # due 24:00 Friday 5 June
MONDAY = datetime(2026, 6, 8, 9, tzinfo=SHANGHAI)


def _breaches(cast: Cast, count: int) -> list[Breach]:
    with time_machine.travel(OPENED, tick=False):
        for _ in range(count):
            case_accept(actor=cast.head, case=open_case(cast), handler=cast.handler)
    clocks_breach_due(now=MONDAY)
    return list(Breach.objects.filter(clock__kind=ClockKind.RESULT))


def _notice_breach(cast: Cast) -> NoticeBreach:
    service_item_create(
        actor=None,
        item=ServiceItem(
            code="new-connection",
            name="新装用水",
            kind=ItemKind.JOINT,
            department=cast.service,
            legal_basis="《城市供水条例》",
            conditions="管网覆盖范围内。",
            quantity_limit="一户一表。",
            procedure="受理、勘查、通水。",
            fee_basis="",
            fee_standard="免费",
            refusal_reasons="材料虚假。",
            statutory_limit_amount=20,
            statutory_limit_unit="working_days",
            promised_limit_amount=15,
            promised_limit_unit="working_days",
        ),
        materials=[ServiceItemMaterial(name="申请表", form_requirements="原件1份")],
    )
    case = open_case(cast)
    notice_issue(
        actor=cast.desk, case=case, item_code="new-connection", statuses={"申请表": "missing"}
    )
    material_request(actor=cast.handler, case=case, material="户口本")
    return NoticeBreach.objects.get()


def _flag(cast: Cast, case: Any = None, text: str = "这事不归我管") -> RefusalFlag:
    return RefusalFlag.objects.create(
        case=case or open_case(cast),
        staff=cast.desk,
        department=cast.service,
        phrase="不归我管",
        text=text,
    )


def _found_complaint_without_the_service(cast: Cast, case: Any, **fields: Any) -> Violation:
    """A founded complaint on the case written straight to the table, as another path
    (an import, the admin) might: the periodic run must pick its flags up."""
    return Violation.objects.create(
        type=ViolationType.objects.get(code="complaint-attitude"),
        staff=cast.desk,
        department=cast.service,
        occurred_at=case.opened_at,
        source_kind=SourceKind.COMPLAINT,
        case=case,
        adverse_effect=True,
        rulebook_version=rulebook_current(),
        **fields,
    )


@pytest.mark.django_db
def test_it_raises_one_violation_per_source_row_however_often_it_runs(cast: Cast) -> None:
    breaches = _breaches(cast, 3)
    notice_breach = _notice_breach(cast)
    flag = _flag(cast)

    first = violations_raise_from_sources(now=MONDAY)
    assert first.created == {
        SourceKind.BREACH: len(breaches),
        SourceKind.NOTICE_BREACH: 1,
        SourceKind.REFUSAL_FLAG: 0,  # a flag waits for the head: no complaint is founded
        SourceKind.OUTAGE_BREACH: 0,
    }
    _found_complaint_without_the_service(cast, flag.case)
    assert violations_raise_from_sources(now=MONDAY).created == {
        SourceKind.BREACH: 0,
        SourceKind.NOTICE_BREACH: 0,
        SourceKind.REFUSAL_FLAG: 1,
        SourceKind.OUTAGE_BREACH: 0,
    }
    assert violations_raise_from_sources(now=MONDAY).total == 0
    assert raise_violations() == 0  # the beat task calls the same service

    for breach in breaches:
        violation = Violation.objects.get(breach=breach)
        assert (violation.type.code, violation.staff, violation.department, violation.case) == (
            "breach-overdue",
            cast.handler,
            cast.service,
            breach.case,
        )
        assert violation.occurred_at == breach.moment
        assert violation.state == ViolationState.RAISED
    from_notice = Violation.objects.get(notice_breach=notice_breach)
    assert (from_notice.type.code, from_notice.staff) == ("one-time-notice-breach", cast.desk)
    # The issuer's department, at the later request's moment, on the notice's case.
    assert (from_notice.department, from_notice.occurred_at, from_notice.case) == (
        cast.desk.staff.department,
        notice_breach.moment,
        notice_breach.notice.case,
    )
    assert notice_breach.department == cast.desk.staff.department
    from_flag = Violation.objects.get(refusal_flag=flag)
    assert (from_flag.type.code, from_flag.staff, from_flag.case) == (
        "refusal-phrase",
        cast.desk,
        flag.case,
    )
    assert from_flag.adverse_effect is True  # raised because a complaint was founded
    raised = Violation.objects.exclude(source_kind=SourceKind.COMPLAINT)
    assert ViolationEvent.objects.filter(action="raise").count() == raised.count()
    assert AuditEntry.objects.filter(action="violation.raise").count() == raised.count()


@pytest.mark.django_db
def test_it_raises_a_flag_only_once_a_complaint_about_its_case_is_founded(cast: Cast) -> None:
    flagged, other = open_case(cast), open_case(cast)
    first, second = _flag(cast, flagged), _flag(cast, flagged, text="不归我管!")
    untouched = _flag(cast, other)
    # A complaint founded about another case, or one dismissed, founds nothing here.
    _found_complaint_without_the_service(
        cast, other, state=ViolationState.DISMISSED, dismissal_reason=DismissalReason.NOT_FOUNDED
    )
    assert violations_raise_from_sources(now=MONDAY).created[SourceKind.REFUSAL_FLAG] == 0

    _found_complaint_without_the_service(cast, flagged)
    assert violations_raise_from_sources(now=MONDAY).created[SourceKind.REFUSAL_FLAG] == 2
    assert violations_raise_from_sources(now=MONDAY).total == 0  # safe to run twice
    assert set(
        Violation.objects.filter(source_kind=SourceKind.REFUSAL_FLAG).values_list(
            "refusal_flag_id", flat=True
        )
    ) == {first.pk, second.pk}
    assert not Violation.objects.filter(refusal_flag=untouched).exists()


@pytest.mark.django_db
def test_it_refuses_a_second_violation_for_a_source_row_in_the_database(cast: Cast) -> None:
    (breach,) = _breaches(cast, 1)
    violations_raise_from_sources(now=MONDAY)
    violation = Violation.objects.get(breach=breach)
    with pytest.raises(IntegrityError), transaction.atomic():
        Violation.objects.create(
            type=violation.type,
            staff=violation.staff,
            department=violation.department,
            occurred_at=violation.occurred_at,
            source_kind=SourceKind.BREACH,
            breach=breach,
            rulebook_version=violation.rulebook_version,
        )
    # Nor may a violation name two sources, or a source of another kind.
    with pytest.raises(IntegrityError), transaction.atomic():
        Violation.objects.create(
            type=violation.type,
            department=violation.department,
            occurred_at=violation.occurred_at,
            source_kind=SourceKind.FINDING,
            finding="检查",
            breach=breach,
            rulebook_version=violation.rulebook_version,
        )


@pytest.mark.django_db
def test_it_makes_a_callback_breach_an_appointment_violation(cast: Cast) -> None:
    (breach,) = _breaches(cast, 1)
    Clock.objects.filter(pk=breach.clock_id).update(kind=ClockKind.CALLBACK)
    violations_raise_from_sources(now=MONDAY)
    assert Violation.objects.get(breach=breach).type.code == "appointment-callback-missed"


@pytest.mark.django_db
def test_it_makes_a_missed_callback_after_closing_an_overdue_step(cast: Cast) -> None:
    # The callback after closing (回访, policy case-callback) is no appointment.
    (breach,) = _breaches(cast, 1)
    after_close = TimeLimitPolicy.objects.get(code="case-callback", retired_at__isnull=True)
    Clock.objects.filter(pk=breach.clock_id).update(kind=ClockKind.FOLLOW_UP, policy=after_close)
    violations_raise_from_sources(now=MONDAY)
    assert Violation.objects.get(breach=breach).type.code == "breach-overdue"


@pytest.mark.django_db
def test_it_makes_an_untold_suspension_its_own_violation(cast: Cast) -> None:
    # No phone to send the suspension's message to and no call logged: by the end of the
    # next working day the citizen was not told (附件6 第五条(二)).
    with time_machine.travel(OPENED, tick=False):
        case = case_accept(
            actor=cast.head, case=open_case(cast, citizen_phone=""), handler=cast.handler
        )
        case = case_start_work(actor=cast.handler, case=case)
        case_suspend(
            actor=cast.handler,
            case=case,
            kind="testing",
            expected_end=OPENED + timedelta(days=5),
            place="水质检测中心",
            citizen_notice="检测期间不计入办理时限。",
        )
    assert suspensions_flag_untold(now=MONDAY).created == 1
    violations_raise_from_sources(now=MONDAY)
    (violation,) = Violation.objects.filter(breach__kind=BreachKind.SUSPENSION_NOT_TOLD)
    assert violation.type.code == "suspension-not-told"
    assert violation.staff == cast.handler


# -- in parallel, on PostgreSQL ----------------------------------------------------------


def race(calls: list[Callable[[], Any]]) -> list[Any]:
    """Run each call in a thread of its own, all released at once; their results."""
    barrier = threading.Barrier(len(calls), timeout=30)
    results: list[Any] = [None] * len(calls)

    def run(index: int, call: Callable[[], Any]) -> None:
        try:
            barrier.wait()
            results[index] = call()
        except BaseException as error:  # reported below
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
        assert not thread.is_alive(), "a thread is stuck (a deadlock?)"
    for result in results:
        if isinstance(result, BaseException):
            raise result
    return results


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_it_raises_each_violation_once_when_ingestions_race(cast: Cast) -> None:
    # A flushed database: the types and the rulebook the migration loaded come back from
    # the files.
    violation_types_load(actor=None)
    rulebook_load(actor=None)
    breaches = _breaches(cast, 10)
    results = race([lambda: violations_raise_from_sources(now=MONDAY, batch=3) for _ in range(4)])
    assert sum(result.created[SourceKind.BREACH] for result in results) == len(breaches)
    assert Violation.objects.count() == len(breaches)
    assert set(Violation.objects.values_list("breach_id", flat=True)) == {b.pk for b in breaches}
    assert ViolationEvent.objects.count() == len(breaches)


@pytest.mark.django_db
def test_it_raises_a_violation_for_each_outage_report_or_notice_missed(oc: OutageCast) -> None:
    # A large planned outage recorded 2 hours before the works: the unit's report to
    # dispatch, dispatch's reports to 12345 and 12319 and both public notices are missed.
    start = OUTAGE_T0 + timedelta(hours=2)
    record(oc, kind=OutageKind.PLANNED, households=1200, hours=10, starts_at=start)
    with time_machine.travel(start + timedelta(minutes=1), tick=False):
        obligations_breach_due(now=timezone.now())
    breaches = {breach.pk: breach for breach in OutageBreach.objects.all()}
    kinds = {breach.kind for breach in breaches.values()}
    assert kinds == {OutageBreachKind.REPORT_NOT_IN_TIME, OutageBreachKind.NOTICE_NOT_IN_TIME}

    assert violations_raise_from_sources().total == len(breaches)
    assert violations_raise_from_sources().total == 0
    violations = Violation.objects.filter(source_kind=SourceKind.OUTAGE_BREACH)
    assert {v.outage_breach_id for v in violations} == set(breaches)
    for violation in violations.select_related("type"):
        assert violation.outage_breach_id is not None
        breach = breaches[violation.outage_breach_id]
        expected = (
            "outage-notice-failure"
            if breach.kind == OutageBreachKind.NOTICE_NOT_IN_TIME
            else "outage-report-failure"
        )
        assert violation.type.code == expected
        assert (violation.staff_id, violation.department_id) == (
            breach.responsible_id,
            breach.department_id,
        )
        assert violation.occurred_at == breach.moment
        assert violation.source == breach
