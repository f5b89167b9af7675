"""who_covers: who takes a person's work at a moment (同岗替代, seed 004)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from accountability import services
from accountability.models import Absence, AuditEntry
from accountability.selectors import who_covers
from tests.factories import DepartmentFactory, StaffFactory, UserFactory

pytestmark = pytest.mark.django_db

TZ = ZoneInfo("Asia/Shanghai")
MONDAY = datetime(2026, 3, 2, 9, 0, tzinfo=TZ)


@dataclass(frozen=True)
class Team:
    leader: Any
    head: Any
    alice: Any
    bob: Any
    carol: Any


@pytest.fixture
def team() -> Team:
    """A department with a head, a supervising leader and three colleagues."""
    leader = UserFactory(username="leader")
    department = DepartmentFactory(code="service", supervising_leader=leader)
    head = StaffFactory(user__username="head", department=department).user
    department.head = head
    department.save()
    alice, bob, carol = (
        StaffFactory(user__username=name, department=department).user
        for name in ("alice", "bob", "carol")
    )
    return Team(leader=leader, head=head, alice=alice, bob=bob, carol=carol)


def away(user: Any, substitute: Any, start: datetime = MONDAY, days: int = 3) -> Absence:
    return Absence.objects.create(
        staff=user,
        substitute=substitute,
        starts_at=start - timedelta(hours=1),
        ends_at=start + timedelta(days=days),
        reason="leave",
    )


def test_it_answers_the_person_themselves_when_present(team: Team) -> None:
    cover = who_covers(user=team.alice, at=MONDAY)
    assert cover.user == team.alice
    assert cover.absent == ()


def test_it_answers_the_named_substitute(team: Team) -> None:
    away(team.alice, team.bob)
    cover = who_covers(user=team.alice, at=MONDAY)
    assert cover.user == team.bob
    assert cover.absent == (team.alice,)
    assert cover.without_substitute == ()


def test_it_is_the_person_again_once_the_absence_ends(team: Team) -> None:
    away(team.alice, team.bob, days=1)
    assert who_covers(user=team.alice, at=MONDAY + timedelta(days=1)).user == team.alice


def test_it_follows_a_substitute_who_is_away_too(team: Team) -> None:
    away(team.alice, team.bob)
    away(team.bob, team.carol)
    cover = who_covers(user=team.alice, at=MONDAY)
    assert cover.user == team.carol
    assert cover.absent == (team.alice, team.bob)


def test_it_goes_to_the_head_when_no_substitute_is_named(team: Team) -> None:
    away(team.alice, None)
    cover = who_covers(user=team.alice, at=MONDAY)
    assert cover.user == team.head
    assert cover.without_substitute == (team.alice,)


def test_it_goes_up_to_the_leader_when_the_head_is_away_without_substitute(team: Team) -> None:
    away(team.alice, None)
    away(team.head, None)
    cover = who_covers(user=team.alice, at=MONDAY)
    assert cover.user == team.leader
    assert cover.without_substitute == (team.alice, team.head)


def test_it_breaks_a_loop_of_substitutes_by_going_up(team: Team) -> None:
    away(team.alice, team.bob)
    away(team.bob, team.alice)
    cover = who_covers(user=team.alice, at=MONDAY)
    assert cover.user == team.head
    assert cover.absent == (team.alice, team.bob)


def test_it_lets_the_latest_of_overlapping_absences_govern(team: Team) -> None:
    away(team.alice, team.bob, start=MONDAY - timedelta(days=2), days=10)
    away(team.alice, team.carol, start=MONDAY, days=1)
    assert who_covers(user=team.alice, at=MONDAY).user == team.carol
    # Outside the shorter absence the longer one governs again.
    assert who_covers(user=team.alice, at=MONDAY + timedelta(days=3)).user == team.bob


def test_it_answers_nobody_when_the_whole_chain_is_away(team: Team) -> None:
    for name in ("alice", "head", "leader"):
        away(getattr(team, name), None)
    cover = who_covers(user=team.alice, at=MONDAY)
    assert cover.user is None
    assert cover.absent == (team.alice, team.head, team.leader)


def test_it_records_an_absence_through_the_service_with_an_audit_row(team: Team) -> None:
    absence = services.absence_record(
        actor=team.head,
        staff=team.alice,
        starts_at=MONDAY,
        ends_at=MONDAY + timedelta(days=2),
        substitute=team.bob,
        reason="年休假",
    )
    entry = AuditEntry.objects.get(action="absence.record")
    assert entry.actor == team.head
    assert entry.object_id == str(absence.pk)
    assert entry.after is not None
    assert entry.after["substitute_id"] == team.bob.pk


def test_it_refuses_absences_recorded_by_someone_unrelated(team: Team) -> None:
    with pytest.raises(PermissionDenied):
        services.absence_record(
            actor=team.carol,
            staff=team.alice,
            starts_at=MONDAY,
            ends_at=MONDAY + timedelta(days=1),
            substitute=team.bob,
            reason="leave",
        )
    assert not Absence.objects.exists()
    assert not AuditEntry.objects.exists()


def test_it_refuses_an_absence_that_ends_before_it_starts_or_covers_itself(team: Team) -> None:
    with pytest.raises(ValidationError):
        services.absence_record(
            actor=team.alice,
            staff=team.alice,
            starts_at=MONDAY,
            ends_at=MONDAY - timedelta(hours=1),
            substitute=team.bob,
            reason="leave",
        )
    with pytest.raises(ValidationError):
        services.absence_record(
            actor=team.alice,
            staff=team.alice,
            starts_at=MONDAY,
            ends_at=MONDAY + timedelta(hours=1),
            substitute=team.alice,
            reason="leave",
        )
    assert not Absence.objects.exists()
