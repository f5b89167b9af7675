"""Permission predicates shared by views, the API and the admin."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import rules

from accountability.roles import Role

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User


def has_role(user: User | AnonymousUser, role: Role) -> bool:
    if not user.is_authenticated:
        return False
    names = getattr(user, "_role_names", None)
    if names is None:
        # Cached on the user object: navigation and checks ask several times a request.
        names = frozenset(user.groups.values_list("name", flat=True))
        user._role_names = names  # type: ignore[attr-defined]
    return role.value in names


def may(user: User | AnonymousUser, perm: str, obj: Any = None) -> bool:
    """Whether `user` may `perm` (on `obj`), asked of the rules themselves.

    Django grants every permission to an active superuser; administering the system is
    not acting in it, so a permission the rules define (every case, sanction and export
    permission) comes from the user's roles and relation to the object alone. Only the
    permissions the rules do not define, the admin's own model permissions, are asked of
    Django."""
    if not user.is_active:
        return False
    if rules.perm_exists(perm):
        return bool(rules.has_perm(perm, user, obj))
    return bool(user.has_perm(perm, obj))


def roles_of(user: User | AnonymousUser) -> list[Role]:
    return [role for role in Role if has_role(user, role)]


@rules.predicate
def is_front_desk(user: User | AnonymousUser) -> bool:
    return has_role(user, Role.FRONT_DESK)


@rules.predicate
def is_handler(user: User | AnonymousUser) -> bool:
    return has_role(user, Role.HANDLER)


@rules.predicate
def is_department_head(user: User | AnonymousUser) -> bool:
    return has_role(user, Role.DEPARTMENT_HEAD)


@rules.predicate
def is_leadership(user: User | AnonymousUser) -> bool:
    return has_role(user, Role.LEADERSHIP)


@rules.predicate
def is_inspection_office(user: User | AnonymousUser) -> bool:
    return has_role(user, Role.INSPECTION_OFFICE)


@rules.predicate
def is_administrator(user: User | AnonymousUser) -> bool:
    return bool(user.is_authenticated and user.is_superuser)


@rules.predicate
def heads_department_of(user: User | AnonymousUser, staff: User | None) -> bool:
    """The user heads the department the other staff member belongs to."""
    profile = getattr(staff, "staff", None)
    return profile is not None and profile.department.head_id == user.pk


@rules.predicate
def is_self(user: User | AnonymousUser, staff: User | None) -> bool:
    return staff is not None and user.pk == staff.pk


# Leave and its substitute are recorded by the person, their head or an administrator.
rules.add_perm("accountability.record_absence", is_self | heads_department_of | is_administrator)


# Evidence files: who may see and add them follows the record they are on.
from accountability.attachments import rules as _attachment_rules  # noqa: E402, F401
