"""One way for a staff page to open a case by its number (issue 25, item 3): 404 for an
unknown number, 403 in the user's language for a permission they lack, recusal for the
person the complaint is about, and the case loaded with what the page asked for."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import translation

from deadlines.models import Case
from deadlines.selectors.access import case_access_check, case_get_for
from deadlines.selectors.cases import case_loaded
from deadlines.services import cases as services
from tests.deadlines.conftest import Cast, open_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def against_head(cast: Cast) -> Case:
    """A complaint about the service department's head, accepted with a handler."""
    case = services.case_accept(actor=cast.desk, case=open_case(cast), handler=cast.handler)
    return services.case_name_accused(
        actor=cast.inspector, case=case, accused=[cast.head], reason="投诉科长态度恶劣"
    )


def _refusal(**kwargs: Any) -> str:
    with translation.override("zh-hans"), pytest.raises(PermissionDenied) as refused:
        case_get_for(**kwargs)
    return str(refused.value)


def test_it_answers_404_for_a_number_no_case_has(cast: Cast) -> None:
    open_case(cast)
    with translation.override("zh-hans"), pytest.raises(Http404) as missing:
        case_get_for(user=cast.head, number="NO-SUCH-1", perm="deadlines.view_case")
    assert str(missing.value) == "没有这个编号的办件。"


def test_it_refuses_a_case_the_user_may_not_see_in_their_language(cast: Cast) -> None:
    case = open_case(cast)
    refusal = _refusal(user=cast.outsider, number=case.number, perm="deadlines.view_case")
    assert refusal == "您无权查看此办件。"


def test_it_refuses_an_action_the_user_may_not_take_in_their_language(cast: Cast) -> None:
    case = open_case(cast)
    # The desk sees the case but does not assign it.
    assert case_get_for(user=cast.desk, number=case.number, perm="deadlines.view_case") == case
    refusal = _refusal(user=cast.desk, number=case.number, perm="deadlines.assign_case")
    assert refusal == "您无权执行此操作。"


def test_it_refuses_the_person_the_complaint_is_about(cast: Cast, against_head: Case) -> None:
    # The head may see every case of the department, this one included...
    refusal = _refusal(user=cast.head, number=against_head.number, perm="deadlines.view_case")
    assert (
        refusal
        == f"您是案件 {against_head.number} 投诉所涉人员，依回避规定不得查看或办理其受理材料。"
    )
    # ...and anyone else who may see it opens it.
    found = case_get_for(user=cast.handler, number=against_head.number, perm="deadlines.view_case")
    assert found == against_head


def test_the_case_page_lets_the_accused_see_the_case_without_recusal(
    cast: Cast, against_head: Case
) -> None:
    found = case_get_for(
        user=cast.head, number=against_head.number, perm="deadlines.view_case", recuse=False
    )
    assert found == against_head
    # Acting is refused all the same: every action's permission carries recusal.
    with pytest.raises(PermissionDenied):
        case_access_check(user=cast.head, perm="deadlines.assign_case", case=found, recuse=False)


def test_it_loads_the_department_and_the_accused_unless_told(
    cast: Cast, against_head: Case, django_assert_num_queries: Any
) -> None:
    found = case_get_for(user=cast.handler, number=against_head.number, perm="deadlines.view_case")
    with django_assert_num_queries(0):
        assert found.department.name == cast.service.name
        assert found.accused_ids == {cast.head.pk}


def test_it_loads_what_the_caller_asks(
    cast: Cast, against_head: Case, django_assert_num_queries: Any
) -> None:
    found = case_get_for(
        user=cast.handler,
        number=against_head.number,
        perm="deadlines.view_case",
        queryset=case_loaded(),
    )
    with django_assert_num_queries(0):
        assert found.handler == cast.handler
        assert [clock.policy.regulation_id for clock in found.clocks.all()]
        assert [event.actor for event in found.events.all()]
    narrow = case_get_for(
        user=cast.handler,
        number=against_head.number,
        perm="deadlines.view_case",
        queryset=Case.objects.select_related("department"),
    )
    with django_assert_num_queries(1):  # the clocks were not asked for
        list(narrow.clocks.all())
