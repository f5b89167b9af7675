"""Throttling failed sign-ins, by account and by address (django-axes), and unlocking.

django-axes counts each failed sign-in in the database (AccessAttempt rows: one per
account name, address and browser), so the count survives restarts and does not depend
on Redis. Past SIGN_IN_FAILURE_LIMIT failures of one account name, or from one address,
within SIGN_IN_LOCK_MINUTES, that account, or that address, may not sign in until the
time has passed since its last failure or an administrator unlocks it (the admin's
*Failed sign-ins* list, through ``sign_in_unlock``, audited). The lockout answers 429 with
the sign-in page and a message saying why.

A success does not clear the count (AXES_RESET_ON_SUCCESS stays off): otherwise anyone
with an account could clear their address's count between guesses at someone else's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from axes.backends import AxesStandaloneBackend
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from accountability.addresses import client_ip
from accountability.audit import record

if TYPE_CHECKING:
    from django.contrib.auth.models import User

UNLOCK_PERMISSION = "axes.delete_accessattempt"


class SignInThrottleBackend(AxesStandaloneBackend):
    """Refuses a locked account or address before any password is checked. Only the
    sign-in forms (the portal's and the admin's) authenticate with a request; a call
    without one (the test client's login(), a shell) has no address to count and is left
    to the next backend."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> None:
        if request is None:
            return None
        super().authenticate(request, username, password, **kwargs)
        return None


def axes_client_ip(request: HttpRequest) -> str | None:
    """AXES_CLIENT_IP_CALLABLE: the address as the status page counts it too."""
    return client_ip(request)


def lockout_message() -> str:
    return _(
        "Too many failed sign-ins: this account or this address may not sign in for "
        "%(minutes)s minutes after the last try. Try again later, or ask an administrator "
        "to unlock it."
    ) % {"minutes": settings.SIGN_IN_LOCK_MINUTES}


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None, credentials: Any
) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: the sign-in page again, with the reason, as 429."""
    context = {
        "form": AuthenticationForm(request),
        "locked_out": lockout_message(),
        "next": request.POST.get("next", ""),
    }
    response = render(request, "registration/login.html", context, status=429)
    response["Retry-After"] = str(settings.SIGN_IN_LOCK_MINUTES * 60)
    return response


def sign_in_unlock(*, actor: User, username: str | None = None, address: str | None = None) -> int:
    """Forget the failed sign-ins of an account name, or from an address, so that it may
    sign in again at once. One audit row per record forgotten; returns how many."""
    if not actor.has_perm(UNLOCK_PERMISSION):
        raise PermissionDenied(_("You may not unlock sign-ins."))
    if (username is None) == (address is None):
        raise ValueError("Unlock either an account name or an address.")
    attempts = AccessAttempt.objects.select_for_update().order_by("pk")
    attempts = (
        attempts.filter(username=username)
        if username is not None
        else attempts.filter(ip_address=address)
    )
    with transaction.atomic():
        found = list(attempts)
        for attempt in found:
            record(
                actor=actor,
                action="sign_in.unlock",
                obj=attempt,
                before={
                    "username": attempt.username,
                    "ip_address": attempt.ip_address,
                    "failures": attempt.failures_since_start,
                    "last_failure": attempt.attempt_time.isoformat(),
                },
                reason=_("account %(name)s") % {"name": username}
                if username is not None
                else _("address %(address)s") % {"address": address},
            )
        AccessAttempt.objects.filter(pk__in=[attempt.pk for attempt in found]).delete()
    return len(found)
