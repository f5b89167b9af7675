"""The portal's URLs and, for bench/api.py only, a trivial view: the floor a request
costs through the same gunicorn configuration and middleware, to compare an endpoint
with in the same run. Served only with bench.settings, which only the benchmarks use."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from accountability.urls import *  # noqa: F403
from accountability.urls import urlpatterns as portal

TRIVIAL_PATH = "/bench/trivial/"


def trivial(request: HttpRequest) -> HttpResponse:
    """A few bytes of JSON, no database, no template."""
    return HttpResponse(b'{"ok": true}', content_type="application/json")


# First, so that the floor does not pay for matching the portal's patterns.
urlpatterns = [path(TRIVIAL_PATH.strip("/") + "/", trivial), *portal]
