"""Back-office screens for messages to the citizen: the templates (data: wording and the
providers' codes), the opt-out list, and the messages with their events (read-only,
history). A message of a case whose complainant the user may not see is not listed
(deadlines.rules.complainant_visible_q): its address is the complainant's."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Q, QuerySet
from django.http import HttpRequest

from accountability.admin.readonly import ReadOnlyAdmin, ReadOnlyInline
from deadlines.models import (
    Case,
    CitizenMessage,
    MessageEvent,
    MessageOptOut,
    MessageTemplate,
)
from deadlines.rules import complainant_visible_q


@admin.register(MessageTemplate)
class MessageTemplateAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "alibaba_code", "tencent_id", "active")
    list_filter = ("active",)
    search_fields = ("code", "name", "body")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        # The steps find their template by code.
        return ("code",) if obj is not None else ()

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(MessageOptOut)
class MessageOptOutAdmin(admin.ModelAdmin):
    list_display = ("address", "created_at", "note")
    search_fields = ("address",)


class MessageEventInline(ReadOnlyInline):
    model = MessageEvent
    fields = ("at", "status", "attempt", "provider_ref", "detail")
    readonly_fields = fields


@admin.register(CitizenMessage)
class CitizenMessageAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "kind", "channel", "to", "case", "not_before")
    list_filter = ("kind", "channel")
    list_select_related = ("case",)
    search_fields = ("case__number", "key")
    date_hierarchy = "created_at"
    # The sealed parameters never show (deadlines.messaging.sealing).
    exclude = ("sealed",)
    inlines = (MessageEventInline,)

    def get_queryset(self, request: HttpRequest) -> QuerySet[CitizenMessage]:
        visible = Case.objects.filter(complainant_visible_q(request.user)).values("pk")
        return super().get_queryset(request).filter(Q(case__isnull=True) | Q(case__in=visible))
