"""The bell's pages: a person's notifications (yellow and red cards, reminder notices),
marking them read, and the printable reminder notice (催办通知书)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accountability.http import AuthenticatedHttpRequest
from accountability.rules import may
from deadlines.bell import SOURCES
from deadlines.models import Notification, Reminder
from deadlines.selectors.notifications import (
    notification_link,
    notification_list,
    notification_text,
    reminder_get,
)
from deadlines.services.notifications import notification_mark_read, notifications_mark_all_read

PAGE_SIZE = 25


@login_required
@require_GET
def notifications(request: AuthenticatedHttpRequest) -> HttpResponse:
    page = Paginator(notification_list(user=request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    sections = [(source.heading, source.rows(request.user, PAGE_SIZE)) for source in SOURCES]
    return render(
        request,
        "deadlines/notifications.html",
        {
            "page": page,
            "rows": [(n, notification_text(n), notification_link(n)) for n in page],
            "sections": [(heading, rows) for heading, rows in sections if rows],
        },
    )


@login_required
@require_POST
def notification_open(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Mark the notification read and go where it leads."""
    notification = (
        Notification.objects.select_related("case")
        .filter(pk=pk, recipient_id=request.user.pk)
        .first()
    )
    if notification is None:
        raise Http404(_("No such notification."))
    notification_mark_read(actor=request.user, notification=notification)
    return redirect(notification_link(notification))


@login_required
@require_POST
def notifications_read(request: AuthenticatedHttpRequest) -> HttpResponse:
    count = notifications_mark_all_read(actor=request.user)
    messages.success(request, _("%(count)s notifications marked read.") % {"count": count})
    return redirect("deadlines:notifications")


@login_required
@require_GET
def reminder_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The printable reminder notice: for its addressee, the leader copied, and whoever
    may see the case."""
    try:
        reminder = reminder_get(pk=pk)
    except Reminder.DoesNotExist:
        raise Http404(_("No such reminder notice.")) from None
    user, breach = request.user, reminder.breach
    if user.pk not in (reminder.addressee_id, reminder.copied_to_id) and not may(
        user, "deadlines.view_case", breach.case
    ):
        raise PermissionDenied(_("This reminder notice is not one you may see."))
    return render(
        request,
        "deadlines/reminder.html",
        {
            "reminder": reminder,
            "breach": breach,
            "clock": breach.clock,
            "case": breach.case,
        },
    )
