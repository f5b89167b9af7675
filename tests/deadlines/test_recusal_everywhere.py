"""Nobody acts or reads where they must not (issue 21, items 1–3): the staff member a
complaint is about takes no action on it in any app; free text on the case that may
name the complainant is withheld from whoever may not see the complainant; an
administrator's superuser flag grants no business permission, and recusal binds the
admin's search."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accountability.rules import may
from deadlines.models import Case, CaseState, Suspension
from deadlines.services import cases as services
from tests.deadlines.conftest import Cast, open_case

pytestmark = pytest.mark.django_db

COMPLAINANT = "张三"


def fresh(case: Case) -> Case:
    return Case.objects.get(pk=case.pk)


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def against_head(cast: Cast) -> Case:
    """A complaint about the service department's head, in progress with a handler."""
    case = services.case_accept(actor=cast.desk, case=open_case(cast), handler=cast.handler)
    case = services.case_start_work(actor=cast.handler, case=case)
    return services.case_name_accused(
        actor=cast.inspector, case=case, accused=[cast.head], reason="投诉科长态度恶劣"
    )


ACTIONS: dict[str, Callable[[Cast, Case], Any]] = {
    "assign": lambda cast, case: services.case_assign(
        actor=cast.head, case=case, handler=cast.desk, reason="改派"
    ),
    "resolve": lambda cast, case: services.case_resolve(
        actor=cast.head, case=case, resolution="已处理"
    ),
    "terminate": lambda cast, case: services.case_terminate(
        actor=cast.head, case=case, reason="终止"
    ),
    "withdraw": lambda cast, case: services.case_withdraw(
        actor=cast.head, case=case, reason="撤回"
    ),
    "suspend": lambda cast, case: services.case_suspend(
        actor=cast.head,
        case=case,
        kind=Suspension.Kind.TESTING,
        expected_end=timezone.now() + timedelta(days=2),
        place="化验室",
        citizen_notice="检测期间不计时",
    ),
    "feedback": lambda cast, case: services.case_log_feedback(
        actor=cast.head, case=case, audience="citizen", channel="phone", content="已回电"
    ),
    "supervise": lambda cast, case: services.case_supervise(
        actor=cast.head, case=case, supervisor=cast.desk, reason="督办"
    ),
    "mark_complex": lambda cast, case: services.case_mark_complex(
        actor=cast.head, case=case, reason="复杂"
    ),
}


@pytest.mark.parametrize("action", list(ACTIONS))
def test_the_accused_head_takes_no_action_on_the_complaint_about_them(
    cast: Cast, against_head: Case, action: str
) -> None:
    with pytest.raises(PermissionDenied):
        ACTIONS[action](cast, fresh(against_head))
    assert fresh(against_head).state == CaseState.IN_PROGRESS


def test_the_accused_head_cannot_sign_off_or_send_back_the_result(
    cast: Cast, against_head: Case
) -> None:
    case = services.case_resolve(actor=cast.handler, case=against_head, resolution="已处理")
    for act in (
        lambda: services.case_close(actor=cast.head, case=fresh(case)),
        lambda: services.case_send_back(actor=cast.head, case=fresh(case), reason="重办"),
    ):
        with pytest.raises(PermissionDenied):
            act()
    assert fresh(case).state == CaseState.RESOLVED


def test_the_case_page_offers_the_accused_no_action(cast: Cast, against_head: Case) -> None:
    page = _client(cast.head).get(reverse("deadlines:case_detail", args=[against_head.number]))
    assert page.status_code == 200
    assert page.context["actions"] == []
    # Unaccused, the same head is offered them.
    other = services.case_accept(actor=cast.desk, case=open_case(cast), handler=cast.handler)
    offered = _client(cast.head).get(reverse("deadlines:case_detail", args=[other.number]))
    assert "assign" in [action.name for action, _form, _open in offered.context["actions"]]


def test_free_text_naming_the_complainant_is_withheld_from_the_accused(
    cast: Cast, against_head: Case
) -> None:
    naming = f"已电话联系投诉人{COMPLAINANT},约定明日上门。"
    case = against_head
    services.case_log_feedback(
        actor=cast.handler, case=case, audience="citizen", channel="phone", content=naming
    )
    services.case_suspend(
        actor=cast.handler,
        case=fresh(case),
        kind=Suspension.Kind.SITE_SURVEY,
        expected_end=timezone.now() + timedelta(days=1),
        place=f"{COMPLAINANT}家中",
        citizen_notice=f"已告知{COMPLAINANT}勘查期间不计时",
    )
    services.case_resume(actor=cast.handler, case=fresh(case))
    services.case_resolve(actor=cast.handler, case=fresh(case), resolution=f"已向{COMPLAINANT}道歉")
    url = reverse("deadlines:case_detail", args=[case.number])
    accused_page = _client(cast.head).get(url).content.decode()
    assert COMPLAINANT not in accused_page
    assert "不予显示" in accused_page
    inspector_page = _client(cast.inspector).get(url).content.decode()
    assert f"已向{COMPLAINANT}道歉" in inspector_page
    assert naming in inspector_page


def test_a_superuser_without_a_department_closes_no_case(cast: Cast) -> None:
    admin = get_user_model().objects.create_superuser("root", "root@example.com", "x")
    case = services.case_accept(actor=cast.desk, case=open_case(cast), handler=cast.handler)
    case = services.case_resolve(actor=cast.handler, case=case, resolution="已处理")
    assert not may(admin, "deadlines.close_case", case)
    with pytest.raises(PermissionDenied):
        services.case_close(actor=admin, case=fresh(case))
    response = _client(admin).post(
        reverse("deadlines:case_act", args=[case.number, "close"]),
        {"version": fresh(case).version, "note": ""},
    )
    assert response.status_code == 403
    assert fresh(case).state == CaseState.RESOLVED
    # Administering stays possible: the admin's own model permissions still hold.
    assert may(admin, "deadlines.view_timelimitpolicy")


def test_an_accused_inspector_cannot_find_the_complainant_through_the_admin_search(
    cast: Cast,
) -> None:
    cast.inspector.is_staff = True
    cast.inspector.is_superuser = True
    cast.inspector.save()
    about_inspector = services.case_name_accused(
        actor=cast.desk, case=open_case(cast), accused=[cast.inspector], reason="投诉监察员"
    )
    about_someone_else = services.case_name_accused(
        actor=cast.desk, case=open_case(cast), accused=[cast.network_handler], reason="投诉"
    )
    found = _client(cast.inspector).get(
        reverse("admin:deadlines_case_changelist"), {"q": COMPLAINANT}
    )
    numbers = {case.number for case in found.context["cl"].result_list}
    assert about_inspector.number not in numbers
    assert about_someone_else.number in numbers  # the office's own work is unhindered
