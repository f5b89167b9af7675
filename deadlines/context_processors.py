"""The bell in the page header: the signed-in person's unread notification count."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from deadlines.selectors.notifications import notification_unread_count


def notifications(request: HttpRequest) -> dict[str, Any]:
    """One count query per page rendered for a signed-in user, none otherwise."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notifications": notification_unread_count(user=user)}
