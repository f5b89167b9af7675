"""The accountability tests' cast: the case tests' cast (tests/deadlines/conftest.py),
with the service department's supervising leader set, a second inspector who heads the
inspection office (maker-checker: one proposes, the head decides admonitions), the
efficiency leading group (the leader its principal leader, the office head a member)
and a second handler in the service department.

Helpers raise, confirm and decide violations at a given moment (time_machine), through
the services, as the inspection office does."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine

from accountability.models import LeadingGroup
from accountability.roles import Role
from sanctions.authority import AUTHORITY, Authority, deciders_for
from sanctions.models import (
    Responsibility,
    ResponsibilityKind,
    SanctionDecision,
    Violation,
    ViolationType,
)
from sanctions.services import (
    responsibility_assign,
    sanction_approve,
    sanction_proposal,
    sanction_propose,
    violation_confirm,
    violation_raise_complaint,
    violation_raise_finding,
    violation_review,
)
from tests.deadlines.conftest import Cast, cast, open_case
from tests.factories import StaffFactory, UserFactory

__all__ = ["cast"]

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """A Beijing-time moment: at(2026, 3, 2, 10)."""
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


@dataclass
class SanctionsCast:
    c: Cast
    inspector2: Any
    handler2: Any

    @property
    def inspector(self) -> Any:
        return self.c.inspector

    @property
    def leader(self) -> Any:
        return self.c.leader

    @property
    def head(self) -> Any:
        return self.c.head

    @property
    def handler(self) -> Any:
        return self.c.handler


@pytest.fixture
def sc(cast: Cast) -> SanctionsCast:
    cast.service.supervising_leader = cast.leader
    cast.service.save()
    inspection = cast.inspector.staff.department
    inspector2 = StaffFactory(
        user=UserFactory(username="inspector2", roles=[Role.INSPECTION_OFFICE]),
        department=inspection,
    ).user
    inspection.head = inspector2  # the inspection office head (监察室主任)
    inspection.save()
    group = LeadingGroup.objects.create(principal_leader=cast.leader)
    group.members.set([cast.leader, inspector2])
    handler2 = StaffFactory(
        user=UserFactory(username="handler2", roles=[Role.HANDLER]), department=cast.service
    ).user
    return SanctionsCast(c=cast, inspector2=inspector2, handler2=handler2)


def vtype(code: str) -> ViolationType:
    return ViolationType.objects.get(code=code)


def raise_finding(
    sc: SanctionsCast, code: str, staff: Any, when: datetime, severity: str | None = None
) -> Violation:
    with time_machine.travel(when, tick=False):
        return violation_raise_finding(
            actor=sc.inspector,
            type=vtype(code),
            finding="检查发现",
            staff=staff,
            occurred_at=when,
            severity=severity,
        )


def raise_complaint(
    sc: SanctionsCast, staff: Any, when: datetime, code: str = "complaint-attitude"
) -> Violation:
    with time_machine.travel(when, tick=False):
        case = open_case(sc.c)
        return violation_raise_complaint(
            actor=sc.inspector, case=case, staff=staff, type=vtype(code), occurred_at=when
        )


def confirm(
    sc: SanctionsCast, violation: Violation, when: datetime, adverse_effect: bool | None = None
) -> Violation:
    """Review and confirm. An overdue violation must say whether it caused a complaint or
    adverse effect: unless told, the helper answers yes (the rulebook then goes by
    severity, rules 5-7); pass adverse_effect=False for "rule 5 at most"."""
    if adverse_effect is None and violation.type.family == "overdue":
        adverse_effect = violation.adverse_effect if violation.adverse_effect is not None else True
    with time_machine.travel(when, tick=False):
        violation = violation_review(actor=sc.inspector, violation=violation)
        return violation_confirm(
            actor=sc.inspector, violation=violation, adverse_effect=adverse_effect
        )


def confirmed_finding(
    sc: SanctionsCast, code: str, staff: Any, when: datetime, severity: str | None = None
) -> Violation:
    return confirm(sc, raise_finding(sc, code, staff, when, severity), when)


def direct(sc: SanctionsCast, violation: Violation, person: Any = None) -> Responsibility:
    person = person or violation.staff
    assert person is not None
    return responsibility_assign(
        actor=sc.inspector,
        violation=Violation.objects.get(pk=violation.pk),  # as the page shows it now
        person=person,
        kind=ResponsibilityKind.DIRECT,
    )


def decide(
    sc: SanctionsCast,
    violation: Violation,
    when: datetime,
    person: Any = None,
    kinds: list[str] | None = None,
) -> SanctionDecision:
    """Direct responsibility, the rulebook's proposal taken as it is (the first kind
    where it offers a choice), approved by whoever decides it (sanctions.authority: the
    office head, the leading group's principal leader, or the supervising leader)."""
    with time_machine.travel(when, tick=False):
        responsibility = direct(sc, Violation.objects.get(pk=violation.pk), person)
        proposal = sanction_proposal(responsibility=responsibility)
        assert proposal is not None
        # Where the rulebook offers a choice, the first kind the portal decides (kinds
        # referred out are only recorded, never approved here).
        decided_here = [k for k in proposal.kinds if AUTHORITY.get(k) != Authority.REFERRED]
        first = (decided_here or list(proposal.kinds))[0]
        chosen = kinds or (list(proposal.kinds) if proposal.mode == "all" else [first])
        decision = sanction_propose(
            actor=sc.inspector, responsibility=responsibility, chosen_kinds=chosen
        )
        return sanction_approve(actor=deciders_for(decision)[0], decision=decision)
