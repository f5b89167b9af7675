"""The aggregate rules fire exactly once per (rule, person or department, period):
whether a confirmation, an approval or the monthly task gets there first, and however
often each runs. And the rulebook is versioned data: loading the same file twice makes
one version, a new version never changes a decision already taken."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.conf import settings
from django.db import DatabaseError, IntegrityError, transaction

from sanctions.models import AggregateFiring, Rule, RulebookVersion, SanctionKind, Violation
from sanctions.services import (
    aggregates_run_monthly,
    rulebook_create,
    rulebook_current,
    rulebook_load,
    sanction_proposal,
)
from sanctions.tasks import fire_monthly_aggregates
from tests.sanctions.conftest import (
    SanctionsCast,
    at,
    confirm,
    confirmed_finding,
    decide,
    direct,
    raise_complaint,
    raise_finding,
)

pytestmark = pytest.mark.django_db

RULEBOOK = Path(settings.BASE_DIR) / "fixtures" / "rulebook.json"


def _default() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(RULEBOOK.read_text(encoding="utf-8"))
    return data


def _three_complaints(sc: SanctionsCast) -> None:
    for day in (2, 9, 16):
        confirm(sc, raise_complaint(sc, sc.handler, at(2026, 3, day, 10)), at(2026, 3, day, 15))


def test_it_fires_once_at_confirmation_and_never_again_from_the_monthly_task(
    sc: SanctionsCast,
) -> None:
    _three_complaints(sc)
    assert AggregateFiring.objects.filter(rule_number=4).count() == 1
    for _ in range(2):
        assert aggregates_run_monthly(now=at(2026, 4, 1, 1, 30)) == []
    # A fourth complaint in the same month adds no firing either.
    confirm(sc, raise_complaint(sc, sc.handler, at(2026, 3, 20, 10)), at(2026, 3, 25, 10))
    assert AggregateFiring.objects.filter(rule_number=4).count() == 1
    assert Violation.objects.filter(firing__isnull=False).count() == 1


def test_it_fires_from_the_monthly_task_what_confirmation_could_not_and_only_once(
    sc: SanctionsCast,
) -> None:
    # A rulebook without rule 4 is in force while the complaints are confirmed.
    without_4 = _default() | {"label": "2026.0"}
    without_4["rules"] = [rule for rule in without_4["rules"] if rule["number"] != 4]
    with time_machine.travel(at(2026, 2, 1, 9), tick=False):
        rulebook_create(actor=None, data=without_4)
    _three_complaints(sc)
    assert not AggregateFiring.objects.exists()
    # Rule 4 is back in a new version; the monthly task catches up, once.
    with time_machine.travel(at(2026, 3, 31, 9), tick=False):
        rulebook_create(actor=None, data=_default() | {"label": "2026.2"})
    with time_machine.travel(at(2026, 4, 1, 1, 30), tick=False):
        assert fire_monthly_aggregates() == 1
        assert fire_monthly_aggregates() == 0
    firing = AggregateFiring.objects.get()
    assert (firing.rule_number, firing.person, firing.period, firing.via) == (
        4,
        sc.handler,
        "2026-03",
        "monthly",
    )
    assert Violation.objects.filter(firing=firing).count() == 1


def test_it_fires_a_warning_rule_once_from_approval_and_the_monthly_task(
    sc: SanctionsCast,
) -> None:
    for month in (3, 5):
        violation = confirmed_finding(sc, "refusal-phrase", sc.handler, at(2026, month, 2, 10))
        decide(sc, violation, at(2026, month, 3, 10))
    assert AggregateFiring.objects.filter(rule_number=11, person=sc.handler).count() == 1
    aggregates_run_monthly(now=at(2026, 6, 1, 1, 30))
    aggregates_run_monthly(now=at(2026, 7, 1, 1, 30))
    assert AggregateFiring.objects.filter(rule_number=11).count() == 1


def test_it_keeps_a_firing_key_once_in_the_database(sc: SanctionsCast) -> None:
    _three_complaints(sc)
    firing = AggregateFiring.objects.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        AggregateFiring.objects.create(
            rulebook_version=firing.rulebook_version,
            rule=firing.rule,
            rule_number=4,
            person=sc.handler,
            period="2026-03",
            via="monthly",
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        Violation.objects.create(
            type=Violation.objects.get(firing=firing).type,
            staff=sc.handler,
            department=sc.c.service,
            occurred_at=at(2026, 3, 16, 10),
            source_kind="aggregate",
            firing=firing,
            rulebook_version=firing.rulebook_version,
        )


# -- the rulebook as versioned data --------------------------------------------------------


def test_it_makes_one_version_when_the_same_rulebook_loads_twice(sc: SanctionsCast) -> None:
    assert not RulebookVersion.objects.exists()
    version, created = rulebook_load(actor=None, path=RULEBOOK)
    again, created_again = rulebook_load(actor=None, path=RULEBOOK)
    assert (created, created_again) == (True, False)
    assert version == again
    assert RulebookVersion.objects.count() == 1
    assert rulebook_current() == version
    assert Rule.objects.filter(version=version).count() == 16
    assert all(rule.citation for rule in Rule.objects.filter(version=version))


def test_it_never_changes_a_decision_already_taken_with_a_new_version(sc: SanctionsCast) -> None:
    old = confirmed_finding(sc, "one-time-notice-breach", sc.handler, at(2026, 3, 2, 10))
    decision = decide(sc, old, at(2026, 3, 3, 10))
    pending = raise_finding(sc, "one-time-notice-breach", sc.handler2, at(2026, 3, 20, 10))
    changed = _default() | {"label": "2026.2"}
    changed["rules"][0] = changed["rules"][0] | {"article": "新规 §1"}
    changed["rules"][0]["params"]["clauses"][0]["kinds"] = ["criticism_education"]
    with time_machine.travel(at(2026, 4, 1, 9), tick=False):
        new_version, created = rulebook_create(actor=None, data=changed)
    assert created
    assert rulebook_current() == new_version

    decision.refresh_from_db(fields=["chosen_kinds", "rule", "rulebook_version", "explanation"])
    assert (
        decision.rule.citation
        == "《优化服务措施和效能惩戒制度》" + _default()["rules"][0]["article"]
    )
    assert decision.rulebook_version != new_version
    assert decision.chosen_kinds == [SanctionKind.ORAL_WARNING]
    # A violation raised under the old version keeps it for its proposal.
    pending = confirm(sc, pending, at(2026, 4, 2, 9))
    assert pending.rulebook_version == decision.rulebook_version
    kept = sanction_proposal(responsibility=direct(sc, pending))
    assert kept is not None
    assert kept.kinds == (
        SanctionKind.ORAL_WARNING,
        SanctionKind.CRITICISM_EDUCATION,
    )
    # One raised now gets the new rule.
    new = confirmed_finding(sc, "one-time-notice-breach", sc.c.desk, at(2026, 4, 2, 10))
    proposal = sanction_proposal(responsibility=direct(sc, new))
    assert proposal is not None
    assert (proposal.citation, proposal.kinds) == (
        "《优化服务措施和效能惩戒制度》新规 §1",
        ("criticism_education",),
    )


@pytest.mark.postgres
def test_it_keeps_rule_versions_append_only(sc: SanctionsCast) -> None:
    rule = Rule.objects.get(version=rulebook_current(), number=1)
    with pytest.raises(PermissionError):
        rule.save()
    with pytest.raises(DatabaseError), transaction.atomic():  # the PostgreSQL trigger
        Rule.objects.filter(pk=rule.pk).update(title="改")
