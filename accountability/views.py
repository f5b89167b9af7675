"""Pages of the organisation app: the role landing, placeholders for pages to come, /healthz."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from accountability import health
from accountability.navigation import landing_for


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Send each person to the page their main role works from."""
    landing = landing_for(request.user)
    if landing is not None:
        return redirect(landing.url_name)
    return render(request, "accountability/home.html")


@require_GET
def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask /favicon.ico of whatever names no icon (an API answer, a file): the
    portal's icon, rather than a 404 in their console. Not permanent: the icon's hashed
    name changes with each deployment."""
    return redirect(static("favicon.svg"))


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    problems = {
        "database": health.database_problem(),
        "cache": health.cache_problem(),
        "broker": health.broker_problem(),
    }
    body: dict[str, object] = {
        "status": "ok" if not any(problems.values()) else "error",
        **{part: problem or "ok" for part, problem in problems.items()},
    }
    failing = [part for part, problem in problems.items() if problem]
    if failing:
        body["failing"] = failing
    return JsonResponse(body, status=503 if failing else 200)
