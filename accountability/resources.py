"""Spreadsheet import and export of the org chart (django-import-export).

Rows are saved through the services, so each one is permission-checked and audited.
An import is all-or-nothing: a bad row is reported with its line number and the whole
file is rolled back (IMPORT_EXPORT_USE_TRANSACTIONS).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from import_export import fields, widgets

from accountability import services
from accountability.models import Department, StaffProfile
from accountability.roles import Role
from accountability.spreadsheets import FormulaSafeResource

User = get_user_model()


class LookupWidget(widgets.ForeignKeyWidget):
    """A reference by code or username that explains itself when nothing matches."""

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> Any:
        try:
            return super().clean(value, row, **kwargs)
        except self.model.DoesNotExist:
            raise ValueError(
                _("No %(model)s with %(field)s “%(value)s”.")
                % {"model": self.model._meta.verbose_name, "field": self.field, "value": value}
            ) from None


class AllOrNothingResource(FormulaSafeResource):
    """Roll the whole file back when any row is invalid, not only when one fails to save.
    Exports escape formulae (accountability.spreadsheets)."""

    def import_data(self, dataset: Any, **kwargs: Any) -> Any:
        kwargs["rollback_on_validation_errors"] = True
        return super().import_data(dataset, **kwargs)


class DepartmentResource(AllOrNothingResource):
    """One row a department; a parent must come before its children in the file."""

    parent = fields.Field(
        attribute="parent", column_name="parent", widget=LookupWidget(Department, "code")
    )
    head = fields.Field(attribute="head", column_name="head", widget=LookupWidget(User, "username"))
    supervising_leader = fields.Field(
        attribute="supervising_leader",
        column_name="supervising_leader",
        widget=LookupWidget(User, "username"),
    )

    class Meta:
        model = Department
        import_id_fields = ("code",)
        fields = (
            "code",
            "name",
            "kind",
            "parent",
            "head",
            "supervising_leader",
            "is_dispatch",
            "phone",
        )
        clean_model_instances = True
        skip_unchanged = True

    def save_instance(self, instance: Department, is_create: bool, row: Any, **kwargs: Any) -> None:
        services.department_save(
            actor=kwargs.get("user"), department=instance, reason=_("spreadsheet import")
        )


class StaffResource(AllOrNothingResource):
    """One row a staff member: account, department, title, desk phone and roles.

    `roles` lists role codes separated by commas (front_desk, handler, department_head,
    leadership, inspection_office). New accounts get no usable password: an administrator
    sets one, or the person uses the password reset.
    """

    username = fields.Field(attribute="user__username", column_name="username")
    full_name = fields.Field(attribute="user__first_name", column_name="full_name")
    email = fields.Field(attribute="user__email", column_name="email")
    department = fields.Field(
        attribute="department",
        column_name="department",
        widget=LookupWidget(Department, "code"),
    )
    title = fields.Field(attribute="title", column_name="title")
    desk_phone = fields.Field(attribute="desk_phone", column_name="desk_phone")
    roles = fields.Field(column_name="roles")

    class Meta:
        model = StaffProfile
        import_id_fields = ("username",)
        fields = ("username", "full_name", "email", "department", "title", "desk_phone", "roles")
        clean_model_instances = False  # validated by the service

    def dehydrate_roles(self, profile: StaffProfile) -> str:
        return ",".join(sorted(group.name for group in profile.user.groups.all()))

    def get_queryset(self) -> Any:
        return StaffProfile.objects.select_related("user", "department").prefetch_related(
            "user__groups"
        )

    def get_instance(self, instance_loader: Any, row: Any) -> StaffProfile | None:
        return self.get_queryset().filter(user__username=row.get("username")).first()

    def import_instance(self, instance: StaffProfile, row: Any, **kwargs: Any) -> None:
        username = (row.get("username") or "").strip()
        if not username:
            raise ValidationError({"username": _("A username is required.")})
        codes = [code.strip() for code in str(row.get("roles") or "").split(",") if code.strip()]
        unknown = sorted(set(codes) - {role.value for role in Role})
        if unknown:
            raise ValidationError(
                {"roles": _("Unknown role: %(roles)s.") % {"roles": ", ".join(unknown)}}
            )
        self._roles_by_username = getattr(self, "_roles_by_username", {})
        self._roles_by_username[username] = codes
        if instance.user_id is None:
            instance.user = User.objects.filter(username=username).first() or User(
                username=username
            )
        instance.user.first_name = str(row.get("full_name") or "").strip()
        instance.user.email = str(row.get("email") or "").strip()
        super().import_instance(instance, row, **kwargs)

    def save_instance(
        self, instance: StaffProfile, is_create: bool, row: Any, **kwargs: Any
    ) -> None:
        services.staff_profile_save(
            actor=kwargs.get("user"),
            profile=instance,
            roles=self._roles_by_username[instance.user.username],
            reason=_("spreadsheet import"),
        )

    def import_field(self, field: fields.Field, instance: Any, row: Any, **kwargs: Any) -> None:
        # The account fields and the roles are set in import_instance.
        if field.column_name in {"username", "full_name", "email", "roles"}:
            return
        super().import_field(field, instance, row, **kwargs)
