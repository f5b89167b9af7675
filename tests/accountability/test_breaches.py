"""Every breach shares one model (accountability.models.BreachRecord, issue 25): each app
that records breaches builds its breach model on it, and the sanctions app reads the
shared fields of every one through the same helper (accountability.breaches)."""

from __future__ import annotations

from collections.abc import Iterable

import pytest
from django.apps import apps
from django.db import models

from accountability import breaches
from accountability.models import AppendOnlyModel, BreachRecord
from deadlines.selectors.breaches import breaches_not_raised
from intake.models import RefusalFlag
from intake.selectors.breaches import notice_breaches_not_raised
from outages.selectors import outage_breaches_not_raised
from sanctions.models import Violation


def _breach_models(candidates: Iterable[type[models.Model]]) -> list[type[models.Model]]:
    """The models that are breaches: named so (``…Breach``), or a violation's source
    through a foreign key named so (``Violation.…breach``)."""
    sources = {
        field.related_model
        for field in Violation._meta.get_fields()
        if isinstance(field, models.ForeignKey) and field.name.endswith("breach")
    }
    return [model for model in candidates if model.__name__.endswith("Breach") or model in sources]


def _not_on_the_shared_model(candidates: Iterable[type[models.Model]]) -> list[str]:
    return sorted(
        f"{model.__module__}.{model.__qualname__}"
        for model in _breach_models(candidates)
        if not issubclass(model, BreachRecord)
    )


def test_every_breach_model_is_built_on_the_shared_breach_model() -> None:
    found = {model._meta.label for model in _breach_models(apps.get_models())}
    assert found >= {"deadlines.Breach", "outages.OutageBreach", "intake.NoticeBreach"}
    assert _not_on_the_shared_model(apps.get_models()) == []


class StrayBreach(AppendOnlyModel):
    """History named as a breach but not built on BreachRecord."""

    class Meta:
        abstract = True


class TidyBreach(BreachRecord):
    class Meta:
        abstract = True


def test_the_check_finds_a_breach_model_not_built_on_the_shared_one() -> None:
    # A refusal-phrase flag is a violation's source but no breach.
    assert _not_on_the_shared_model([StrayBreach, TidyBreach, RefusalFlag]) == [
        f"{__name__}.StrayBreach"
    ]


def test_every_apps_breaches_reach_sanctions_with_the_shared_columns() -> None:
    raised = Violation.objects.none()
    shared = {"source_id", "staff_id", "department_id", "occurred_at", "kind"}
    for selector, own in (
        (breaches_not_raised, {"case_id", "clock_kind"}),
        (outage_breaches_not_raised, set()),
        (notice_breaches_not_raised, {"case_id"}),
    ):
        rows = selector(raised=raised)
        assert set(rows.query.values_select) | set(rows.query.annotation_select) == shared | own


def test_the_shared_read_refuses_a_model_that_is_no_breach() -> None:
    with pytest.raises(TypeError, match="RefusalFlag is not a breach model"):
        breaches.breaches_not_raised(RefusalFlag.objects.all(), raised=Violation.objects.none())
