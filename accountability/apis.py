"""REST endpoints for the organisation (/api/v1/departments/): names, codes and hours of
the departments, never the people in them."""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers

from accountability.models import ApiScope, Department
from accountability.restapi_errors import error_responses


class DepartmentSerializer(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    # Wall-clock times of the working day (Asia/Shanghai), such as "08:00:00"; a plain
    # string, since OpenAPI's "time" format demands a UTC offset a working day lacks.
    opens_at = serializers.CharField(read_only=True)
    closes_at = serializers.CharField(read_only=True)

    class Meta:
        model = Department
        fields = (
            "code",
            "name",
            "kind",
            "parent",
            "is_dispatch",
            "phone",
            "opens_at",
            "closes_at",
            "round_the_clock",
        )


@extend_schema(
    tags=["organisation"],
    responses={200: DepartmentSerializer(many=True), **error_responses(401, 403, 429)},
)
class DepartmentListApi(generics.ListAPIView):
    """Every department, by code (scope ``catalogue:read``). Not paginated: an
    organisation has tens of departments, not thousands."""

    required_scope = ApiScope.CATALOGUE_READ
    serializer_class = DepartmentSerializer
    pagination_class = None
    filter_backends = ()

    def get_queryset(self) -> QuerySet[Department]:
        return Department.objects.select_related("parent").order_by("code")
