"""The accountability notifications of a person (SanctionNotification): read marks. They
are created by the decision services (a proposal awaits its deciders; a notice was
served on a unit head's staff) and shown under the bell with the case notifications."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction

from deadlines.bell import source_mark_all_read, source_mark_read
from sanctions.models import SanctionNotification

if TYPE_CHECKING:
    from django.contrib.auth.models import User


@transaction.atomic
def sanction_notification_read(*, actor: User, pk: int) -> SanctionNotification | None:
    """Mark one of the actor's notifications read (once); None when it is not theirs."""
    return source_mark_read(SanctionNotification, actor=actor, pk=pk)


@transaction.atomic
def sanction_notifications_mark_all_read(*, actor: User) -> int:
    """Mark every unread accountability notification of the actor read; how many."""
    return source_mark_all_read(SanctionNotification, actor=actor)
