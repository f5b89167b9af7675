"""What the accountability app tells people under the bell (deadlines.bell): proposals
awaiting their decision, notices served on a head's staff. Registered by SanctionsConfig."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from deadlines.bell import BellRow, BellSource, MailItem
from sanctions.models import (
    DecisionState,
    SanctionDecision,
    SanctionNotification,
    SanctionNotificationKind,
)
from sanctions.selectors import sanction_notification_text, sanction_notifications_for
from sanctions.services.notifications import sanction_notifications_mark_all_read

if TYPE_CHECKING:
    from django.contrib.auth.models import User

TOLD = SanctionNotification._meta.db_table
DECISIONS = SanctionDecision._meta.db_table


def _unread_sql() -> str:
    return f"SELECT COUNT(*) FROM {TOLD} WHERE recipient_id = %s AND read_at IS NULL"


def _awaiting_sql() -> str:
    return (
        f"SELECT COUNT(*) FROM {TOLD} n JOIN {DECISIONS} d ON d.id = n.decision_id "
        f"WHERE n.recipient_id = %s AND n.kind = '{SanctionNotificationKind.DECISION_AWAITING}' "
        f"AND d.state = '{DecisionState.PROPOSED}'"
    )


def _rows(user: User, limit: int) -> list[BellRow]:
    return [
        BellRow(
            at=notification.created_at,
            kind=notification.get_kind_display(),
            text=sanction_notification_text(notification),
            open_url=reverse("sanctions:notification_open", args=[notification.pk]),
            unread=notification.read_at is None,
        )
        for notification in sanction_notifications_for(user=user)[:limit]
    ]


def _link(notification: SanctionNotification) -> str:
    if notification.kind == SanctionNotificationKind.DECISION_AWAITING:
        return reverse("sanctions:decision", args=[notification.decision_id])
    return reverse("deadlines:notifications")


def _email_due(since: datetime, limit: int) -> list[MailItem]:
    due = (
        SanctionNotification.objects.filter(emailed_at__isnull=True, created_at__gt=since)
        .select_for_update(skip_locked=True, of=("self",))
        .select_related(
            "recipient", "decision__person", "decision__violation__type", "decision__proposed_by"
        )
        .order_by("created_at", "id")[:limit]
    )
    return [
        MailItem(
            pk=notification.pk,
            recipient=notification.recipient,
            kind=notification.get_kind_display(),
            text=sanction_notification_text(notification),
            link=_link(notification),
        )
        for notification in due
    ]


def _mark_emailed(pks: list[int], now: datetime) -> None:
    SanctionNotification.objects.filter(pk__in=pks).update(emailed_at=now)


SOURCE = BellSource(
    heading=_("Accountability"),
    unread_sql=_unread_sql,
    rows=_rows,
    mark_all_read=lambda actor: sanction_notifications_mark_all_read(actor=actor),
    awaiting_sql=_awaiting_sql,
    email_due=_email_due,
    mark_emailed=_mark_emailed,
)
