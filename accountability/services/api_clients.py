"""Every write to the REST API's client systems: create, change, revoke. A token is shown
once and only its digest is kept."""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accountability import audit
from accountability.apiclients import api_client_forget, api_token_digest
from accountability.models import ApiClient, ApiScope
from accountability.services.permissions import require_permission

if TYPE_CHECKING:
    from django.contrib.auth.models import User

TOKEN_PREFIX = "wsa_"  # tells a leaked token apart in logs and secret scanners


def _api_client_state(client: ApiClient) -> dict[str, Any]:
    # The digest stays out of the audit log: it is as good as a token for a lookup.
    return audit.snapshot(client, fields=["name", "scopes", "throttle_rate", "note", "revoked_at"])


def _clean_scopes(scopes: list[str]) -> list[str]:
    unknown = set(scopes) - set(ApiScope.values)
    if unknown:
        raise ValidationError(
            {"scopes": _("Unknown scope: %(scopes)s.") % {"scopes": ", ".join(sorted(unknown))}}
        )
    return sorted(set(scopes))


def _forget_now_and_on_commit(client: ApiClient) -> None:
    # At once, for this request's own process; again on commit, in case a request in
    # another thread of this process read the client meanwhile.
    api_client_forget(client)
    transaction.on_commit(lambda: api_client_forget(client))


@transaction.atomic
def api_client_create(
    *, actor: User, name: str, scopes: list[str], throttle_rate: str = "", note: str = ""
) -> tuple[ApiClient, str]:
    """Create a client and its token; the token is returned once and never stored."""
    require_permission(actor, "accountability.add_apiclient")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    client = ApiClient(
        name=name.strip(),
        scopes=_clean_scopes(scopes),
        throttle_rate=throttle_rate.strip(),
        note=note,
        token_prefix=token[:10],
        token_digest=api_token_digest(token),
        created_by=audit.user_or_none(actor),
    )
    client.full_clean()
    client.save()
    audit.record(
        actor=actor, action="api_client.create", obj=client, after=_api_client_state(client)
    )
    return client, token


@transaction.atomic
def api_client_change(
    *, actor: User, client: ApiClient, scopes: list[str], throttle_rate: str, note: str = ""
) -> ApiClient:
    """Change what a client may do and how fast; the token stays."""
    require_permission(actor, "accountability.change_apiclient")
    client = ApiClient.objects.select_for_update().get(pk=client.pk)
    before = _api_client_state(client)
    client.scopes = _clean_scopes(scopes)
    client.throttle_rate = throttle_rate.strip()
    client.note = note
    client.full_clean()
    client.save()
    audit.record(
        actor=actor,
        action="api_client.change",
        obj=client,
        before=before,
        after=_api_client_state(client),
    )
    _forget_now_and_on_commit(client)
    return client


@transaction.atomic
def api_client_revoke(*, actor: User, client: ApiClient, reason: str = "") -> ApiClient:
    """Revoke a client's token: 401 from its next request in this process, and within
    API_CLIENT_CACHE_SECONDS in every other. Revoking twice changes nothing."""
    require_permission(actor, "accountability.change_apiclient")
    client = ApiClient.objects.select_for_update().get(pk=client.pk)
    if client.revoked_at is not None:
        return client
    before = _api_client_state(client)
    client.revoked_at = timezone.now()
    client.revoked_by = audit.user_or_none(actor)
    client.save(update_fields=["revoked_at", "revoked_by"])
    audit.record(
        actor=actor,
        action="api_client.revoke",
        obj=client,
        before=before,
        after=_api_client_state(client),
        reason=reason,
    )
    _forget_now_and_on_commit(client)
    return client
