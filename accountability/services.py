"""Every write to the organisation: permission, validation, audit row, one transaction."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accountability import audit
from accountability.apiclients import api_client_forget, api_token_digest
from accountability.models import (
    Absence,
    ApiClient,
    ApiScope,
    Department,
    LeadingGroup,
    OrganisationProfile,
    StaffProfile,
)
from accountability.roles import Role
from accountability.rules import may


def require_permission(actor: Any, perm: str, obj: Any = None) -> None:
    """Raise PermissionDenied, with a message for the user, unless `actor` has `perm`."""
    if not may(actor, perm, obj):
        raise PermissionDenied(_("You are not allowed to do this."))


def require_permission_or_system(actor: Any, perm: str) -> None:
    """As require_permission, but `actor=None` is the system itself (a deployment command or
    a scheduled task run by the operator), which may act without a user."""
    if actor is not None:
        require_permission(actor, perm)


@transaction.atomic
def department_save(*, actor: Any, department: Department, reason: str = "") -> Department:
    """Create or change a department (the admin and the spreadsheet import call this)."""
    adding = department._state.adding
    require_permission(
        actor, "accountability.add_department" if adding else "accountability.change_department"
    )
    before = None if adding else audit.snapshot(Department.objects.get(pk=department.pk))
    department.full_clean()
    department.save()
    audit.record(
        actor=actor,
        action="department.create" if adding else "department.change",
        obj=department,
        before=before,
        after=audit.snapshot(department),
        reason=reason,
    )
    return department


def _staff_state(profile: StaffProfile) -> dict[str, Any]:
    user = profile.user
    return {
        **audit.snapshot(profile),
        "username": user.get_username(),
        "full_name": user.first_name,
        "email": user.email,
        "roles": sorted(user.groups.values_list("name", flat=True)) if user.pk else [],
    }


@transaction.atomic
def staff_profile_save(
    *, actor: Any, profile: StaffProfile, roles: list[str] | None = None, reason: str = ""
) -> StaffProfile:
    """Create or change a staff member: the account, the profile and, when given, the roles.

    A new account gets no usable password; an administrator sets one.
    """
    adding = profile._state.adding
    require_permission(
        actor, "accountability.add_staffprofile" if adding else "accountability.change_staffprofile"
    )
    user = profile.user
    before = None if adding else _staff_state(StaffProfile.objects.get(pk=profile.pk))
    if user._state.adding:
        user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    profile.user = user
    profile.full_clean()
    profile.save()
    if roles is not None:
        unknown = set(roles) - {role.value for role in Role}
        if unknown:
            raise ValidationError(
                _("Unknown role: %(roles)s.") % {"roles": ", ".join(sorted(unknown))}
            )
        user.groups.set(Group.objects.filter(name__in=roles))
    audit.record(
        actor=actor,
        action="staff.create" if adding else "staff.change",
        obj=profile,
        before=before,
        after=_staff_state(profile),
        reason=reason,
    )
    return profile


@transaction.atomic
def absence_record(
    *,
    actor: Any,
    staff: Any,
    starts_at: datetime,
    ends_at: datetime,
    substitute: Any | None,
    reason: str,
    handover_note: str = "",
) -> Absence:
    """Record leave; the substitute named here takes the person's work (同岗替代, seed 004)."""
    require_permission(actor, "accountability.record_absence", staff)
    absence = Absence(
        staff=staff,
        starts_at=starts_at,
        ends_at=ends_at,
        substitute=substitute,
        reason=reason,
        handover_note=handover_note,
    )
    absence.full_clean()
    absence.save()
    audit.record(actor=actor, action="absence.record", obj=absence, after=audit.snapshot(absence))
    return absence


# -- the efficiency leading group ---------------------------------------------------------


