"""Reads of the organisation that need more than a plain query."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from accountability.models import (
    Absence,
    Department,
    LeadingGroup,
    OrganisationProfile,
    StaffProfile,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def dispatch_department() -> Department:
    """The dispatch centre (调度中心): where the front desk sends a matter with no other
    owner, and who owes the outage notices others do not. One is marked by an
    administrator; when several are, the first by code."""
    department = Department.objects.filter(is_dispatch=True).order_by("code").first()
    if department is None:
        raise ValidationError(
            _("No department is marked as dispatch; an administrator must mark one.")
        )
    return department


@dataclass(frozen=True)
class Cover:
    """Who takes a person's work at a moment, and how that was decided."""

    user: User | None
    """Who is present to take the work; None when nobody in the chain is."""
    absent: tuple[User, ...] = ()
    """The people passed over because they were away, in the order they were tried."""
    without_substitute: tuple[User, ...] = ()
    """Absent people who named no substitute: itself a breach (seed 004 同岗替代)."""


def absence_at(user: User, at: datetime) -> Absence | None:
    """The absence that governs at `at`.

    When a person's absences overlap, the one that started last governs: it is the
    newer arrangement (for example a sick day inside a longer leave, with another
    substitute).
    """
    return (
        Absence.objects.filter(staff=user, starts_at__lte=at, ends_at__gt=at)
        .select_related("substitute")
        .order_by("-starts_at", "-created_at", "-pk")
        .first()
    )


def _chain_of(user: User) -> list[User]:
    profile = (
        StaffProfile.objects.select_related(
            "department__head",
            "department__supervising_leader",
            "department__parent__supervising_leader",
            "department__parent__parent__supervising_leader",
        )
        .filter(user=user)
        .first()
    )
    return profile.supervisor_chain() if profile is not None else []


def who_covers(*, user: User, at: datetime) -> Cover:
    """Answer "who covers this person's work at moment `at`".

    - Present: the person themselves.
    - Away with a substitute: the substitute, or, if the substitute is away too, whoever
      covers for them, followed as far as it goes.
    - Away with no substitute, or a chain of substitutes that loops back: the work goes up
      the chain (department head, then the supervising leader), as urgent work must
      (seed 001 §7); the people without a substitute are reported.
    """
    absent: list[User] = []
    without_substitute: list[User] = []
    tried: set[int] = set()
    candidate: User | None = user
    while candidate is not None:
        tried.add(candidate.pk)
        absence = absence_at(candidate, at)
        if absence is None:
            return Cover(candidate, tuple(absent), tuple(without_substitute))
        absent.append(candidate)
        substitute = absence.substitute
        if substitute is None:
            without_substitute.append(candidate)
        if substitute is not None and substitute.pk not in tried:
            candidate = substitute
            continue
        candidate = next((p for p in _chain_of(candidate) if p.pk not in tried), None)
    return Cover(None, tuple(absent), tuple(without_substitute))


def leading_group() -> LeadingGroup | None:
    """The efficiency leading group (one for the utility) with its members; None until an
    administrator names it."""
    return (
        LeadingGroup.objects.select_related("principal_leader")
        .prefetch_related("members")
        .order_by("pk")
        .first()
    )


def department_leaders() -> dict[int, int | None]:
    """Each department's supervising leader, inherited from the nearest ancestor that
    names one (Department.leader), from one query over the (small) department table."""
    rows = {
        pk: (parent, leader)
        for pk, parent, leader in Department.objects.values_list(
            "pk", "parent_id", "supervising_leader_id"
        )
    }
    found: dict[int, int | None] = {}
    for pk in rows:
        node: int | None = pk
        seen: set[int] = set()
        leader = None
        while node is not None and node not in seen and leader is None:
            seen.add(node)
            node, leader = rows[node]
        found[pk] = leader
    return found


def organisation_profile() -> OrganisationProfile:
    """The utility as the printed papers name it: the one row the administrator keeps,
    or, until there is one, an unsaved row with the defaults. One query."""
    return OrganisationProfile.objects.first() or OrganisationProfile()
