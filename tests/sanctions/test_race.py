"""Aggregate rules on PostgreSQL, with confirmations and the monthly task running at the
same moment in parallel threads: the rule fires exactly once. Without the advisory
locks of sanctions.services.aggregates, two confirmations would each count only the
other's committed rows and neither would fire."""

from __future__ import annotations

import pytest

from sanctions.models import AggregateFiring, Violation
from sanctions.services import aggregates_run_monthly, violation_confirm, violation_review
from sanctions.services.rulebook import rulebook_load, violation_types_load
from tests.sanctions.conftest import SanctionsCast, at, confirm, raise_complaint
from tests.sanctions.test_ingest import race

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_it_fires_once_when_the_third_complaint_is_confirmed_twice_at_once(
    sc: SanctionsCast,
) -> None:
    violation_types_load(actor=None)
    rulebook_load(actor=None)
    # One founded complaint in March; two more under review, confirmed at the same moment.
    confirm(sc, raise_complaint(sc, sc.handler, at(2026, 3, 2, 10)), at(2026, 3, 2, 15))
    pending = [
        violation_review(actor=sc.inspector, violation=raise_complaint(sc, sc.handler, when))
        for when in (at(2026, 3, 9, 10), at(2026, 3, 16, 10))
    ]
    race(
        [
            lambda v=violation, who=who: violation_confirm(actor=who, violation=v)
            for violation, who in zip(pending, (sc.inspector, sc.inspector2), strict=True)
        ]
        + [lambda: aggregates_run_monthly(now=at(2026, 4, 1, 1, 30))]
    )
    firing = AggregateFiring.objects.get()
    assert (firing.rule_number, firing.person_id, firing.period) == (4, sc.handler.pk, "2026-03")
    assert Violation.objects.filter(firing=firing).count() == 1