def leading_group_check(*, group: LeadingGroup, principal_leader: Any, members: list[Any]) -> None:
    """ValidationError unless the group can be saved as given: one group for the utility,
    a principal leader, who is one of the members."""
    if group._state.adding and LeadingGroup.objects.exists():
        raise ValidationError(
            _("The utility has one efficiency leading group: change it instead of adding another.")
        )
    if principal_leader is None:
        raise ValidationError({"principal_leader": _("Name the group's principal leader.")})
    if principal_leader.pk not in {member.pk for member in members}:
        raise ValidationError(
            {"members": _("The principal leader must be one of the group's members.")}
        )


def _leading_group_state(group: LeadingGroup) -> dict[str, Any]:
    return {
        **audit.snapshot(group, fields=["name", "principal_leader"]),
        "members": sorted(group.members.values_list("pk", flat=True)) if group.pk else [],
    }


@transaction.atomic
def leading_group_save(
    *, actor: Any, group: LeadingGroup, members: list[Any], reason: str = ""
) -> LeadingGroup:
    """Create or change the efficiency leading group: its principal leader and members
    (the admin and the demo call this)."""
    adding = group._state.adding
    require_permission(
        actor,
        "accountability.add_leadinggroup" if adding else "accountability.change_leadinggroup",
    )
    members = list(members)
    leader = group.principal_leader if group.principal_leader_id is not None else None
    leading_group_check(group=group, principal_leader=leader, members=members)
    before = None if adding else _leading_group_state(LeadingGroup.objects.get(pk=group.pk))
    group.full_clean(exclude=["members"])
    group.save()
    group.members.set(members)
    audit.record(
        actor=actor,
        action="leading_group.create" if adding else "leading_group.change",
        obj=group,
        before=before,
        after=_leading_group_state(group),
        reason=reason,
    )
    return group


# -- the organisation settings (printed papers) -------------------------------------------


@transaction.atomic
def organisation_profile_save(
    *, actor: Any, profile: OrganisationProfile, reason: str = ""
) -> OrganisationProfile:
    """Create or change the organisation settings: the name, letterhead and seal caption
    every printed paper carries (the admin and the demo call this). One row: a second is
    refused."""
    adding = profile._state.adding
    require_permission_or_system(
        actor,
        "accountability.add_organisationprofile"
        if adding
        else "accountability.change_organisationprofile",
    )
    if adding and OrganisationProfile.objects.exists():
        raise ValidationError(
            _(
                "The utility has one set of organisation settings: change it instead of "
                "adding another."
            )
        )
    before = None if adding else audit.snapshot(OrganisationProfile.objects.get(pk=profile.pk))
    profile.full_clean()
    profile.save()
    audit.record(
        actor=actor,
        action="organisation.create" if adding else "organisation.change",
        obj=profile,
        before=before,
        after=audit.snapshot(profile),
        reason=reason,
    )
    return profile


# -- REST API clients ----------------------------------------------------------------------

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
    *, actor: Any, name: str, scopes: list[str], throttle_rate: str = "", note: str = ""
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
        created_by=actor if actor is not None and actor.is_authenticated else None,
    )
    client.full_clean()
    client.save()
    audit.record(
        actor=actor, action="api_client.create", obj=client, after=_api_client_state(client)
    )
    return client, token


@transaction.atomic
def api_client_change(
    *, actor: Any, client: ApiClient, scopes: list[str], throttle_rate: str, note: str = ""
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
def api_client_revoke(*, actor: Any, client: ApiClient, reason: str = "") -> ApiClient:
    """Revoke a client's token: 401 from its next request in this process, and within
    API_CLIENT_CACHE_SECONDS in every other. Revoking twice changes nothing."""
    require_permission(actor, "accountability.change_apiclient")
    client = ApiClient.objects.select_for_update().get(pk=client.pk)
    if client.revoked_at is not None:
        return client
    before = _api_client_state(client)
    client.revoked_at = timezone.now()
    client.revoked_by = actor if actor is not None and actor.is_authenticated else None
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
