"""What every REST endpoint shares: token authentication per client system, scopes,
per-client throttling and cursor pagination. The error shape is in restapi_errors.

This module is loaded while DRF itself is being imported (the settings name its
classes), so it imports nothing of DRF's views or of drf-spectacular.
"""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import HTTP_HEADER_ENCODING, exceptions
from rest_framework.authentication import BaseAuthentication
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.pagination import CursorPagination
from rest_framework.permissions import BasePermission
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle

from accountability.addresses import client_address
from accountability.apiclients import api_client_for_token
from accountability.cache import count_in_window
from accountability.models import ApiClient

# last_used_at is written at most this often per client, so that reading costs no write.
LAST_USED_GRANULARITY = timedelta(minutes=1)


def _authorization_header(request: Request) -> bytes:
    """The ``Authorization`` header, as DRF's get_authorization_header reads it, from the
    WSGI environment: that function builds ``request.headers``, every header of the
    request parsed, which cost a polled request more than its token lookup."""
    header = request._request.META.get("HTTP_AUTHORIZATION", b"")
    # WSGI's text is latin-1; bytes as DRF gives them (a token's own encoding is UTF-8).
    return header.encode(HTTP_HEADER_ENCODING) if isinstance(header, str) else header


class ApiTokenAuthentication(BaseAuthentication):
    """``Authorization: Bearer <token>`` (``Token <token>`` works too). Open311 clients may
    instead pass the token as the ``api_key`` parameter, as GeoReport v2 does."""

    keywords = (b"bearer", b"token")

    def authenticate(self, request: Request) -> tuple[ApiClient, ApiClient] | None:
        token = self._token(request)
        if token is None:
            return None
        client = api_client_for_token(token)
        if client is None or not client.is_active:
            # An unknown and a revoked token get the same answer.
            raise exceptions.AuthenticationFailed(_("The token is not valid or was revoked."))
        now = timezone.now()
        if client.last_used_at is None or client.last_used_at < now - LAST_USED_GRANULARITY:
            ApiClient.objects.filter(pk=client.pk).update(last_used_at=now)
            client.last_used_at = now
        return client, client

    def _token(self, request: Request) -> str | None:
        header = _authorization_header(request).split()
        if header:
            if header[0].lower() not in self.keywords:
                return None
            if len(header) != 2:
                raise exceptions.AuthenticationFailed(
                    _("Send the token as “Authorization: Bearer <token>”.")
                )
            try:
                return str(header[1].decode())
            except UnicodeError as error:
                raise exceptions.AuthenticationFailed(
                    _("The token is not valid or was revoked.")
                ) from error
        if request.path.startswith("/open311/"):
            django_request = request._request
            key = django_request.GET.get("api_key") or django_request.POST.get("api_key")
            return str(key) if key else None
        return None

    def authenticate_header(self, request: Request) -> str:
        # Makes DRF answer 401 (not 403) when no token came.
        return 'Bearer realm="api"'


class SingleFormatNegotiation(DefaultContentNegotiation):
    """A view with one renderer (every data endpoint: JSON) answers in it without parsing
    the Accept header, which cost a polled request more than its JSON did; a view with
    several (the schema: YAML or JSON) negotiates as DRF does."""

    def select_renderer(
        self, request: Request, renderers: list[BaseRenderer], format_suffix: str | None = None
    ) -> tuple[BaseRenderer, str]:
        if len(renderers) == 1:
            return renderers[0], renderers[0].media_type
        return super().select_renderer(request, renderers, format_suffix)


class HasScope(BasePermission):
    """The view's ``required_scope`` (or ``required_scopes`` by HTTP method) must be among
    the client's scopes. A view without one is refused: scopes are opt-out, not opt-in."""

    message = "This token's scopes do not cover this endpoint."

    def has_permission(self, request: Request, view: Any) -> bool:
        client = request.user
        if not isinstance(client, ApiClient):
            return False
        by_method = getattr(view, "required_scopes", None)
        scope = (
            by_method.get(request.method or "GET")
            if by_method
            else getattr(view, "required_scope", None)
        )
        if scope is None:
            return False
        if not client.allows(scope):
            self.message = _("This token lacks the scope “%(scope)s”.") % {"scope": scope}
            return False
        return True


RATE_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    """``600/min`` -> (600 requests, 60 seconds)."""
    count, period = rate.split("/")
    return int(count), RATE_PERIODS[period[0]]


class ApiClientThrottle(BaseThrottle):
    """Requests per client, at the client's own rate or API_THROTTLE_RATE, counted in fixed
    windows (a minute for 600/min): one counter per client and window in the cache, so a
    request costs an increment whatever the rate. A client may reach twice
    its rate across the boundary of two windows, never more, plus what the workers served
    it in their last API_THROTTLE_SHARE_MS: each worker adds a client's requests to the
    shared counter at most that often (a busy client polling case status costs a round
    trip to Redis per interval, not per request) and counts those in between itself.

    A request without a token gets here only on a public read (every other endpoint
    refuses it first), and is counted per address at OPEN311_ANONYMOUS_RATE."""

    def __init__(self) -> None:
        self.retry_after: float | None = None

    def allow_request(self, request: Request, view: Any) -> bool:
        client = request.user
        if isinstance(client, ApiClient):
            rate = client.throttle_rate or str(settings.API_THROTTLE_RATE)
            counter = f"throttle:api:{client.pk}"
        else:
            rate = str(settings.OPEN311_ANONYMOUS_RATE)
            counter = f"throttle:api-anonymous:{client_address(request._request)}"
        limit, window = parse_rate(rate)
        now = time.time()
        current = int(now // window)
        count = count_in_window(
            f"{counter}:{window}:{current}",
            window + 1,
            share_every=settings.API_THROTTLE_SHARE_MS / 1000,
        )
        if count > limit:
            self.retry_after = (current + 1) * window - now
            return False
        return True

    def wait(self) -> float | None:
        return self.retry_after


class SyncCursorPagination(CursorPagination):
    """Pages in the order of last change, oldest first, so that a client syncs by following
    ``next`` until it is null and later resumes from the last cursor (or ``updated_since``).
    A case changed while the client pages moves to the end and is seen again."""

    ordering = ("updated_at", "id")
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
