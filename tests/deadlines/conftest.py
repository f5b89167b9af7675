"""A small cast for the case tests: two departments with their heads and staff, a leader
and an inspector, the default policies and the official calendar."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth import get_user_model

from accountability.models import Department
from accountability.roles import Role
from deadlines.models import Case, Channel, MatterKind
from deadlines.selectors import calendar as calendar_selectors
from deadlines.services.calendar import calendar_seed_from_library
from deadlines.services.cases import case_open
from deadlines.services.policies import policies_load
from tests.factories import DepartmentFactory, StaffFactory, UserFactory

if TYPE_CHECKING:
    from tests.conftest import SharedRows

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


# The usernames of the cast's people (cast_rows).
PEOPLE = (
    "desk",
    "handler",
    "head",
    "network_head",
    "network_handler",
    "leader",
    "inspector",
    "outsider",
)


def _staff(username: str, department: Department, *roles: Role) -> Any:
    return StaffFactory(
        user=UserFactory(username=username, roles=list(roles)), department=department
    ).user


def cast_rows() -> None:
    """The cast's rows: the official calendar, the default policies, the departments and
    the people, written through the services and factories."""
    calendar_seed_from_library(actor=None)
    policies_load(actor=None, path=POLICIES)
    service = DepartmentFactory(code="service", name="客户服务中心")
    network = DepartmentFactory(code="network", name="管网所")
    billing = DepartmentFactory(code="billing", name="营业所")
    service.head = _staff("head", service, Role.DEPARTMENT_HEAD)
    network.head = _staff("network_head", network, Role.DEPARTMENT_HEAD)
    service.save()
    network.save()
    _staff("desk", service, Role.FRONT_DESK)
    _staff("handler", service, Role.HANDLER)
    _staff("network_handler", network, Role.HANDLER)
    _staff("leader", DepartmentFactory(code="leadership"), Role.LEADERSHIP)
    _staff("inspector", DepartmentFactory(code="inspection"), Role.INSPECTION_OFFICE)
    _staff("outsider", billing, Role.HANDLER)


@pytest.fixture
def cast(db: None, shared_rows: SharedRows) -> Cast:
    """The cast, as fresh objects of this test: written once for the ordinary tests
    (tests/conftest.py, SharedRows), committed now for a test in real transactions (on
    PostgreSQL, copied back as the first write left them)."""
    if not shared_rows.is_open:
        shared_rows.write_committed()
    # The calendar snapshot is cached by a fingerprint of counts and change times; a test
    # that rolled back a change made at a travelled (earlier) time leaves the shared rows'
    # fingerprint cached with its change in it.
    calendar_selectors._cached = None
    users = {
        user.username: user
        for user in get_user_model().objects.filter(username__in=PEOPLE).select_related("staff")
    }
    departments = {
        department.pk: department
        for department in Department.objects.filter(
            pk__in=[user.staff.department_id for user in users.values()]
        )
    }
    # One object per row, linked as the factories left them: a change a test makes to
    # cast.service is seen through cast.handler.staff.department, with no query.
    for user in users.values():
        user.staff.department = departments[user.staff.department_id]
    service = users["handler"].staff.department
    network = users["network_handler"].staff.department
    service.head, network.head = users["head"], users["network_head"]
    return Cast(
        service=service,
        network=network,
        desk=users["desk"],
        handler=users["handler"],
        head=users["head"],
        network_head=users["network_head"],
        network_handler=users["network_handler"],
        leader=users["leader"],
        inspector=users["inspector"],
        outsider=users["outsider"],
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
