"""Every write to the organisation (departments, staff, absences, the leading group, the
organisation's profile): permission, validation, audit row, one transaction."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from accountability import audit
from accountability.models import (
    Absence,
    Department,
    LeadingGroup,
    OrganisationProfile,
    StaffProfile,
)
from accountability.roles import Role
from accountability.services.permissions import require_permission, require_permission_or_system

if TYPE_CHECKING:
    from django.contrib.auth.models import User


@transaction.atomic
def department_save(*, actor: User, department: Department, reason: str = "") -> Department:
    """Create or change a department (the admin and the spreadsheet import call this)."""
    adding = department._state.adding
    require_permission(
        actor, "accountability.add_department" if adding else "accountability.change_department"
    )
    return audit.audited_save(actor=actor, obj=department, action="department", reason=reason)


def _refuse_if_referred_to(error: ProtectedError, what: str) -> ValidationError:
    """The refusal a delete meets when history or other rows still point at the object:
    they are kept, so the object is too."""
    kinds = sorted({str(row._meta.verbose_name) for row in error.protected_objects})
    return ValidationError(
        _("This %(what)s cannot be deleted: %(kinds)s still refer to it.")
        % {"what": what, "kinds": pgettext("list separator", ", ").join(kinds)}
    )


@transaction.atomic
def department_delete(*, actor: User, department: Department, reason: str = "") -> None:
    """Delete a department that nothing refers to (the admin calls this). A department with
    cases, staff or sub-departments is refused: its history stays readable."""
    require_permission(actor, "accountability.delete_department")
    # The audit row is written first, while the row still has its key; a refusal below
    # rolls it back with the rest of the transaction.
    audit.record(
        actor=actor,
        action="department.delete",
        obj=department,
        before=audit.snapshot(department),
        reason=reason,
    )
    try:
        department.delete()
    except ProtectedError as error:
        raise _refuse_if_referred_to(error, str(_("department"))) from error


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
    *, actor: User, profile: StaffProfile, roles: list[str] | None = None, reason: str = ""
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
def staff_profile_delete(*, actor: User, profile: StaffProfile, reason: str = "") -> None:
    """Remove a staff member's profile (department, title, desk phone); the account and
    everything it did stay. To stop someone signing in, deactivate the account."""
    require_permission(actor, "accountability.delete_staffprofile")
    audit.record(
        actor=actor,
        action="staff.delete",
        obj=profile,
        before=_staff_state(profile),
        reason=reason,
    )
    try:
        profile.delete()
    except ProtectedError as error:
        raise _refuse_if_referred_to(error, str(_("staff member"))) from error


@transaction.atomic
def absence_record(
    *,
    actor: User,
    staff: User,
    starts_at: datetime,
    ends_at: datetime,
    substitute: User | None,
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


def leading_group_check(
    *, group: LeadingGroup, principal_leader: User | None, members: list[User]
) -> None:
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
    *, actor: User, group: LeadingGroup, members: list[User], reason: str = ""
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
    *, actor: User | None, profile: OrganisationProfile, reason: str = ""
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
    return audit.audited_save(actor=actor, obj=profile, action="organisation", reason=reason)
