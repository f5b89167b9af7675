"""The dashboard's callback figures (issue 23 part 2): callback rate, satisfaction and
rework rate, in total, by department and by service item, each drilling down to its
cases like the other figures."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from deadlines.models import Case
from deadlines.services.cases import case_accept, case_close, case_resolve
from intake.models import CallbackOutcome
from intake.services.callback import callback_record, rating_review
from oversight.selectors.dashboard import DashboardFilters, Figure, dashboard_callback_figures
from tests.factories import PASSWORD
from tests.oversight.conftest import Cast, open_case

pytestmark = [pytest.mark.django_db]

TZ = ZoneInfo("Asia/Shanghai")
JUNE = {"start": "2026-06-01", "end": "2026-06-30"}


def at(day: int, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(2026, 6, day, hour, minute, tzinfo=TZ)


def closed(cast: Cast, *, network: bool = False, item: str = "") -> Case:
    head = cast.network_head if network else cast.head
    handler = cast.network_handler if network else cast.handler
    with time_machine.travel(at(1, 9), tick=False):
        case = open_case(
            cast,
            department=cast.network if network else cast.service,
            service_item_code=item,
        )
        case = case_accept(actor=head, case=case, handler=handler)
    with time_machine.travel(at(5, 15), tick=False):
        case = case_resolve(actor=handler, case=case, resolution="已处理。")
    with time_machine.travel(at(5, 16), tick=False):
        return case_close(actor=head, case=case)


def call(cast: Cast, case: Case, outcome: str, grade: int | None = None) -> Any:
    with time_machine.travel(at(8, 10), tick=False):
        return callback_record(
            actor=cast.desk, case=case, outcome=outcome, grade=grade, note="电话回访"
        )


@pytest.fixture
def called(cast: Cast) -> dict[str, Case]:
    """Four closings on Friday 5 June: rated 5; rated 1 and reworked (the head found it
    the unit's fault); not reached; and, in the network department, declined to rate."""
    cases = {
        "satisfied": closed(cast, item="water-pressure"),
        "reworked": closed(cast, item="water-pressure"),
        "unreached": closed(cast),
        "declined": closed(cast, network=True),
    }
    call(cast, cases["satisfied"], CallbackOutcome.RATED, 5)
    poor = call(cast, cases["reworked"], CallbackOutcome.RATED, 1)
    with time_machine.travel(at(8, 11), tick=False):
        rating_review(actor=cast.head, rating=poor.rating, unit_at_fault=True, reason="未检修。")
    call(cast, cases["unreached"], CallbackOutcome.NOT_REACHED)
    call(cast, cases["declined"], CallbackOutcome.DECLINED)
    return cases


def test_it_counts_callback_rate_satisfaction_and_rework(
    cast: Cast, called: dict[str, Case]
) -> None:
    board = dashboard_callback_figures(
        filters=DashboardFilters(start=date(2026, 6, 1), end=date(2026, 6, 30)),
        department_ids=[cast.service.pk, cast.network.pk],
    )
    total = board.total
    assert (total.due, total.called_back, total.rated, total.satisfied, total.reworked) == (
        4,
        3,
        2,
        1,
        1,
    )
    assert (total.callback_rate, total.satisfaction_rate, total.average_grade) == (75.0, 50.0, 3.0)
    assert total.rework_rate == 25.0
    service, network = board.by_department[cast.service.pk], board.by_department[cast.network.pk]
    assert (service.due, service.called_back, service.reworked) == (3, 2, 1)
    assert (network.due, network.called_back, network.rated) == (1, 1, 0)
    assert network.satisfaction_rate is None
    pressure, none = board.by_service_item["water-pressure"], board.by_service_item[""]
    assert (pressure.due, pressure.called_back, pressure.rated, pressure.rework_rate) == (
        2,
        2,
        2,
        50.0,
    )
    assert (none.due, none.called_back, none.not_called_back) == (2, 1, 1)


def test_it_keeps_to_the_period_and_the_department(cast: Cast, called: dict[str, Case]) -> None:
    may = dashboard_callback_figures(
        filters=DashboardFilters(start=date(2026, 5, 1), end=date(2026, 5, 31)),
        department_ids=[cast.service.pk, cast.network.pk],
    )
    assert may.total.due == 0
    network_only = dashboard_callback_figures(
        filters=DashboardFilters(start=date(2026, 6, 1), end=date(2026, 6, 30)),
        department_ids=[cast.network.pk],
    )
    assert (network_only.total.due, list(network_only.by_department)) == (1, [cast.network.pk])


def signed_in(user: Any) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def listed(client: Client, **params: str) -> list[str]:
    response = client.get(reverse("oversight:cases"), params)
    assert response.status_code == 200
    return sorted(case.number for case in response.context["page"].object_list)


def test_each_callback_figure_drills_down_to_its_cases(cast: Cast, called: dict[str, Case]) -> None:
    client = signed_in(cast.leader)
    number = {key: case.number for key, case in called.items()}
    with time_machine.travel(at(9, 12), tick=False):
        assert listed(client, figure=Figure.CALLBACK_DUE, **JUNE) == sorted(number.values())
        assert listed(client, figure=Figure.CALLED_BACK, **JUNE) == sorted(
            [number["satisfied"], number["reworked"], number["declined"]]
        )
        assert listed(client, figure=Figure.NOT_CALLED_BACK, **JUNE) == [number["unreached"]]
        assert listed(client, figure=Figure.CALLBACK_RATED, **JUNE) == sorted(
            [number["satisfied"], number["reworked"]]
        )
        assert listed(client, figure=Figure.REWORKED, **JUNE) == [number["reworked"]]
        assert listed(
            client, figure=Figure.CALLBACK_DUE, service_item="water-pressure", **JUNE
        ) == sorted([number["satisfied"], number["reworked"]])


def test_the_dashboard_shows_the_callback_figures_with_their_links(
    cast: Cast, called: dict[str, Case]
) -> None:
    client = signed_in(cast.leader)
    with time_machine.travel(at(9, 12), tick=False):
        page = client.get(reverse("oversight:dashboard"), JUNE).content.decode()
        section = page[page.index('id="callback-figures-title"') :]
        assert "75.0%" in section
        assert "25.0%" in section
        link = re.search(r'<a href="([^"]*figure=reworked[^"]*)">25.0%</a>', section)
        assert link is not None
        target = client.get(link.group(1).replace("&amp;", "&"))
    assert [c.number for c in target.context["page"].object_list] == [called["reworked"].number]


def test_a_head_sees_only_their_own_departments_callbacks(
    cast: Cast, called: dict[str, Case]
) -> None:
    client = signed_in(cast.network_head)
    with time_machine.travel(at(9, 12), tick=False):
        assert listed(client, figure=Figure.CALLBACK_DUE, **JUNE) == [called["declined"].number]
