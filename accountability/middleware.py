"""Language selection (Chinese unless the person chose otherwise with the switch), and
refusing a NUL byte in the address before any view sees it."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import BadRequest
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _

from accountability import restapi_errors


class ChosenLanguageMiddleware:
    """Speaks Chinese until someone picks English in the header's language switch (a
    cookie), whatever the browser's Accept-Language says: staff machines often run
    English-language browsers.

    Django's LocaleMiddleware would read Accept-Language and language prefixes in URLs;
    the portal uses neither, so a response varies with the cookie only."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.languages = dict(settings.LANGUAGES)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = (
            chosen
            if chosen in self.languages and translation.check_for_language(chosen)
            else settings.LANGUAGE_CODE
        )
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        patch_vary_headers(response, ("Cookie",))
        response.headers.setdefault("Content-Language", request.LANGUAGE_CODE)
        return response


class RefuseNulMiddleware:
    """A NUL byte (%00) in the path answers 404, and one in the query string 400, before
    any view runs: PostgreSQL refuses NUL in text, so a view that looked the path up
    (a case number) would fail with a server error. Under /api/ and /open311/ the
    answer is the API's JSON error shape."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        api = request.path.startswith(restapi_errors.API_PREFIXES)
        if "\x00" in request.path:
            if api:
                return restapi_errors.not_found(request)
            raise Http404(_("No such page."))
        if "%00" in request.META.get("QUERY_STRING", "") and any(
            "\x00" in key or any("\x00" in value for value in values)
            for key, values in request.GET.lists()
        ):
            message = _("The address holds a character that is not allowed.")
            if api:
                return restapi_errors.bad_request(request, str(message))
            raise BadRequest(message)
        return self.get_response(request)
