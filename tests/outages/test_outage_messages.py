"""Outage start and restoration reach the citizens in the area by SMS, through the
deadlines message service: once each, at night too (issue 23 part 1)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
import time_machine

from deadlines.models import CitizenMessage, MessageKind
from deadlines.services.messages import message_render
from outages.services import outage_change
from tests.deadlines.conftest import open_case
from tests.outages.conftest import LOCAL, T0, OutageCast, record

pytestmark = pytest.mark.django_db

NIGHT = datetime(2026, 6, 1, 23, 30, tzinfo=LOCAL)


@pytest.fixture(autouse=True)
def quiet(settings: Any) -> None:
    settings.MESSAGES_QUIET_HOURS = "22:00-08:00"


def citizens(oc: OutageCast) -> None:
    with time_machine.travel(T0 - timedelta(days=3), tick=False):
        open_case(oc.base, citizen_phone="13800000001", citizen_address="经十路88号")
        open_case(oc.base, citizen_phone="13800000001", citizen_address="经十路88号")
        open_case(oc.base, citizen_phone="13800000002", citizen_address="山大路5号")
        open_case(oc.base, citizen_phone="13800000003", citizen_address="花园路1号")


def outage_messages(kind: str) -> list[str]:
    return sorted(CitizenMessage.objects.filter(kind=kind).values_list("to", flat=True))


def test_the_area_hears_of_the_outage_and_its_end_once_each(oc: OutageCast) -> None:
    citizens(oc)
    event = record(oc, at=NIGHT, area="经十路\n历山路")
    assert outage_messages(MessageKind.OUTAGE_START) == ["13800000001"]
    message = CitizenMessage.objects.get(kind=MessageKind.OUTAGE_START)
    assert message.not_before == NIGHT  # outages are not held by quiet hours
    assert "经十路、历山路" in message_render(message)[0]
    # The area widens: the new street hears of it, the first citizen not again.
    with time_machine.travel(NIGHT + timedelta(minutes=30), tick=False):
        outage_change(
            actor=oc.network_head,
            event=event,
            households=900,
            expected_restoration_at=event.expected_restoration_at,
            area=event.area + "\n山大路",
            reason="影响范围扩大",
        )
    assert outage_messages(MessageKind.OUTAGE_START) == ["13800000001", "13800000002"]
    with time_machine.travel(NIGHT + timedelta(hours=3), tick=False):
        event.refresh_from_db()
        outage_change(
            actor=oc.network_head,
            event=event,
            households=900,
            expected_restoration_at=event.expected_restoration_at,
            area=event.area,
            reason="已恢复供水",
            restored_at=NIGHT + timedelta(hours=2, minutes=50),
        )
    assert outage_messages(MessageKind.OUTAGE_RESTORED) == ["13800000001", "13800000002"]
