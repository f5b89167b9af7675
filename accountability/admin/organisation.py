"""Back-office screens of the organisation (departments, staff, accounts, the leading
group, the profile, regulations, absences, the audit log, API clients). Writes go through
the services; the audit log is read-only."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.shortcuts import redirect
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportExportModelAdmin

from accountability import services
from accountability.admin.readonly import ReadOnlyAdmin
from accountability.business_dates import ADMIN_FORMFIELD_OVERRIDES
from accountability.http import signed_in_user
from accountability.models import (
    Absence,
    ApiClient,
    ApiScope,
    AuditEntry,
    Department,
    LeadingGroup,
    OrganisationProfile,
    Regulation,
    StaffProfile,
)
from accountability.resources import DepartmentResource, StaffResource
from accountability.services.regulations import regulation_save


@admin.register(Department)
class DepartmentAdmin(ImportExportModelAdmin):
    resource_classes = [DepartmentResource]
    list_display = (
        "code",
        "name",
        "kind",
        "parent",
        "head",
        "supervising_leader",
        "is_dispatch",
        "handles_cases",
        "round_the_clock",
    )
    list_filter = ("kind", "is_dispatch", "handles_cases", "round_the_clock")
    list_select_related = ("parent", "head", "supervising_leader")
    search_fields = ("code", "name")
    autocomplete_fields = ("parent", "head", "supervising_leader")

    def save_model(self, request: HttpRequest, obj: Department, form: Any, change: bool) -> None:
        services.department_save(actor=signed_in_user(request), department=obj)

    # Deleting (one or a selection) goes through the service: an audit row per
    # department, and a refusal while anything still refers to it (the delete page
    # lists those first).
    def delete_model(self, request: HttpRequest, obj: Department) -> None:
        services.department_delete(actor=signed_in_user(request), department=obj)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        for department in queryset:
            services.department_delete(actor=signed_in_user(request), department=department)


@admin.register(StaffProfile)
class StaffProfileAdmin(ImportExportModelAdmin):
    resource_classes = [StaffResource]
    list_display = ("display_name", "user", "department", "title", "desk_phone")
    list_filter = ("department",)
    list_select_related = ("user", "department")
    search_fields = ("user__username", "user__first_name", "user__last_name", "title")
    autocomplete_fields = ("user", "department")

    def save_model(self, request: HttpRequest, obj: StaffProfile, form: Any, change: bool) -> None:
        services.staff_profile_save(actor=signed_in_user(request), profile=obj)

    def delete_model(self, request: HttpRequest, obj: StaffProfile) -> None:
        services.staff_profile_delete(actor=signed_in_user(request), profile=obj)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        for profile in queryset.select_related("user"):
            services.staff_profile_delete(actor=signed_in_user(request), profile=profile)


admin.site.unregister(get_user_model())


@admin.register(get_user_model())
class StaffAccountAdmin(UserAdmin):
    """Django's account screen, without deleting: an account is the actor of history
    (events, decisions, the audit log) and owns notifications and exports that a delete
    would take with it. Someone who leaves is made inactive ("active" unticked) instead."""

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class LeadingGroupForm(forms.ModelForm):
    class Meta:
        model = LeadingGroup
        fields = ("name", "principal_leader", "members")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        try:
            services.leading_group_check(
                group=self.instance,
                principal_leader=data.get("principal_leader"),
                members=list(data.get("members") or []),
            )
        except ValidationError as error:
            self.add_error(None, error)  # a field's message goes beside that field
        return data


@admin.register(LeadingGroup)
class LeadingGroupAdmin(admin.ModelAdmin):
    """The efficiency leading group (效能建设领导小组): one for the utility, its principal
    leader among its members. Saved through the service, with an audit row."""

    form = LeadingGroupForm
    list_display = ("name", "principal_leader")
    list_select_related = ("principal_leader",)
    autocomplete_fields = ("principal_leader", "members")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return super().has_add_permission(request) and not LeadingGroup.objects.exists()

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: LeadingGroup, form: Any, change: bool) -> None:
        services.leading_group_save(
            actor=signed_in_user(request), group=obj, members=list(form.cleaned_data["members"])
        )

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        """The members were set by the service."""


@admin.register(OrganisationProfile)
class OrganisationProfileAdmin(admin.ModelAdmin):
    """The organisation settings: the name, letterhead and seal caption of the printed
    papers. One row, never deleted; saved through the service, with an audit row. The
    list leads straight to the row (or to adding it, while there is none)."""

    list_display = ("name", "short_name", "hotline")
    fieldsets = (
        (None, {"fields": ("name", "short_name")}),
        (
            _("Letterhead"),
            {"fields": ("address", "postcode", "hotline", "website", "letterhead_extra")},
        ),
        (_("Signature"), {"fields": ("seal_caption",)}),
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return super().has_add_permission(request) and not OrganisationProfile.objects.exists()

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> Any:
        profile = OrganisationProfile.objects.first()
        if profile is not None:
            return redirect("admin:accountability_organisationprofile_change", profile.pk)
        if self.has_add_permission(request):
            return redirect("admin:accountability_organisationprofile_add")
        return super().changelist_view(request, extra_context)

    def save_model(
        self, request: HttpRequest, obj: OrganisationProfile, form: Any, change: bool
    ) -> None:
        services.organisation_profile_save(actor=signed_in_user(request), profile=obj)


@admin.register(Regulation)
class RegulationAdmin(admin.ModelAdmin):
    """The register of regulations. Kept by administrators; never deleted while a policy,
    rule, violation type or obligation cites it (PROTECT). Saved through the service,
    with an audit row."""

    list_display = ("cited_title", "issuing_body", "document_number", "issued_on", "code")
    search_fields = ("code", "title", "issuing_body", "document_number", "articles")
    list_filter = ("issuing_body",)
    date_hierarchy = "issued_on"
    fields = ("title", "issuing_body", "document_number", "issued_on", "articles", "note", "code")
    formfield_overrides = ADMIN_FORMFIELD_OVERRIDES

    @admin.display(description=_("document title"), ordering="title")
    def cited_title(self, obj: Regulation) -> str:
        return str(obj)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        # The data files refer to a regulation by its code: it is set once.
        return ("code",) if obj is not None else ()

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Regulation, form: Any, change: bool) -> None:
        regulation_save(actor=signed_in_user(request), regulation=obj)


@admin.register(Absence)
class AbsenceAdmin(admin.ModelAdmin):
    list_display = ("staff", "starts_at", "ends_at", "substitute", "reason")
    list_select_related = ("staff", "substitute")
    search_fields = ("staff__username", "staff__first_name", "substitute__username")
    autocomplete_fields = ("staff", "substitute")
    date_hierarchy = "starts_at"
    formfield_overrides = ADMIN_FORMFIELD_OVERRIDES

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # A recorded absence is history; a correction is a new record.
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Absence, form: Any, change: bool) -> None:
        recorded = services.absence_record(
            actor=signed_in_user(request),
            staff=obj.staff,
            starts_at=obj.starts_at,
            ends_at=obj.ends_at,
            substitute=obj.substitute,
            reason=obj.reason,
            handover_note=obj.handover_note,
        )
        obj.pk = recorded.pk


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ("at", "actor", "action", "content_type", "object_repr")
    list_filter = ("action", "content_type")
    list_select_related = ("actor", "content_type")
    search_fields = ("object_repr", "action", "reason")
    date_hierarchy = "at"


class ApiClientForm(forms.ModelForm):
    scopes = forms.MultipleChoiceField(
        label=_("scopes"),
        choices=ApiScope.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    class Meta:
        model = ApiClient
        fields = ("name", "scopes", "throttle_rate", "note")


@admin.register(ApiClient)
class ApiClientAdmin(admin.ModelAdmin):
    """Client systems of the REST API. The token is shown once, right after creation; only
    its digest is kept. Revoke, never delete: the audit log points at the client."""

    form = ApiClientForm
    list_display = (
        "name",
        "token_prefix",
        "scopes",
        "throttle_rate",
        "created_at",
        "last_used_at",
        "revoked_at",
    )
    list_filter = (("revoked_at", admin.EmptyFieldListFilter),)
    search_fields = ("name", "token_prefix")
    readonly_fields = (
        "token_prefix",
        "created_at",
        "created_by",
        "last_used_at",
        "revoked_at",
        "revoked_by",
    )
    actions = ("revoke",)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is not None:
            return ("name", *self.readonly_fields)
        return ()

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: ApiClient, form: Any, change: bool) -> None:
        data = form.cleaned_data
        if change:
            services.api_client_change(
                actor=signed_in_user(request),
                client=obj,
                scopes=data["scopes"],
                throttle_rate=data["throttle_rate"],
                note=data["note"],
            )
            return
        client, token = services.api_client_create(
            actor=signed_in_user(request),
            name=data["name"],
            scopes=data["scopes"],
            throttle_rate=data["throttle_rate"],
            note=data["note"],
        )
        obj.pk = client.pk
        messages.warning(
            request,
            gettext(
                "The token of %(name)s is %(token)s. Copy it now: it is shown only this once "
                "and cannot be recovered."
            )
            % {"name": client.name, "token": token},
        )

    @admin.action(description=_("Revoke the selected clients' tokens"))
    def revoke(self, request: HttpRequest, queryset: Any) -> None:
        for client in queryset:
            services.api_client_revoke(actor=signed_in_user(request), client=client)
        messages.success(request, gettext("The tokens are revoked."))
