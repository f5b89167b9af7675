"""Reads for the bell: a person's unread count, their notifications, what each says and
where it leads, and one reminder notice for its printable page."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import connection
from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from deadlines.bell import SOURCES
from deadlines.models import Notification, NotificationKind, Reminder
from deadlines.templatetags.moments import deadline_text

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def bell_counts(*, user: User) -> tuple[int, int]:
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


def notification_list(*, user: User) -> QuerySet[Notification]:
    """A person's notifications, newest first, with what their lines show."""
    return (
        Notification.objects.filter(recipient=user)
        .select_related("case", "clock", "reminder")
        .order_by("-created_at", "-id")
    )


def notification_link(notification: Notification) -> str:
    """Where a notification leads: the printable notice, or the case page (where every
    hand-over's work is done: accepting, assigning, deciding, signing off)."""
    if notification.reminder_id is not None:
        return reverse("deadlines:reminder_detail", args=[notification.reminder_id])
    return reverse("deadlines:case_detail", args=[notification.case.number])


HANDOVER_TEXTS = {
    NotificationKind.HANDED_OVER: gettext_lazy(
        "Case %(number)s (%(subject)s) was given to you to handle."
    ),
    NotificationKind.ARRIVED: gettext_lazy(
        "Case %(number)s (%(subject)s) was registered for your department and awaits acceptance."
    ),
    NotificationKind.TRANSFER_AWAITING: gettext_lazy(
        "Case %(number)s (%(subject)s) was transferred to your department and awaits your "
        "acceptance."
    ),
    NotificationKind.TRANSFER_RETURNED: gettext_lazy(
        "Case %(number)s (%(subject)s), which you transferred, was returned to your department."
    ),
    NotificationKind.EXTENSION_AWAITING: gettext_lazy(
        "An extension on case %(number)s (%(subject)s) awaits your decision."
    ),
    NotificationKind.ESCALATED: gettext_lazy(
        "Case %(number)s (%(subject)s) was reported to you and awaits your instruction."
    ),
    NotificationKind.SUPERVISING: gettext_lazy(
        "You were named to supervise case %(number)s (%(subject)s)."
    ),
    NotificationKind.SIGN_OFF_AWAITING: gettext_lazy(
        "Case %(number)s (%(subject)s) is resolved and awaits your sign-off."
    ),
    NotificationKind.SENT_BACK: gettext_lazy(
        "Case %(number)s (%(subject)s) was not signed off and is back with you to handle."
    ),
}


def notification_text(notification: Notification) -> str:
    """One line saying what happened, in the active language. A hand-over says what
    awaits the recipient. Every scan notification's moment is a deadline (the one warned
    of, the one missed, the one for telling the citizen), so it reads as one: 24:00 of
    its last day, not 00:00 of the next."""
    kind = NotificationKind(notification.kind)
    if kind in HANDOVER_TEXTS:
        # A hand-over's line is the case's number and subject and the step that awaits:
        # never the citizen, whose identity may be protected.
        return str(HANDOVER_TEXTS[kind]) % {
            "number": notification.case.number,
            "subject": notification.case.subject,
        }
    clock = notification.clock
    assert clock is not None  # the scans write every kind but a hand-over with its clock
    values = {
        "clock": clock.get_kind_display(),
        "number": notification.case.number,
        "subject": notification.case.subject,
        "moment": deadline_text(notification.moment),
    }
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
    elif kind == NotificationKind.SUSPENSION_NOT_TOLD:
        text = _(
            "Neither a delivered message nor a logged contact told the citizen of case "
            "%(number)s (%(subject)s) of its suspension by %(moment)s."
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
