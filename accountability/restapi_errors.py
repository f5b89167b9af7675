"""The REST API's one error shape, and its description in the OpenAPI schema.

Every error answers with

    {"error": {"status": 404, "code": "not_found", "message": "…", "details": {…}}}

``details`` only for validation errors: field name → list of messages. An error the
API did not foresee answers 500 in the same shape (and is logged with its traceback), so
that a client system never has to read an HTML page.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import inline_serializer
from rest_framework import exceptions, serializers
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

logger = logging.getLogger("django.request")

API_PREFIXES = ("/api/", "/open311/")


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "accountability.restapi.ApiTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": _("A client token created in the admin (API clients)."),
        }


def _error(status: int, code: str, message: str, details: Any = None) -> dict[str, Any]:
    body: dict[str, Any] = {"status": status, "code": code, "message": message}
    if details is not None:
        body["details"] = details
    return {"error": body}


ERROR_CODES = {
    400: "invalid",
    401: "not_authenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    415: "unsupported_media_type",
    429: "throttled",
    500: "server_error",
}


class Conflict(exceptions.APIException):
    status_code = 409
    default_detail = "The request conflicts with the current state."
    default_code = "conflict"


# Exceptions that mean "someone changed it first" (409). Apps above this one register
# theirs (deadlines.apis registers CaseConflict), keeping imports pointing one way.
CONFLICT_EXCEPTIONS: list[type[Exception]] = []


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Every error in the one shape; Django's own exceptions mapped to their status."""
    if isinstance(exc, DjangoValidationError):
        details = (
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
        exc = exceptions.ValidationError(details)
    elif isinstance(exc, tuple(CONFLICT_EXCEPTIONS)):
        exc = Conflict(str(exc))
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    response = drf_exception_handler(exc, context)
    if response is None:
        request = context.get("request")
        logger.error(
            "Internal Server Error: %s",
            getattr(request, "path", ""),
            exc_info=exc,
            extra={"status_code": 500, "request": getattr(request, "_request", None)},
        )
        return Response(_server_error_body(), status=500)
    status = response.status_code
    code = ERROR_CODES.get(status, "error")
    if isinstance(exc, exceptions.ValidationError):
        data = exc.detail
        details = data if isinstance(data, dict) else {"non_field_errors": data}
        response.data = _error(status, code, _("The request is not valid."), details)
    else:
        detail = getattr(exc, "detail", "")
        response.data = _error(status, code, str(detail))
    return response


def _server_error_body() -> dict[str, Any]:
    return _error(500, "server_error", _("The server failed to answer. Please try again later."))


def not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
    """Unknown addresses under /api/ and /open311/ answer in the API's shape, not HTML."""
    return JsonResponse(_error(404, "not_found", _("No such endpoint.")), status=404)


def bad_request(request: HttpRequest, message: str) -> JsonResponse:
    return JsonResponse(_error(400, "invalid", message), status=400)


def forbidden(request: HttpRequest, message: str) -> JsonResponse:
    return JsonResponse(_error(403, "permission_denied", message), status=403)


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: an error outside the API's views (in a middleware, say) still answers
    the API's clients in its shape; pages get templates/500.html, static (it renders with
    no request context and no database, which may be what failed)."""
    if request.path.startswith(API_PREFIXES):
        return JsonResponse(_server_error_body(), status=500)
    return defaults.server_error(request)


ERROR_SCHEMA = inline_serializer(
    name="Error",
    fields={
        "error": inline_serializer(
            name="ErrorBody",
            fields={
                "status": serializers.IntegerField(),
                "code": serializers.CharField(),
                "message": serializers.CharField(),
                "details": serializers.DictField(required=False),
            },
        )
    },
)


def error_responses(*statuses: int) -> dict[int, Any]:
    """For extend_schema(responses=…): the error shape under each status."""
    return dict.fromkeys(statuses, ERROR_SCHEMA)
