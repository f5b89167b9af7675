"""The portal's error pages (403, 404, CSRF failure) in its layout and language, with the
reason the server gave; the API and Open311 keep their JSON error shape. The 500 page is
handler500 in restapi_errors, rendering the static templates/500.html.

A reason reaches the page only when the portal's own code wrote it: every PermissionDenied
and Http404 the apps raise carries a translated sentence. Django's own reasons name
internals (get_object_or_404 names the model class, the resolver the URL patterns tried),
so they give way to the page's general sentence.
"""

from __future__ import annotations

import re

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.views.decorators.csrf import requires_csrf_token

from accountability import restapi_errors

# get_object_or_404's "No Case matches the given query.": names a class, in English.
_DJANGO_NOT_FOUND = re.compile(r"^No \w+ matches the given query\.$")


def _reason(exception: Exception | None) -> str:
    """The message the portal raised, or "" when there is none fit for a user."""
    if exception is None or not exception.args:
        return ""
    raised = exception.args[0]
    if not isinstance(raised, str | Promise):  # the resolver's dict of patterns tried
        return ""
    message = str(raised)  # a lazy translation speaks the request's language now
    return "" if _DJANGO_NOT_FOUND.match(message) else message


@requires_csrf_token
def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """handler403."""
    reason = _reason(exception)
    if request.path.startswith(restapi_errors.API_PREFIXES):
        return restapi_errors.forbidden(request, reason or _("You may not do this."))
    return render(request, "403.html", {"reason": reason}, status=403)


@requires_csrf_token
def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """handler404."""
    if request.path.startswith(restapi_errors.API_PREFIXES):
        return restapi_errors.not_found(request)
    return render(request, "404.html", {"reason": _reason(exception)}, status=404)


@requires_csrf_token
def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """CSRF_FAILURE_VIEW: Django's reason ("CSRF token missing.") is for developers; the
    person is told what happened in words they can act on."""
    message = _(
        "The form had expired or came from another page. Go back, reload the page and "
        "send it again."
    )
    return render(request, "403.html", {"reason": message}, status=403)
