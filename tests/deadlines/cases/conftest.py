"""Fixtures of the case service tests (their helpers are in support.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import time_machine

from tests.deadlines.cases.support import NOW


@pytest.fixture
def frozen_now() -> Iterator[None]:
    """Time frozen at NOW, for a test on cases made by `build`."""
    with time_machine.travel(NOW, tick=False):
        yield
