"""One truth per clock (issue 20, line 2; DOMAIN §3): one rule colours a clock from its
stored due and warning moments, and every surface shows what it says: the case page, my
cases, the list filters, the dashboard's figure and its drill-down, the API, the public
status page and the scans' notifications. A deadline at midnight reads as 24:00 of its
last day wherever people read it; machine fields stay ISO 8601.

The clock under test has its moments set directly, so the edges are exact to the
microsecond whatever the policies say: its warning moment is the issue's 12-05 04:48,
its due moment 24:00 on Monday 7 December (stored as 00:00 on the 8th)."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.core.cache import cache
from django.db import connection
from django.test import Client, override_settings
from django.urls import reverse

from accountability.models import ApiScope
from deadlines.models import Case, Clock, ClockKind, MatterKind, Notification, NotificationKind
from deadlines.selectors.clocks import (
    CARDS,
    Colour,
    cases_of_colour,
    clock_colour,
    clock_colour_sql,
    clocks_of_colour,
)
from deadlines.selectors.notifications import notification_text
from deadlines.services.cases import case_accept
from deadlines.services.clocks import clocks_pause
from deadlines.services.notifications import notifications_email_pending
from deadlines.services.scans import clocks_breach_due, clocks_warn_due
from intake.services.rejection import rejection_file
from oversight import sql
from oversight.selectors.dashboard import DashboardFilters, dashboard_figures
from tests.api_support import api_client, call, reset_throttles
from tests.deadlines.conftest import Cast, open_case
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
OPENED = datetime(2026, 12, 1, 9, tzinfo=SHANGHAI)  # a Tuesday
WARN = datetime(2026, 12, 5, 4, 48, tzinfo=SHANGHAI)
DUE = datetime(2026, 12, 8, tzinfo=SHANGHAI)  # 24:00 on Monday 7 December
DUE_TEXT = "2026-12-07 24:00"
US = timedelta(microseconds=1)

# Each edge and the colour the one rule gives there. At the due moment itself the period
# is still kept (it ends at 24:00; the breach scan counts from 24:00:00.000001).
EDGES = {
    "just before the warning moment": (WARN - US, Colour.GREEN),
    "at the warning moment": (WARN, Colour.YELLOW),
    "just after the warning moment": (WARN + US, Colour.YELLOW),
    "just before the due moment": (DUE - US, Colour.YELLOW),
    "at the due moment (24:00)": (DUE, Colour.YELLOW),
    "just after the due moment": (DUE + US, Colour.RED),
}


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    # Throttles and the public page's failure counts live in the cache.
    reset_throttles()
    cache.clear()


@pytest.fixture
def token(cast: Cast) -> str:
    return api_client([ApiScope.CASES_READ], rate="10000/min")[1]


def signed_in(user: Any) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def one_clock(cast: Cast) -> tuple[Case, Clock, str]:
    """A complaint in the handler's hands whose result clock alone runs, with the stored
    moments above (its other clocks stopped when it opened, so the case's colour is that
    clock's), and the receipt's lookup secret."""
    with time_machine.travel(OPENED, tick=False):
        opened = open_case(cast)
        secret = opened.lookup_secret  # handed out once, on the receipt
        case = case_accept(actor=cast.handler, case=opened)
    clock = case.clocks.get(kind=ClockKind.RESULT, stopped_at__isnull=True)
    case.clocks.exclude(pk=clock.pk).update(stopped_at=OPENED)
    Clock.objects.filter(pk=clock.pk).update(
        due_at=DUE, warn_at=WARN, due_is_provisional=False, warned_at=None, breached_at=None
    )
    clock.refresh_from_db()
    return case, clock, secret


def _card(colour: Colour | None) -> Colour | None:
    """What a surface that knows only red and yellow (a filter, a figure) shows."""
    return colour if colour in (Colour.RED, Colour.YELLOW) else None


def _one_of(red: bool, yellow: bool) -> Colour | None:
    assert not (red and yellow), "counted both red and yellow"
    return Colour.RED if red else Colour.YELLOW if yellow else None


def _listed(client: Client, url: str, params: dict[str, str]) -> dict[str, Colour | None]:
    response = client.get(url, params)
    assert response.status_code == 200
    return {case.number: colour for case, colour in response.context["rows"]}


def _drill_down(client: Client, figure: str) -> dict[str, Colour | None]:
    return _listed(
        client,
        reverse("oversight:cases"),
        {"figure": figure, "start": "2026-12-01", "end": "2026-12-31"},
    )


def what_each_surface_shows(
    cast: Cast, token: str, case: Case, clock: Clock, secret: str, now: datetime
) -> dict[str, Any]:
    """Every surface's colour for `clock` (or its case) at `now`; the scans run last,
    since they mark the clock."""
    shown: dict[str, Any] = {}
    with time_machine.travel(now, tick=False):
        handler, leader = signed_in(cast.handler), signed_in(cast.leader)

        page = handler.get(reverse("deadlines:case_detail", args=[case.number]))
        (status,) = [s for s in page.context["clocks"] if s.clock.pk == clock.pk]
        shown["case page"] = status.colour
        assert f'<tr class="clock-{status.colour}">' in page.content.decode()

        shown["my cases"] = _listed(handler, reverse("deadlines:my_cases"), {})[case.number]
        department = reverse("deadlines:department_cases")
        shown["list filters"] = _one_of(
            case.number in _listed(handler, department, {"overdue": "on"}),
            case.number in _listed(handler, department, {"at_risk": "on"}),
        )

        board = dashboard_figures(
            filters=DashboardFilters(start=date(2026, 12, 1), end=date(2026, 12, 31)),
            now=now,
            department_ids=[cast.service.pk, cast.network.pk],
        )
        assert board.total.open == 1
        shown["dashboard figure"] = _one_of(board.total.red == 1, board.total.yellow == 1)
        shown["drill-down lists"] = _one_of(
            case.number in _drill_down(leader, "red"), case.number in _drill_down(leader, "yellow")
        )
        shown["drill-down row"] = _drill_down(leader, "open")[case.number]

        detail = call(token, f"/api/v1/cases/{case.number}/").json()
        shown["API clock"] = {c["kind"]: c for c in detail["clocks"]}.get(ClockKind.RESULT)
        (row,) = call(token, "/api/v1/cases/").json()["results"]
        overdue = call(token, "/api/v1/cases/?overdue=true").json()["results"]
        assert row["overdue"] == bool(overdue)
        shown["API overdue"] = row["overdue"]

        public = Client().post(
            reverse("intake:public_status"), {"number": case.number, "secret": secret}
        )
        assert public.status_code == 200
        lights = re.findall(r'<dd><span class="light (\w+)">', public.content.decode())
        shown["public status page"] = lights

        warned, breached = clocks_warn_due(now=now), clocks_breach_due(now=now)
        kinds = set(Notification.objects.filter(clock=clock).values_list("kind", flat=True))
        assert warned.notifications + breached.notifications == len(
            Notification.objects.filter(clock=clock)
        )
        shown["notifications"] = _one_of(
            NotificationKind.OVERDUE in kinds, NotificationKind.WARNING in kinds
        )
    return shown


@pytest.mark.parametrize("edge", list(EDGES))
def test_every_surface_shows_the_clocks_one_colour_at_its_edges(
    cast: Cast, token: str, edge: str
) -> None:
    now, expected = EDGES[edge]
    case, clock, secret = one_clock(cast)
    assert clock_colour(due_at=DUE, warn_at=WARN, stopped_at=None, now=now) == expected

    shown = what_each_surface_shows(cast, token, case, clock, secret, now)

    assert shown["case page"] == expected
    assert shown["my cases"] == expected
    assert shown["drill-down row"] == expected
    for surface in ("list filters", "dashboard figure", "drill-down lists", "notifications"):
        assert shown[surface] == _card(expected), surface
    api = shown["API clock"]
    assert (api["colour"], api["colour_display"]) == (expected.value, str(expected.label))
    assert api["due_at"] == DUE.isoformat()  # the machine field: ISO 8601, 00:00 of the 8th
    assert api["due_display"] == DUE_TEXT
    assert shown["API overdue"] == (expected == Colour.RED)
    assert shown["public status page"] == [expected.value]


@pytest.mark.parametrize("how", ["paused", "stopped"])
def test_a_paused_or_stopped_clock_has_no_card_anywhere(cast: Cast, token: str, how: str) -> None:
    case, clock, secret = one_clock(cast)
    if how == "paused":
        with time_machine.travel(WARN - timedelta(days=1), tick=False):
            clocks_pause([clock], at=WARN - timedelta(days=1))
    else:
        Clock.objects.filter(pk=clock.pk).update(stopped_at=WARN - timedelta(days=1))
    clock.refresh_from_db()
    # Past both moments: a running clock would be red by now.
    shown = what_each_surface_shows(cast, token, case, clock, secret, DUE + timedelta(days=1))

    assert shown["case page"] == (Colour.PAUSED if how == "paused" else Colour.STOPPED)
    assert shown["my cases"] is None  # no running deadline: the row shows none
    assert shown["drill-down row"] is None
    for surface in ("list filters", "dashboard figure", "drill-down lists", "notifications"):
        assert shown[surface] is None, surface
    if how == "paused":
        assert shown["API clock"]["colour"] == Colour.PAUSED.value
        assert shown["API clock"]["due_at"] is shown["API clock"]["due_display"] is None
    else:
        assert shown["API clock"] is None  # the API shows the running deadlines only
    assert shown["API overdue"] is False
    assert shown["public status page"] == []


@pytest.mark.parametrize("now", [WARN - US, WARN, DUE, DUE + US])
def test_the_orm_and_sql_predicates_say_what_the_function_says(cast: Cast, now: datetime) -> None:
    """The predicates the lists and the dashboard use are made from the same table as
    clock_colour, down to the microsecond, and a case is coloured by its worst clock."""
    case, clock, _secret = one_clock(cast)
    expected = clock_colour(due_at=DUE, warn_at=WARN, stopped_at=None, now=now)
    for colour in CARDS:
        in_orm = Clock.objects.filter(clocks_of_colour(colour, now), pk=clock.pk).exists()
        in_cases = Case.objects.filter(cases_of_colour(colour, now), pk=case.pk).exists()
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT count(*) FROM {Clock._meta.db_table} "
                f"WHERE id = %(id)s AND {clock_colour_sql(colour, now='%(now)s')}",
                sql.params({"id": clock.pk, "now": now}),
            )
            in_sql = cursor.fetchone()[0] == 1
        assert in_orm == in_cases == in_sql == (expected == colour), colour


def test_a_yellow_card_states_the_deadline_it_warns_of_at_24_00(cast: Cast) -> None:
    """The issue's notice gave 12-05 04:48 (its warning moment) for a result due 12-08
    00:00; it states the due moment, as its last day with 24:00, on the bell and by email."""
    _case, clock, _secret = one_clock(cast)
    cast.handler.email = "handler@example.cn"
    cast.handler.save(update_fields=["email"])
    with time_machine.travel(WARN, tick=False):
        assert clocks_warn_due(now=WARN).notifications == 2
        notification = Notification.objects.get(
            clock=clock, recipient=cast.handler, kind=NotificationKind.WARNING
        )
        assert notification.moment == DUE
        text = notification_text(notification)
        assert DUE_TEXT in text
        assert "04:48" not in text
        assert "2026-12-08" not in text
        bell = signed_in(cast.handler).get(reverse("deadlines:notifications"))
        assert DUE_TEXT in bell.content.decode()
        with override_settings(EMAIL_HOST="mail.example"):
            assert notifications_email_pending(now=WARN) == 1
    (to_handler,) = mail.outbox
    assert DUE_TEXT in to_handler.body
    assert "04:48" not in to_handler.body

    with time_machine.travel(DUE + US, tick=False):
        clocks_breach_due(now=DUE + US)
        overdue = Notification.objects.get(
            clock=clock, recipient=cast.handler, kind=NotificationKind.OVERDUE
        )
        assert DUE_TEXT in notification_text(overdue)


def test_a_midnight_deadline_reads_24_00_on_the_receipt_the_refusal_and_the_api(
    cast: Cast, token: str
) -> None:
    """The receipt printed 2026-12-08 00:00 where the refusal page printed 24:00 of the
    day before; both print the last day with 24:00, and so do the API's human-readable
    fields, while its machine fields keep the ISO 8601 moment."""
    case, _clock, _secret = one_clock(cast)
    desk = signed_in(cast.desk)
    with time_machine.travel(OPENED + timedelta(hours=1), tick=False):
        receipt = desk.get(reverse("intake:receipt", args=[case.number])).content.decode()
        listed = call(token, "/api/v1/cases/").json()["results"]
        detail = call(token, f"/api/v1/cases/{case.number}/").json()
    assert DUE_TEXT in receipt
    assert "2026-12-08 00:00" not in receipt
    (row,) = [r for r in listed if r["number"] == case.number]
    assert (row["next_due_at"], row["next_due_display"]) == (DUE.isoformat(), DUE_TEXT)
    (result,) = [c for c in detail["clocks"] if c["kind"] == ClockKind.RESULT]
    assert (result["due_at"], result["due_display"]) == (DUE.isoformat(), DUE_TEXT)

    with time_machine.travel(OPENED, tick=False):
        filing = rejection_file(
            actor=cast.desk,
            case=open_case(cast, matter_kind=MatterKind.APPLICATION, subject="新装用水"),
            reason="申请用水地址不在本公司供水管网覆盖范围内。",
            legal_basis="《城市供水条例》第二十一条",
        )
    Clock.objects.filter(
        case=filing.case, kind=ClockKind.WRITTEN_NOTICE, stopped_at__isnull=True
    ).update(due_at=DUE, warn_at=WARN)
    with time_machine.travel(OPENED + timedelta(hours=1), tick=False):
        refusal = desk.get(reverse("intake:rejection", args=[filing.case.number]))
        register = signed_in(cast.head).get(reverse("intake:rejection_register"))
    assert DUE_TEXT in refusal.content.decode()
    assert DUE_TEXT in register.content.decode()
    assert "2026-12-08 00:00" not in register.content.decode()
