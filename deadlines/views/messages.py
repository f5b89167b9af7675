"""Delivery receipts pushed by the SMS providers (README "Messages to the citizen").

No sign-in and no CSRF token (a provider's server calls it), so the signature is the only
key: a push whose signature is missing, wrong or stale is refused with 403 and changes
nothing (deadlines.messaging.receipts).
"""

from __future__ import annotations

import logging

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from deadlines.messaging import BACKENDS, backend_get
from deadlines.messaging.receipts import BadSignature, receipt_verify
from deadlines.services.messages import message_receipts_record

logger = logging.getLogger(__name__)

# A push is a batch of receipts; a larger body is not a provider's.
MAX_BODY = 1_000_000


@csrf_exempt
@require_POST
def message_receipts(request: HttpRequest, provider: str) -> HttpResponse:
    if provider not in BACKENDS:
        raise Http404
    body = request.body
    if len(body) > MAX_BODY:
        return JsonResponse({"code": 413, "msg": "too large"}, status=413)
    try:
        receipt_verify(provider, body, request.headers)
    except BadSignature as error:
        logger.warning("Delivery receipt from %s refused: %s", provider, error)
        return JsonResponse({"code": 403, "msg": "bad signature"}, status=403)
    try:
        receipts = backend_get(provider).parse_receipts(body)
    except (ValueError, KeyError, TypeError):
        return JsonResponse({"code": 400, "msg": "unreadable"}, status=400)
    recorded = message_receipts_record(receipts=receipts, now=timezone.now())
    # Both providers read "code 0" as "received, do not push again".
    return JsonResponse({"code": 0, "msg": "ok", "recorded": recorded})
