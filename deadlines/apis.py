"""REST endpoints for cases (/api/v1/cases/): the list client systems sync from and one
case with its deadlines and public timeline. Protected identities never appear: the
serializers name every field they give, and none carries the citizen's identity, the
free text of the matter or a staff member's name.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.exceptions import NotFound
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request

from accountability.business_dates import validate_business_date
from accountability.models import ApiScope
from accountability.restapi import SyncCursorPagination
from accountability.restapi_errors import CONFLICT_EXCEPTIONS, error_responses
from deadlines.models import (
    Case,
    CaseState,
    Channel,
    ClockKind,
    EventAction,
    MatterKind,
    Urgency,
)
from deadlines.selectors.clocks import Colour, case_colour
from deadlines.selectors.public import (
    PublicCase,
    PublicClock,
    case_public_get,
    case_public_list,
    choice_label,
)
from deadlines.services.cases import CaseConflict
from deadlines.templatetags.moments import deadline_text, local_deadline_text

CONFLICT_EXCEPTIONS.append(CaseConflict)

_JSON = JSONRenderer()


class DepartmentRefSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class CaseBaseSerializer(serializers.Serializer):
    number = serializers.CharField()
    kind = serializers.ChoiceField(source="matter_kind", choices=MatterKind.choices)
    state = serializers.ChoiceField(choices=CaseState.choices)
    state_display = serializers.CharField(source="get_state_display")
    channel = serializers.ChoiceField(choices=Channel.choices)
    urgency = serializers.ChoiceField(choices=Urgency.choices)
    service_item = serializers.CharField(
        source="service_item_code", help_text="A service item code; empty when none."
    )
    department = DepartmentRefSerializer(help_text="The handling department.")
    opened_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    resolved_at = serializers.DateTimeField(allow_null=True)
    closed_at = serializers.DateTimeField(allow_null=True)


class CaseSerializer(CaseBaseSerializer):
    next_due_at = serializers.DateTimeField(
        source="next_due",
        allow_null=True,
        help_text="The earliest running public deadline (feedback, result, closure, review).",
    )
    next_due_display = serializers.SerializerMethodField(
        help_text="next_due_at as people read it: a deadline at midnight is its last day "
        "with 24:00 (2026-12-07 24:00), never 00:00 of the next day."
    )
    overdue = serializers.SerializerMethodField(
        help_text="A running public deadline has passed (the case is red)."
    )

    def get_next_due_display(self, case: Case) -> str | None:
        return _deadline(getattr(case, "next_due", None))

    def get_overdue(self, case: Case) -> bool:
        return case_colour(case, self.context["now"]) == Colour.RED


class ClockSerializer(serializers.Serializer):
    kind = serializers.CharField()
    kind_display = serializers.CharField()
    due_at = serializers.DateTimeField(
        allow_null=True, help_text="Empty while the clock is paused."
    )
    due_display = serializers.SerializerMethodField(
        help_text="due_at as people read it: a deadline at midnight is its last day with "
        "24:00 (2026-12-07 24:00). Empty while the clock is paused."
    )
    due_is_provisional = serializers.BooleanField()
    remaining_seconds = serializers.SerializerMethodField(
        help_text="Wall-clock seconds to the due moment; negative when overdue."
    )
    colour = serializers.ChoiceField(choices=[(c.value, c.value) for c in Colour])
    colour_display = serializers.SerializerMethodField(
        help_text="The colour's name, as the staff pages and the status page show it."
    )

    def get_due_display(self, clock: PublicClock) -> str | None:
        return _deadline(clock.due_at)

    def get_remaining_seconds(self, clock: PublicClock) -> int | None:
        left = clock.remaining
        return None if left is None else int(left.total_seconds())

    def get_colour_display(self, clock: PublicClock) -> str:
        return str(clock.colour.label)


class TimelineEntrySerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    action = serializers.CharField()
    action_display = serializers.CharField()
    from_state = serializers.CharField()
    to_state = serializers.CharField()


class CaseDetailSerializer(CaseBaseSerializer):
    """Documents (and in tests checks) case_detail_data, which writes a PublicCase."""

    state_display = serializers.CharField()
    clocks = ClockSerializer(
        many=True, help_text="The running public deadlines: due moment, time left and colour."
    )
    timeline = TimelineEntrySerializer(source="events", many=True)


class CaseFilter(filters.FilterSet):
    state = filters.ChoiceFilter(
        choices=[("open", "open"), *CaseState.choices],
        method="noop",
        help_text="A state, or “open” for every case not ended.",
    )
    department = filters.CharFilter(method="noop", help_text="A department code.")
    kind = filters.ChoiceFilter(choices=MatterKind.choices, method="noop")
    overdue = filters.BooleanFilter(
        method="noop", help_text="A running public deadline has passed (or not)."
    )
    updated_since = filters.IsoDateTimeFilter(
        method="noop",
        help_text="Changed at or after this moment (ISO 8601 with offset).",
        validators=[validate_business_date],
    )

    def noop(self, queryset: QuerySet[Case], name: str, value: Any) -> QuerySet[Case]:
        # The selector applies the filters (one place for what a client may narrow by).
        return queryset

    def filter_queryset(self, queryset: QuerySet[Case]) -> QuerySet[Case]:
        data = self.form.cleaned_data
        return case_public_list(
            now=timezone.now(),
            state=data.get("state") or "",
            department=data.get("department") or "",
            kind=data.get("kind") or "",
            overdue=data.get("overdue"),
            updated_since=data.get("updated_since"),
        )

    class Meta:
        model = Case
        fields: list[str] = []


@extend_schema(
    tags=["cases"],
    responses={200: CaseSerializer(many=True), **error_responses(400, 401, 403, 404, 429)},
)
class CaseListApi(generics.ListAPIView):
    """Cases, oldest change first, a page at a time (scope ``cases:read``).

    Follow ``next`` until it is null to sync; keep the last ``updated_at`` seen and pass
    it as ``updated_since`` next time (or keep the last cursor). An unreadable ``cursor``
    answers 404."""

    required_scope = ApiScope.CASES_READ
    serializer_class = CaseSerializer
    pagination_class = SyncCursorPagination
    filterset_class = CaseFilter
    queryset = Case.objects.none()

    def get_queryset(self) -> QuerySet[Case]:
        return case_public_list(now=timezone.now())

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "now": timezone.now()}


@extend_schema(
    tags=["cases"],
    responses={200: CaseDetailSerializer, **error_responses(401, 403, 404, 429)},
)
class CaseDetailApi(generics.GenericAPIView):
    """One case by its number: its running public deadlines (due moment, time left,
    colour) and its public timeline (scope ``cases:read``)."""

    required_scope = ApiScope.CASES_READ
    serializer_class = CaseDetailSerializer
    queryset = Case.objects.none()

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        """DRF's dispatch for a GET, less what a GET of this view never uses: parsers (no
        body is read), content negotiation (one renderer, and the answer is rendered
        here; an error's is negotiated by finalize_response as DRF does it) and
        versioning (none). Authentication, scope, throttling, errors and the final
        headers are DRF's own steps, in its order. Other methods take DRF's way."""
        if request.method != "GET":
            return super().dispatch(request, *args, **kwargs)
        self.args, self.kwargs = args, kwargs
        self.headers = self.default_response_headers
        self.format_kwarg = self.get_format_suffix(**kwargs)
        self.request = drf_request = Request(
            request,
            authenticators=self.get_authenticators(),
            negotiator=self.get_content_negotiator(),
        )
        drf_request.version, drf_request.versioning_scheme = self.determine_version(
            drf_request, *args, **kwargs
        )
        try:
            self.perform_authentication(drf_request)
            self.check_permissions(drf_request)
            self.check_throttles(drf_request)
            response = self.get(drf_request, *args, **kwargs)
        except Exception as exc:
            response = self.handle_exception(exc)
        self.response = self.finalize_response(drf_request, response, *args, **kwargs)
        return self.response

    def get(self, request: Request, number: str) -> HttpResponse:
        try:
            case = case_public_get(number=number, now=timezone.now())
        except Case.DoesNotExist as missing:
            raise NotFound(_("No case has this number.")) from missing
        # The JSON as DRF's Response would render it (the view's one renderer, with no
        # Accept parameters to read), without the template response machinery around
        # it, which cost more than the rendering itself.
        return HttpResponse(_JSON.render(case_detail_data(case)), content_type=_JSON.media_type)


def _deadline(value: datetime | None) -> str | None:
    # The human-readable twin of a machine moment: 24:00 of the last day, not 00:00.
    return None if value is None else deadline_text(value)


def case_detail_data(case: PublicCase) -> dict[str, Any]:
    """CaseDetailSerializer's output, written out by hand: client systems poll this
    endpoint, and building a serializer tree per request costs more than the queries.
    The schema test (tests/test_api_schema.py) holds the two to the same shape.

    The moments are written as DRF's DateTimeField writes them, in local time (Asia/
    Shanghai) in ISO 8601; the time zone and the language are looked up once for all of
    them and the labels, which cost more than the rest of the answer when looked up for
    each."""
    zone = timezone.get_current_timezone()
    language = get_language()

    def moment(value: datetime | None) -> str | None:
        return None if value is None else timezone.localtime(value, zone).isoformat()

    clocks = []
    for clock in case.clocks:
        due = None if clock.due_at is None else timezone.localtime(clock.due_at, zone)
        clocks.append(
            {
                "kind": clock.kind,
                "kind_display": choice_label(ClockKind, clock.kind, language),
                "due_at": None if due is None else due.isoformat(),
                # The human-readable twin of the machine moment: 24:00 of the last day.
                "due_display": None if due is None else local_deadline_text(due),
                "due_is_provisional": clock.due_is_provisional,
                "remaining_seconds": None
                if clock.remaining is None
                else int(clock.remaining.total_seconds()),
                "colour": clock.colour.value,
                "colour_display": choice_label(Colour, clock.colour, language),
            }
        )
    return {
        "number": case.number,
        "kind": case.matter_kind,
        "state": case.state,
        "state_display": choice_label(CaseState, case.state, language),
        "channel": case.channel,
        "urgency": case.urgency,
        "service_item": case.service_item_code,
        "department": {"code": case.department.code, "name": case.department.name},
        "opened_at": moment(case.opened_at),
        "updated_at": moment(case.updated_at),
        "resolved_at": moment(case.resolved_at),
        "closed_at": moment(case.closed_at),
        "clocks": clocks,
        "timeline": [
            {
                "at": moment(event.at),
                "action": event.action,
                "action_display": choice_label(EventAction, event.action, language),
                "from_state": event.from_state,
                "to_state": event.to_state,
            }
            for event in case.events
        ],
    }
