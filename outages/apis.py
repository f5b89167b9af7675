"""REST endpoint for outages (/api/v1/outages/): events with their figures and the
reports and notices they owe. No staff names, no citizens: the contacts appear only
as a count."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django.db.models import Count, Prefetch, QuerySet
from django.utils import timezone
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers

from accountability.business_dates import validate_business_date
from accountability.models import ApiScope
from accountability.restapi import SyncCursorPagination
from accountability.restapi_errors import error_responses
from deadlines.apis import DepartmentRefSerializer
from outages.models import Obligation, ObligationKind, OutageEvent, OutageKind


class ObligationSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ObligationKind.choices)
    kind_display = serializers.CharField(source="get_kind_display")
    citation = serializers.CharField()
    due_at = serializers.DateTimeField()
    met_at = serializers.DateTimeField(allow_null=True)
    state = serializers.SerializerMethodField()

    def get_state(self, obligation: Obligation) -> str:
        return str(obligation.state_at(self.context["now"]).value)


class OutageSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    kind = serializers.ChoiceField(choices=OutageKind.choices)
    title = serializers.CharField()
    area = serializers.ListField(
        child=serializers.CharField(), source="area_names", help_text="Zones or streets."
    )
    households = serializers.IntegerField()
    starts_at = serializers.DateTimeField()
    expected_restoration_at = serializers.DateTimeField()
    restored_at = serializers.DateTimeField(allow_null=True)
    cancelled_at = serializers.DateTimeField(
        allow_null=True, help_text="Planned works called off: no longer happening."
    )
    cause = serializers.CharField()
    department = DepartmentRefSerializer(help_text="The responsible department.")
    contacts = serializers.IntegerField(
        source="contact_count", help_text="Citizens' contacts linked to the outage."
    )
    obligations = ObligationSerializer(many=True)
    updated_at = serializers.DateTimeField()


class OutageFilter(filters.FilterSet):
    state = filters.ChoiceFilter(
        choices=[("running", "running"), ("planned", "planned"), ("ended", "ended")],
        method="by_state",
        help_text="running: water off now; planned: not started; ended: restored or called off.",
    )
    kind = filters.ChoiceFilter(choices=OutageKind.choices)
    updated_since = filters.IsoDateTimeFilter(
        method="since",
        help_text="Changed at or after this moment (ISO 8601 with offset).",
        validators=[validate_business_date],
    )

    def since(
        self, queryset: QuerySet[OutageEvent], name: str, value: datetime
    ) -> QuerySet[OutageEvent]:
        # In UTC: PostgreSQL refuses offsets beyond ±15:59 that ISO 8601 allows.
        return queryset.filter(updated_at__gte=value.astimezone(UTC))

    def by_state(
        self, queryset: QuerySet[OutageEvent], name: str, value: str
    ) -> QuerySet[OutageEvent]:
        now = timezone.now()
        live = queryset.filter(restored_at__isnull=True, cancelled_at__isnull=True)
        if value == "running":
            return live.filter(starts_at__lte=now)
        if value == "planned":
            return live.filter(starts_at__gt=now)
        return queryset.exclude(restored_at__isnull=True, cancelled_at__isnull=True)

    class Meta:
        model = OutageEvent
        fields: list[str] = []


@extend_schema(
    tags=["outages"],
    responses={200: OutageSerializer(many=True), **error_responses(400, 401, 403, 404, 429)},
)
class OutageListApi(generics.ListAPIView):
    """Outages, oldest change first, a page at a time (scope ``cases:read``), with the
    reports and notices each owes (DOMAIN §8) and whether they were made in time."""

    required_scope = ApiScope.CASES_READ
    serializer_class = OutageSerializer
    pagination_class = SyncCursorPagination
    filterset_class = OutageFilter
    queryset = OutageEvent.objects.none()

    def get_queryset(self) -> QuerySet[OutageEvent]:
        return (
            OutageEvent.objects.select_related("department")
            .annotate(contact_count=Count("contacts"))
            .prefetch_related(
                Prefetch(
                    "obligations",
                    queryset=Obligation.objects.select_related("regulation").order_by(
                        "due_at", "id"
                    ),
                )
            )
        )

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "now": timezone.now()}
