from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from accountability.navigation import places_for
from accountability.rules import roles_of


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"nav_places": places_for(user), "nav_roles": [role.label for role in roles_of(user)]}
