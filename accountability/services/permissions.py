"""The permission check every service makes first."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from accountability.rules import may

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def require_permission(actor: User, perm: str, obj: Any = None) -> None:
    """Raise PermissionDenied, with a message for the user, unless `actor` has `perm`."""
    if not may(actor, perm, obj):
        raise PermissionDenied(_("You are not allowed to do this."))


def require_permission_or_system(actor: User | None, perm: str) -> None:
    """As require_permission, but `actor=None` is the system itself (a deployment command or
    a scheduled task run by the operator), which may act without a user."""
    if actor is not None:
        require_permission(actor, perm)
