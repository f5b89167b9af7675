"""What the front desk app tells people under the bell (deadlines.bell): a refusal
phrase flagged for the head to look at. Registered by IntakeConfig."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from deadlines.bell import BellRow, BellSource
from intake.models import RefusalFlagNotification
from intake.services.refusal import refusal_flag_notifications_mark_all_read

if TYPE_CHECKING:
    from django.contrib.auth.models import User

TOLD = RefusalFlagNotification._meta.db_table


def _unread_sql() -> str:
    return f"SELECT COUNT(*) FROM {TOLD} WHERE recipient_id = %s AND read_at IS NULL"


def _rows(user: User, limit: int) -> list[BellRow]:
    notifications = (
        RefusalFlagNotification.objects.filter(recipient=user)
        .select_related("flag__staff", "flag__case")
        .order_by("-created_at", "-id")[:limit]
    )
    return [
        BellRow(
            at=notification.created_at,
            kind=_("Refusal phrase"),
            # Names the staff member and the case, never what was said: the text may carry
            # the complainant's matter.
            text=_("A refusal phrase by %(staff)s on case %(number)s: please look at it.")
            % {
                "staff": notification.flag.staff.get_full_name()
                or notification.flag.staff.get_username(),
                "number": notification.flag.case.number,
            },
            open_url=reverse("intake:refusal_flag_notification_open", args=[notification.pk]),
            unread=notification.read_at is None,
        )
        for notification in notifications
    ]


SOURCE = BellSource(
    heading=gettext_lazy("Refusal-phrase flags"),
    unread_sql=_unread_sql,
    rows=_rows,
    mark_all_read=lambda actor: refusal_flag_notifications_mark_all_read(actor=actor),
)
