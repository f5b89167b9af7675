"""A small cast for the case tests: two departments with their heads and staff, a leader
and an inspector, the default policies and the official calendar."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings

from accountability.models import Department
from accountability.roles import Role
from deadlines.models import Case, Channel, MatterKind
from deadlines.services.calendar import calendar_seed_from_library
from deadlines.services.cases import case_open
from deadlines.services.policies import policies_load
from tests.factories import DepartmentFactory, StaffFactory, UserFactory

POLICIES = Path(settings.BASE_DIR) / "fixtures" / "time_limit_policies.json"
SHANGHAI = ZoneInfo("Asia/Shanghai")


def local(month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """A moment of 2026 in Beijing time."""
    return datetime(2026, month, day, hour, minute, tzinfo=SHANGHAI)


@contextmanager
def at(moment: datetime) -> Iterator[None]:
    """Time frozen at the moment."""
    with time_machine.travel(moment, tick=False):
        yield


@dataclass
class Cast:
    service: Department  # 客户服务中心: where citizens are received
    network: Department  # 管网所: where leaks and pressure go
    desk: Any  # front desk of service
    handler: Any  # handler in service
    head: Any  # head of service
    network_head: Any
    network_handler: Any
    leader: Any
    inspector: Any
    outsider: Any  # a handler of a third department


def _staff(username: str, department: Department, *roles: Role) -> Any:
    return StaffFactory(
        user=UserFactory(username=username, roles=list(roles)), department=department
    ).user


@pytest.fixture
def cast(db: None) -> Cast:
    calendar_seed_from_library(actor=None)
    policies_load(actor=None, path=POLICIES)
    service = DepartmentFactory(code="service", name="客户服务中心")
    network = DepartmentFactory(code="network", name="管网所")
    billing = DepartmentFactory(code="billing", name="营业所")
    head = _staff("head", service, Role.DEPARTMENT_HEAD)
    network_head = _staff("network_head", network, Role.DEPARTMENT_HEAD)
    service.head, network.head = head, network_head
    service.save()
    network.save()
    return Cast(
        service=service,
        network=network,
        desk=_staff("desk", service, Role.FRONT_DESK),
        handler=_staff("handler", service, Role.HANDLER),
        head=head,
        network_head=network_head,
        network_handler=_staff("network_handler", network, Role.HANDLER),
        leader=_staff("leader", DepartmentFactory(code="leadership"), Role.LEADERSHIP),
        inspector=_staff("inspector", DepartmentFactory(code="inspection"), Role.INSPECTION_OFFICE),
        outsider=_staff("outsider", billing, Role.HANDLER),
    )


def open_case(cast: Cast, **fields: Any) -> Case:
    """A complaint registered by the front desk for the service department."""
    values: dict[str, Any] = {
        "actor": cast.desk,
        "department": cast.service,
        "channel": Channel.PHONE,
        "matter_kind": MatterKind.COMPLAINT,
        "subject": "水压不足",
        "content": "三楼以上水压不足,已持续两天。",
        "citizen_name": "张三",
        "citizen_phone": "13800000000",
    }
    values.update(fields)
    return case_open(**values)
