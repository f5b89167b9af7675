"""The request of a signed-in page.

django-stubs types ``request.user`` as ``User | AnonymousUser``; behind login_required (or
the admin site) it is always a user, and views that pass it to a service as the ``actor``
say so with this type, as django-stubs documents.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest

if TYPE_CHECKING:
    from django.contrib.auth.models import User


class AuthenticatedHttpRequest(HttpRequest):
    user: User


def signed_in_user(request: HttpRequest) -> User:
    """The user of a page only signed-in users reach (the admin site), where the request
    cannot be typed AuthenticatedHttpRequest (a ModelAdmin method keeps its base's type)."""
    user = request.user
    assert user.is_authenticated, "only a signed-in user reaches this page"
    return user
