"""Failed sign-ins in the administration: who and where from, and unlocking an account or
an address (through accountability.signin.sign_in_unlock, which checks the permission
and writes the audit log). The records are never edited or deleted here otherwise."""

from __future__ import annotations

from axes.models import AccessAttempt
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from accountability.admin.readonly import ReadOnlyAdmin
from accountability.http import signed_in_user
from accountability.signin import UNLOCK_PERMISSION, sign_in_unlock

# django-axes names its model and fields in English only: listed here, they are in the
# portal's Chinese catalogue, which the admin's list and form then speak.
AXES_LABELS = (
    gettext_noop("access attempt"),
    gettext_noop("access attempts"),
    gettext_noop("IP Address"),
    gettext_noop("Failed Logins"),
    gettext_noop("Attempt Time"),
    gettext_noop("Path"),
    gettext_noop("User Agent"),
)


@admin.register(AccessAttempt)
class FailedSignInAdmin(ReadOnlyAdmin):
    list_display = ("username", "ip_address", "failures_since_start", "attempt_time", "path_info")
    search_fields = ("username", "ip_address")
    date_hierarchy = "attempt_time"
    fields = ("username", "ip_address", "user_agent", "failures_since_start", "attempt_time")
    readonly_fields = fields
    actions = ("unlock_accounts", "unlock_addresses")

    def has_unlock_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(UNLOCK_PERMISSION)

    @admin.action(description=_("Unlock the selected rows' accounts"), permissions=["unlock"])
    def unlock_accounts(self, request: HttpRequest, queryset: QuerySet[AccessAttempt]) -> None:
        names = sorted({name for name in queryset.values_list("username", flat=True) if name})
        for name in names:
            sign_in_unlock(actor=signed_in_user(request), username=name)
        self.message_user(
            request,
            gettext("Unlocked %(count)d accounts.") % {"count": len(names)},
            messages.SUCCESS,
        )

    @admin.action(description=_("Unlock the selected rows' addresses"), permissions=["unlock"])
    def unlock_addresses(self, request: HttpRequest, queryset: QuerySet[AccessAttempt]) -> None:
        addresses = sorted(
            {address for address in queryset.values_list("ip_address", flat=True) if address}
        )
        for address in addresses:
            sign_in_unlock(actor=signed_in_user(request), address=address)
        self.message_user(
            request,
            gettext("Unlocked %(count)d addresses.") % {"count": len(addresses)},
            messages.SUCCESS,
        )
