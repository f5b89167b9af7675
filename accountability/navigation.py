"""Where each role works: its landing page and its navigation entries."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from accountability.roles import Role
from accountability.rules import roles_of

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User


@dataclass(frozen=True)
class Place:
    url_name: str
    label: str | Promise
    roles: frozenset[Role]


PLACES = (
    Place("intake:registration", _("Registration"), frozenset({Role.FRONT_DESK})),
    Place("deadlines:my_cases", _("My cases"), frozenset({Role.HANDLER, Role.FRONT_DESK})),
    Place(
        "deadlines:department_cases",
        _("Department cases"),
        frozenset({Role.DEPARTMENT_HEAD, Role.LEADERSHIP}),
    ),
    Place(
        "intake:appointments",
        _("Appointments"),
        frozenset({Role.FRONT_DESK, Role.HANDLER, Role.DEPARTMENT_HEAD}),
    ),
    Place(
        "intake:rejection_register",
        _("Rejection register"),
        frozenset({Role.INSPECTION_OFFICE, Role.LEADERSHIP, Role.DEPARTMENT_HEAD}),
    ),
    Place(
        "intake:refusal_flags",
        _("Refusal-phrase flags"),
        frozenset({Role.DEPARTMENT_HEAD, Role.LEADERSHIP}),
    ),
    Place("sanctions:queue", _("Violation queue"), frozenset({Role.INSPECTION_OFFICE})),
    Place(
        "oversight:dashboard",
        _("Dashboard"),
        frozenset({Role.DEPARTMENT_HEAD, Role.LEADERSHIP, Role.INSPECTION_OFFICE}),
    ),
    Place(
        "oversight:reports",
        _("Reports"),
        frozenset({Role.DEPARTMENT_HEAD, Role.LEADERSHIP, Role.INSPECTION_OFFICE}),
    ),
    Place(
        "oversight:exports",
        _("Exports"),
        frozenset({Role.DEPARTMENT_HEAD, Role.LEADERSHIP, Role.INSPECTION_OFFICE}),
    ),
    Place(
        "outages:list",
        _("Outages"),
        frozenset({Role.FRONT_DESK, Role.HANDLER, Role.DEPARTMENT_HEAD, Role.LEADERSHIP}),
    ),
)

# The first of a person's roles in this order picks their landing page.
LANDING_ORDER = (
    (Role.INSPECTION_OFFICE, "sanctions:queue"),
    (Role.LEADERSHIP, "oversight:dashboard"),
    (Role.DEPARTMENT_HEAD, "deadlines:department_cases"),
    (Role.FRONT_DESK, "intake:registration"),
    (Role.HANDLER, "deadlines:my_cases"),
)


def places_for(user: User | AnonymousUser) -> list[Place]:
    mine = set(roles_of(user))
    return [place for place in PLACES if place.roles & mine]


def landing_for(user: User | AnonymousUser) -> Place | None:
    mine = set(roles_of(user))
    for role, url_name in LANDING_ORDER:
        if role in mine:
            return next(place for place in PLACES if place.url_name == url_name)
    return None
