"""Spreadsheet import and export of the org chart (django-import-export).

Rows are saved through the services, so each one is permission-checked and audited.
An import is all-or-nothing: a bad row is reported with its line number and the whole
file is rolled back (IMPORT_EXPORT_USE_TRANSACTIONS).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from import_export import fields, widgets

from accountability import services
from accountability.models import Department, StaffProfile
from accountability.roles import Role
from accountability.spreadsheets import FormulaSafeResource

# django-import-export's own Chinese for this heading of the import preview is garbled
# ("某些行验数据证失败"); listed here, the portal's catalogue says it properly and wins.
IMPORT_PREVIEW_LABELS = (gettext_noop("Some rows failed to validate"),)

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
            actor=kwargs["user"], department=instance, reason=_("spreadsheet import")
        )


class _RolesField(fields.Field):
    """The account's role codes, comma-separated. A profile being imported carries the
    codes its row gives (``imported_roles``), so that the preview shows them: the
    account's groups are set only when the row is saved."""

    def get_value(self, obj: StaffProfile) -> str:
        imported = getattr(obj, "imported_roles", None)
        if imported is not None:
            return ",".join(imported)
        if obj.user_id is None:  # a new row, before its account exists
            return ""
        return ",".join(sorted(group.name for group in obj.user.groups.all()))


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
    roles = _RolesField(column_name="roles")

    class Meta:
        model = StaffProfile
        import_id_fields = ("username",)
        fields = ("username", "full_name", "email", "department", "title", "desk_phone", "roles")
        clean_model_instances = False  # validated by the service

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
        email = str(row.get("email") or "").strip()
        errors: dict[str, str] = {}
        unknown = sorted(set(codes) - {role.value for role in Role})
        if unknown:
            errors["roles"] = _("Unknown role: %(roles)s.") % {"roles": ", ".join(unknown)}
        if email:
            try:
                validate_email(email)
            except ValidationError:
                errors["email"] = _("“%(email)s” is not an email address.") % {"email": email}
        if errors:
            raise ValidationError(errors)
        instance.imported_roles = codes  # type: ignore[attr-defined]
        if instance.user_id is None:
            instance.user = User.objects.filter(username=username).first() or User(
                username=username
            )
        instance.user.first_name = str(row.get("full_name") or "").strip()
        instance.user.email = email
        super().import_instance(instance, row, **kwargs)

    def save_instance(
        self, instance: StaffProfile, is_create: bool, row: Any, **kwargs: Any
    ) -> None:
        services.staff_profile_save(
            actor=kwargs["user"],
            profile=instance,
            roles=instance.imported_roles,  # type: ignore[attr-defined]
            reason=_("spreadsheet import"),
        )

    def import_field(self, field: fields.Field, instance: Any, row: Any, **kwargs: Any) -> None:
        # The account fields and the roles are set in import_instance.
        if field.column_name in {"username", "full_name", "email", "roles"}:
            return
        super().import_field(field, instance, row, **kwargs)
