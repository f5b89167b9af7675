"""The case tests' cast, plus dispatch (生产调度部) with its head and a dispatcher, and
helpers to record outages at fixed moments."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client

from accountability.models import Department
from accountability.roles import Role
from outages.models import OutageEvent, OutageKind
from outages.services import outage_record
from tests.deadlines.conftest import Cast, cast
from tests.factories import PASSWORD, DepartmentFactory, StaffFactory, UserFactory

__all__ = ["Cast", "OutageCast", "cast", "oc", "record", "signed_in"]

LOCAL = ZoneInfo("Asia/Shanghai")
# A Monday morning; every test moves time from here.
T0 = datetime(2026, 6, 1, 9, 0, tzinfo=LOCAL)


@dataclass
class OutageCast:
    base: Cast
    dispatch: Department
    dispatch_head: Any
    dispatcher: Any  # on duty at dispatch (handler)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.base, name)


@pytest.fixture
def oc(cast: Cast) -> OutageCast:
    dispatch = DepartmentFactory(
        code="dispatch", name="生产调度部", is_dispatch=True, round_the_clock=True
    )
    head = StaffFactory(
        user=UserFactory(username="dispatch_head", roles=[Role.DEPARTMENT_HEAD, Role.HANDLER]),
        department=dispatch,
    ).user
    dispatch.head = head
    dispatch.save()
    dispatcher = StaffFactory(
        user=UserFactory(username="dispatcher", roles=[Role.HANDLER, Role.FRONT_DESK]),
        department=dispatch,
    ).user
    return OutageCast(base=cast, dispatch=dispatch, dispatch_head=head, dispatcher=dispatcher)


def record(
    oc: OutageCast,
    *,
    at: datetime = T0,
    kind: str = OutageKind.FAULT,
    households: int = 600,
    starts_at: datetime | None = None,
    hours: float = 4,
    area: str = "经十路\n历山路",
    actor: Any = None,
) -> OutageEvent:
    """An outage of the network unit (管网所), recorded at `at` by the network head."""
    starts = starts_at or at
    with time_machine.travel(at, tick=False):
        return outage_record(
            actor=actor or oc.network_head,
            kind=kind,
            title="DN300 主管爆管" if kind == OutageKind.FAULT else "阀门更换",
            area=area,
            households=households,
            starts_at=starts,
            expected_restoration_at=starts + timedelta(hours=hours),
            cause="管道老化" if kind == OutageKind.FAULT else "设备维护",
            department=oc.network,
        )


def signed_in(user: Any) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client
