"""The pickers that every app's forms offer for staff and departments: a person shows as
"name（department）", so that two people of one name are told apart, and only units that
handle cases are offered as where a case goes (leadership and the inspection office
oversee; they do not handle)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import QuerySet

from accountability.models import Department

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def person_label(user: User) -> str:
    """ "name（department）", or the name alone for someone without a department."""
    name = str(user.get_full_name() or user.get_username())
    staff = getattr(user, "staff", None)
    return f"{name}（{staff.department.name}）" if staff is not None else name


class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return person_label(obj)


class StaffMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return person_label(obj)


def staff_for_picker(users: QuerySet[Any] | None = None) -> QuerySet[Any]:
    """Active staff (of ``users`` when given) with their departments in the same query,
    by department, then name."""
    base = users if users is not None else get_user_model().objects.all()
    return (
        base.filter(is_active=True, staff__isnull=False)
        .select_related("staff__department")
        .order_by("staff__department__code", "username")
    )


def handling_departments() -> QuerySet[Department]:
    """The units a case may be sent to."""
    return Department.objects.filter(handles_cases=True).order_by("code")
