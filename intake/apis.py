"""REST endpoints of the front desk: the service catalogue (/api/v1/service-items/) and
Open311 GeoReport v2 (/open311/v2/), through which the 12345 hotline reads status and
files contacts. Protected identities never appear in any answer. Open311's reads are
public, as GeoReport v2 makes them (a request without a token is throttled per address);
filing a contact needs a client's token with the scope ``open311:write``.

Open311 mapping (README "REST API"): ``service_request_id`` is the case number; ``status``
is "closed" once the case has ended (closed, rejected, terminated, withdrawn) and "open"
before; ``status_notes`` is the detailed state; ``expected_datetime`` the running result
deadline; ``agency_responsible`` the handling department.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import models
from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny, BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accountability.business_dates import validate_business_date
from accountability.models import ApiClient, ApiScope
from accountability.restapi import HasScope
from accountability.restapi_errors import error_responses
from deadlines.models import ENDED_STATES, Case, CaseState, MatterKind, Urgency
from deadlines.selectors.public import PublicCase, case_public_get, case_public_list, choice_label
from intake.models import ItemKind, ServiceItem
from intake.selectors.catalogue import service_item_list
from intake.services.hotline import HotlineRequest, hotline_request_submit

# -- /api/v1/service-items/ ------------------------------------------------------------------


class MaterialSerializer(serializers.Serializer):
    name = serializers.CharField()
    form_requirements = serializers.CharField()
    is_required = serializers.BooleanField()
    may_be_deficient = serializers.BooleanField()


class ServiceItemSerializer(serializers.Serializer):
    code = serializers.CharField()
    version = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=ItemKind.choices)
    department = serializers.CharField(
        source="department.code", allow_null=True, help_text="The handling department's code."
    )
    legal_basis = serializers.CharField()
    conditions = serializers.CharField()
    procedure = serializers.CharField()
    fee_standard = serializers.CharField()
    statutory_limit_amount = serializers.IntegerField(allow_null=True)
    statutory_limit_unit = serializers.CharField()
    promised_limit_amount = serializers.IntegerField(allow_null=True)
    promised_limit_unit = serializers.CharField()
    allows_deficiency = serializers.BooleanField()
    materials = MaterialSerializer(many=True)


@extend_schema(
    tags=["catalogue"],
    responses={200: ServiceItemSerializer(many=True), **error_responses(401, 403, 429)},
)
class ServiceItemListApi(generics.ListAPIView):
    """The service items in force, by code, with their materials (scope
    ``catalogue:read``). Not paginated: a catalogue has tens of items."""

    required_scope = ApiScope.CATALOGUE_READ
    serializer_class = ServiceItemSerializer
    pagination_class = None
    filter_backends = ()

    def get_queryset(self) -> QuerySet[ServiceItem]:
        return service_item_list()


# -- Open311 GeoReport v2 --------------------------------------------------------------------

OPEN311_LIMIT = 200


class Open311ServiceSerializer(serializers.Serializer):
    service_code = serializers.CharField()
    service_name = serializers.CharField()
    description = serializers.CharField()
    metadata = serializers.BooleanField()
    type = serializers.CharField()
    keywords = serializers.CharField()
    group = serializers.CharField()


def _open311_services() -> list[dict[str, Any]]:
    """The kinds of matter, then the catalogue items: either is a service_code to file."""
    services = [
        {
            "service_code": value,
            "service_name": str(label),
            "description": "",
            "metadata": False,
            "type": "realtime",
            "keywords": "",
            "group": "matter",
        }
        for value, label in MatterKind.choices
    ]
    services += [
        {
            "service_code": item.code,
            "service_name": item.name,
            "description": item.conditions,
            "metadata": False,
            "type": "realtime",
            "keywords": item.kind,
            "group": "catalogue",
        }
        for item in ServiceItem.objects.filter(retired_at__isnull=True).order_by("code")
    ]
    return services


@extend_schema(
    tags=["open311"],
    responses={200: Open311ServiceSerializer(many=True), **error_responses(401, 429)},
)
class Open311ServicesApi(APIView):
    """GeoReport v2 service list, public: the kinds of matter (group "matter") and the
    catalogue's items (group "catalogue")."""

    permission_classes = [AllowAny]

    def get(self, request: Request) -> Response:
        return Response(Open311ServiceSerializer(_open311_services(), many=True).data)


