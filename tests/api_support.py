"""Helpers for the REST API tests: a client system with a token, and calls with it."""

from __future__ import annotations

from typing import Any

from django.core.cache import cache
from django.test import Client

from accountability.models import ApiClient, ApiScope
from accountability.services import api_client_create
from tests.factories import UserFactory

ALL_SCOPES = [scope.value for scope in ApiScope]


def admin_user() -> Any:
    user = UserFactory(username="api-admin")
    user.is_superuser = user.is_staff = True
    user.save()
    return user


def api_client(
    scopes: list[str] | None = None, name: str = "hotline", rate: str = ""
) -> tuple[ApiClient, str]:
    """A client system with `scopes` (all of them by default) and its token."""
    return api_client_create(
        actor=admin_user(),
        name=name,
        scopes=ALL_SCOPES if scopes is None else scopes,
        throttle_rate=rate,
    )


def call(token: str | None, url: str, method: str = "get", **kwargs: Any) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return getattr(Client(), method)(url, headers=headers, **kwargs)


def reset_throttles() -> None:
    # Throttle counters live in the cache, which outlives a test's transaction.
    cache.clear()


def make_dispatch() -> Any:
    """The dispatch department (生产调度部) with a head on duty; returns the head."""
    from accountability.roles import Role
    from tests.factories import DepartmentFactory, StaffFactory

    dispatch = DepartmentFactory(code="dispatch", name="生产调度部", is_dispatch=True)
    head = StaffFactory(
        user=UserFactory(username="dispatch_head", roles=[Role.DEPARTMENT_HEAD]),
        department=dispatch,
    ).user
    dispatch.head = head
    dispatch.save()
    return head
