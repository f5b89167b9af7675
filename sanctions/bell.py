"""What the accountability app tells people under the bell (deadlines.bell): proposals
awaiting their decision, notices served on a head's staff. Registered by SanctionsConfig."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from deadlines.bell import BellRow, BellSource
from sanctions.models import (
    DecisionState,
    SanctionDecision,
    SanctionNotification,
    SanctionNotificationKind,
)
from sanctions.selectors import sanction_notification_text, sanction_notifications_for
from sanctions.services.notifications import sanction_notifications_mark_all_read

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


def _rows(user: Any, limit: int) -> list[BellRow]:
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


SOURCE = BellSource(
    heading=_("Accountability"),
    unread_sql=_unread_sql,
    rows=_rows,
    mark_all_read=lambda actor: sanction_notifications_mark_all_read(actor=actor),
    awaiting_sql=_awaiting_sql,
)
