"""The dispatch centre, as the front desk and the outage register find it."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from accountability.selectors import dispatch_department
from tests.factories import DepartmentFactory

pytestmark = pytest.mark.django_db


def test_it_is_the_department_marked_as_dispatch_first_by_code() -> None:
    DepartmentFactory(code="service", is_dispatch=False)
    DepartmentFactory(code="night-dispatch", is_dispatch=True)
    DepartmentFactory(code="dispatch", is_dispatch=True)
    assert dispatch_department().code == "dispatch"


def test_without_one_it_asks_an_administrator_to_mark_one() -> None:
    DepartmentFactory(code="service", is_dispatch=False)
    with pytest.raises(ValidationError) as refusal:
        dispatch_department()
    assert refusal.value.messages == ["没有部门被设为生产调度部，请管理员设置一个。"]
