"""The conditions the event page's actions are offered on (outages.rules, asked by
accountability.actions): changing the figures and calling the works off."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import time_machine
from django.contrib.auth.models import AnonymousUser

from outages.models import OutageEvent, OutageKind
from outages.rules import is_event_cancellable, is_event_changeable

ANYONE = AnonymousUser()
NOW = datetime(2026, 3, 4, 2, 0, tzinfo=UTC)


def _event(kind: str = OutageKind.PLANNED, **fields: object) -> OutageEvent:
    return OutageEvent(kind=kind, starts_at=NOW + timedelta(hours=2), **fields)


def test_the_figures_change_until_the_water_is_back_or_the_works_are_called_off() -> None:
    assert is_event_changeable.test(ANYONE, _event()) is True
    assert is_event_changeable.test(ANYONE, _event(restored_at=NOW)) is False
    assert is_event_changeable.test(ANYONE, _event(cancelled_at=NOW)) is False
    assert is_event_changeable.test(ANYONE, None) is False


def test_planned_works_are_called_off_before_they_start_and_once() -> None:
    with time_machine.travel(NOW, tick=False):
        assert is_event_cancellable.test(ANYONE, _event()) is True
        assert is_event_cancellable.test(ANYONE, _event(OutageKind.FAULT)) is False
        assert is_event_cancellable.test(ANYONE, _event(cancelled_at=NOW)) is False
        assert is_event_cancellable.test(ANYONE, None) is False
    with time_machine.travel(NOW + timedelta(hours=3), tick=False):
        assert is_event_cancellable.test(ANYONE, _event()) is False