class ChoiceLabelField(serializers.CharField):
    """The label of a choice's code in the active language, as the model's
    ``get_<field>_display`` reads it."""

    def __init__(self, choices: type[models.Choices], **kwargs: Any) -> None:
        self.choices_class = choices
        super().__init__(**kwargs)

    def to_representation(self, value: str) -> str:
        return choice_label(self.choices_class, value, translation.get_language())


class Open311RequestSerializer(serializers.Serializer):
    """A request as GeoReport v2 writes it, of a case of case_public_list (the lists) or
    of case_public_get (one request): both carry the same public columns and the
    running result deadline as ``result_due``."""

    service_request_id = serializers.CharField(source="number")
    status = serializers.SerializerMethodField()
    status_notes = ChoiceLabelField(CaseState, source="state")
    service_name = serializers.SerializerMethodField()
    service_code = serializers.SerializerMethodField()
    agency_responsible = serializers.CharField(source="department.name")
    service_notice = serializers.SerializerMethodField()
    requested_datetime = serializers.DateTimeField(source="opened_at")
    updated_datetime = serializers.DateTimeField(source="updated_at")
    expected_datetime = serializers.DateTimeField(source="result_due", allow_null=True)

    def get_status(self, case: Case | PublicCase) -> str:
        return "closed" if case.state in ENDED_STATES else "open"

    def get_service_code(self, case: Case | PublicCase) -> str:
        return case.service_item_code or case.matter_kind

    def get_service_name(self, case: Case | PublicCase) -> str:
        names: dict[str, str] = self.context.get("item_names", {})
        return names.get(case.service_item_code) or choice_label(
            MatterKind, case.matter_kind, translation.get_language()
        )

    def get_service_notice(self, case: Case | PublicCase) -> str:
        return ""


def _item_names() -> dict[str, str]:
    return dict(ServiceItem.objects.filter(retired_at__isnull=True).values_list("code", "name"))


def _date(request: Request, name: str) -> datetime | None:
    raw = request.query_params.get(name, "").strip()
    if not raw:
        return None
    field = serializers.DateTimeField(validators=[validate_business_date])
    try:
        return field.run_validation(raw)
    except serializers.ValidationError as error:
        raise serializers.ValidationError({name: error.detail}) from error


class Open311PostSerializer(serializers.Serializer):
    service_code = serializers.CharField(max_length=60)
    description = serializers.CharField(max_length=4000)
    first_name = serializers.CharField(max_length=50, required=False, allow_blank=True)
    last_name = serializers.CharField(max_length=50, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=30, required=False, allow_blank=True)
    address_string = serializers.CharField(max_length=200, required=False, allow_blank=True)
    account_id = serializers.CharField(max_length=40, required=False, allow_blank=True)
    kind = serializers.ChoiceField(
        choices=MatterKind.choices,
        required=False,
        help_text="Extension: the kind of matter when service_code is a catalogue item.",
    )
    urgency = serializers.ChoiceField(choices=Urgency.choices, required=False)


class Open311CreatedSerializer(serializers.Serializer):
    service_request_id = serializers.CharField()
    service_notice = serializers.CharField()
    account_id = serializers.CharField(allow_null=True)
    lookup_secret = serializers.CharField(
        help_text="Extension: the receipt's secret for the citizen's status page; shown "
        "once, only its digest is kept."
    )


