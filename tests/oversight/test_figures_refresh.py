"""The daily figures' incremental refresh is never slower than a full rebuild
(issue 24): when most days changed it recomputes every day as the rebuild does, and the
figures are the same either way."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from deadlines.models import Case
from oversight.models import DailyFigures
from oversight.services import figures
from oversight.services.figures import RECENT_DAYS, figures_refresh
from tests.oversight.conftest import Cast
from tests.oversight.test_dashboard import TZ, at, finish, opened

pytestmark = pytest.mark.django_db

LONG_AGO = datetime(2025, 10, 1, 10, tzinfo=TZ)
EVERY_DAY = 157  # 1 October 2025 to 6 March 2026


def _figures() -> list[tuple[Any, ...]]:
    return sorted(
        DailyFigures.objects.values_list(
            "day",
            "department_id",
            "service_item_code",
            "matter_kind",
            "opened",
            "completed",
            "on_time",
            "handling_days",
            "rated",
            "rating_sum",
            "feedback",
            "feedback_on_time",
        )
    )


def test_an_incremental_refresh_of_most_days_recomputes_every_day(
    cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    early = opened(cast, LONG_AGO)
    finish(cast, opened(cast, at(2)), resolved=at(3, 9), closed=at(3, 15), rating=5)
    assert figures_refresh(now=at(6, 12)) == EVERY_DAY  # the first run
    rebuilt = _figures()
    assert figures_refresh(now=at(6, 13)) == RECENT_DAYS  # nothing changed

    # A case of a day long ago changed: that day and the recent ones, each day read on
    # its own (a list of days, not a range).
    Case.objects.filter(pk=early.pk).update(updated_at=at(6, 14))
    assert figures_refresh(now=at(6, 14)) == RECENT_DAYS + 1
    assert _figures() == rebuilt

    # Past the share of all days, every day is recomputed, as a full rebuild does.
    monkeypatch.setattr(figures, "FULL_SHARE", (RECENT_DAYS + 1) / EVERY_DAY - 0.01)
    Case.objects.filter(pk=early.pk).update(updated_at=at(6, 15))
    assert figures_refresh(now=at(6, 15)) == EVERY_DAY
    assert _figures() == rebuilt
    assert figures_refresh(now=at(6, 16), full=True) == EVERY_DAY
    assert _figures() == rebuilt


def test_an_incremental_refresh_after_a_mass_update_recomputes_every_day(
    cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    early = opened(cast, LONG_AGO)
    finish(cast, opened(cast, at(2)), resolved=at(3, 9), closed=at(3, 15), rating=5)
    assert figures_refresh(now=at(6, 12)) == EVERY_DAY
    rebuilt = _figures()
    # More cases changed than the limit: their days are not listed, every day is redone.
    monkeypatch.setattr(figures, "FULL_AFTER_CASES", 1)
    Case.objects.update(updated_at=at(6, 13))
    assert figures_refresh(now=at(6, 13)) == EVERY_DAY
    assert _figures() == rebuilt
    # Within the limit: the recent days and the changed case's.
    monkeypatch.setattr(figures, "FULL_AFTER_CASES", 2)
    Case.objects.filter(pk=early.pk).update(updated_at=at(6, 14))
    assert figures_refresh(now=at(6, 14)) == RECENT_DAYS + 1
    assert _figures() == rebuilt
