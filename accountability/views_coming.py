"""Landing pages whose real content arrives with a later issue.

They say plainly what will be here; they do not pretend to work.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.functional import Promise


def coming_page(
    title: str | Promise, promise: list[str | Promise]
) -> Callable[[HttpRequest], HttpResponse]:
    @login_required
    def view(request: HttpRequest) -> HttpResponse:
        return render(request, "accountability/coming.html", {"title": title, "promise": promise})

    return view