@extend_schema(tags=["open311"])
class Open311RequestsApi(APIView):
    """GeoReport v2 requests: GET lists them (public), POST files a hotline contact (scope
    ``open311:write``)."""

    required_scope = ApiScope.OPEN311_WRITE

    def get_permissions(self) -> list[BasePermission]:
        # AllowAny itself (not a subclass), so that the schema marks the reads public.
        if self.request.method in ("GET", "HEAD", "OPTIONS"):
            return [AllowAny()]
        return [HasScope()]

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "service_request_id", str, description="Case numbers, comma-separated."
            ),
            OpenApiParameter("service_code", str),
            OpenApiParameter("status", str, enum=["open", "closed"]),
            OpenApiParameter("start_date", OpenApiTypes.DATETIME),
            OpenApiParameter("end_date", OpenApiTypes.DATETIME),
        ],
        responses={200: Open311RequestSerializer(many=True), **error_responses(400, 401, 429)},
    )
    def get(self, request: Request) -> Response:
        """The newest requests first, at most 200, opened between start_date and end_date."""
        params = request.query_params
        cases = case_public_list(now=timezone.now())
        numbers = [n.strip() for n in params.get("service_request_id", "").split(",") if n.strip()]
        if numbers:
            cases = cases.filter(number__in=numbers)
        code = params.get("service_code", "").strip()
        if code in MatterKind.values:
            cases = cases.filter(matter_kind=code, service_item_code="")
        elif code:
            cases = cases.filter(service_item_code=code)
        wanted = params.get("status", "").strip()
        if wanted == "open":
            cases = cases.exclude(state__in=ENDED_STATES)
        elif wanted == "closed":
            cases = cases.filter(state__in=ENDED_STATES)
        elif wanted:
            raise serializers.ValidationError({"status": [_("Choose open or closed.")]})
        start, end = _date(request, "start_date"), _date(request, "end_date")
        if start is not None:
            cases = cases.filter(opened_at__gte=start)
        if end is not None:
            cases = cases.filter(opened_at__lt=end)
        page = cases.order_by("-opened_at", "-id")[:OPEN311_LIMIT]
        context = {"item_names": _item_names()}
        return Response(Open311RequestSerializer(page, many=True, context=context).data)

    @extend_schema(
        request=Open311PostSerializer,
        responses={
            201: Open311CreatedSerializer(many=True),
            **error_responses(400, 401, 403, 409, 429),
        },
    )
    def post(self, request: Request) -> Response:
        """File a hotline contact: a registered case, channel "hotline", first responder
        on duty at dispatch. Answers with the case number as service_request_id."""
        form = Open311PostSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        client = request.user
        assert isinstance(client, ApiClient)
        case = hotline_request_submit(
            client=client,
            request=HotlineRequest(
                service_code=data["service_code"],
                description=data["description"],
                kind=data.get("kind", ""),
                urgency=data.get("urgency") or Urgency.NORMAL,
                first_name=data.get("first_name", ""),
                last_name=data.get("last_name", ""),
                phone=data.get("phone", ""),
                address=data.get("address_string", ""),
                account_id=data.get("account_id", ""),
            ),
        )
        body = {
            "service_request_id": case.number,
            "service_notice": "",
            "account_id": None,
            "lookup_secret": case.lookup_secret,
        }
        return Response([body], status=status.HTTP_201_CREATED)


@extend_schema(
    tags=["open311"],
    responses={200: Open311RequestSerializer(many=True), **error_responses(401, 404, 429)},
)
class Open311RequestApi(APIView):
    """GeoReport v2: one request by its case number, as a list of one; public. The case's
    public status is the one the REST API and the citizen's page read (case_public_get)."""

    permission_classes = [AllowAny]

    def get(self, request: Request, number: str) -> Response:
        try:
            case = case_public_get(number=number, now=timezone.now())
        except Case.DoesNotExist as missing:
            raise NotFound(_("No case has this number.")) from missing
        context = {"item_names": _item_names()}
        return Response(Open311RequestSerializer([case], many=True, context=context).data)
