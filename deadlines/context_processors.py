"""The bell in the page header: the signed-in person's unread notification count, and
what awaits their decision."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from deadlines.selectors.notifications import bell_counts


def notifications(request: HttpRequest) -> dict[str, Any]:
    """One count query per page rendered for a signed-in user, none otherwise: the
    unread notifications (cases and accountability) and the proposed sanctions awaiting
    the person's decision (the header links them)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    unread, awaiting = bell_counts(user=user)
    return {"unread_notifications": unread, "awaiting_decisions": awaiting}
