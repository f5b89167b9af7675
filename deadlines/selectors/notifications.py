"""Reads for the bell: a person's unread count, their notifications, what each says and
where it leads, and one reminder notice for its printable page."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _

from deadlines.bell import SOURCES
from deadlines.models import Notification, NotificationKind, Reminder
from deadlines.templatetags.moments import deadline_text


def bell_counts(*, user: Any) -> tuple[int, int]:
    """The bell's number and the "awaiting my decision" count, in one query: the unread
    case notifications plus the unread rows of every registered source
    (deadlines.bell), and what awaits the person's decision."""
    unread = [
        f"SELECT COUNT(*) FROM {Notification._meta.db_table} "
        "WHERE recipient_id = %s AND read_at IS NULL",
        *(source.unread_sql() for source in SOURCES),
    ]
    awaiting = [source.awaiting_sql() for source in SOURCES if source.awaiting_sql]
    sql = "SELECT " + " + ".join(f"({part})" for part in unread)
    sql += ", " + (" + ".join(f"({part})" for part in awaiting) if awaiting else "0")
    with connection.cursor() as cursor:
        cursor.execute(sql, [user.pk] * (len(unread) + len(awaiting)))
        total, waiting = cursor.fetchone()
    return int(total), int(waiting or 0)


def notification_list(*, user: Any) -> QuerySet[Notification]:
    """A person's notifications, newest first, with what their lines show."""
    return (
        Notification.objects.filter(recipient=user)
        .select_related("case", "clock", "reminder")
        .order_by("-created_at", "-id")
    )


def notification_link(notification: Notification) -> str:
    """Where a notification leads: the printable notice, or the case page."""
    if notification.reminder_id is not None:
        return reverse("deadlines:reminder_detail", args=[notification.reminder_id])
    return reverse("deadlines:case_detail", args=[notification.case.number])


def notification_text(notification: Notification) -> str:
    """One line saying what happened, in the active language. Every notification's
    moment is a deadline (the one warned of, the one missed, the one for telling the
    citizen), so it reads as one: 24:00 of its last day, not 00:00 of the next."""
    values = {
        "clock": notification.clock.get_kind_display(),
        "number": notification.case.number,
        "subject": notification.case.subject,
        "moment": deadline_text(notification.moment),
    }
    kind = notification.kind
    if kind == NotificationKind.WARNING:
        text = _("“%(clock)s” of case %(number)s (%(subject)s) is due at %(moment)s.")
    elif kind == NotificationKind.OVERDUE:
        text = _(
            "“%(clock)s” of case %(number)s (%(subject)s) was due at %(moment)s and is overdue."
        )
    elif kind == NotificationKind.EXTENSION_NOT_TOLD:
        text = _(
            "No contact with the citizen of case %(number)s (%(subject)s) was logged by "
            "%(moment)s to tell them of the approved extension."
        )
    elif kind == NotificationKind.REMINDER:
        text = _(
            "Reminder notice: “%(clock)s” of case %(number)s (%(subject)s) has been overdue "
            "since %(moment)s."
        )
    else:
        text = _(
            "Reminder notice circulated: “%(clock)s” of case %(number)s (%(subject)s) is still "
            "overdue since %(moment)s."
        )
    return text % values


def reminder_get(*, pk: int) -> Reminder:
    """One reminder notice with everything its printed page shows; raises DoesNotExist."""
    return Reminder.objects.select_related(
        "breach__clock__policy__regulation",
        "breach__case__department",
        "breach__responsible",
        "addressee",
        "copied_to",
        "department",
    ).get(pk=pk)
