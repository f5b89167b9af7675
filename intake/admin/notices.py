"""Back-office screens of the one-time notice: notices handed out, materials asked for
after them and the breaches they revealed. All read-only: they are written only by
intake.services.notice, and a trigger refuses changes on PostgreSQL. On a complaint about
staff the notice's content (which names the citizen) and a request's note are shown only
as deadlines.rules.may_see_complainant allows (intake.admin.confidentiality)."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from accountability.admin.readonly import ReadOnlyAdmin
from intake.admin.confidentiality import ProtectedCaseAdmin
from intake.models import MaterialRequest, NoticeBreach, OneTimeNotice


@admin.register(OneTimeNotice)
class OneTimeNoticeAdmin(ProtectedCaseAdmin, ReadOnlyAdmin):
    list_display = ("number", "case", "service_item", "issued_by", "issued_at", "to_supply")
    list_select_related = ("case", "service_item", "issued_by")
    search_fields = ("number", "case__number", "issued_by__username", "service_item__code")
    date_hierarchy = "issued_at"
    identity_fields = ("content",)
    safe_search_fields = search_fields

    @admin.display(description=_("to supply"))
    def to_supply(self, obj: OneTimeNotice) -> int:
        return len(obj.materials_to_supply)


@admin.register(MaterialRequest)
class MaterialRequestAdmin(ProtectedCaseAdmin, ReadOnlyAdmin):
    list_display = ("requested_at", "case", "notice", "material", "requested_by")
    list_select_related = ("case", "notice", "requested_by")
    search_fields = ("case__number", "notice__number", "material", "requested_by__username")
    date_hierarchy = "requested_at"
    identity_fields = ("note",)
    safe_search_fields = search_fields


@admin.register(NoticeBreach)
class NoticeBreachAdmin(ReadOnlyAdmin):
    """One-time-notice breaches for the inspection office (seed 002 附件6 §9)."""

    list_display = ("moment", "notice", "responsible", "department", "request")
    list_select_related = ("notice", "responsible", "department", "request")
    search_fields = ("notice__number", "responsible__username", "request__material")
    date_hierarchy = "moment"
