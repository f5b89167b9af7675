"""A message's status, and what the messages serving a step say about telling the citizen
(``messages_telling``, read by the scans)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from django.db.models import Q

from deadlines.models import CitizenMessage, MessageEvent, MessageStatus

if TYPE_CHECKING:
    pass

# -- status and evidence ------------------------------------------------------------------------


def message_status(message: CitizenMessage) -> str:
    """The status of a message: that of its latest event, queued before any."""
    last = message.events.order_by("-id").first()
    if last is None:
        return MessageStatus.QUEUED
    if last.status == MessageStatus.ATTEMPT:
        return MessageStatus.ATTEMPT
    return str(last.status)


@dataclass(frozen=True)
class Telling:
    """What the messages serving one step say about telling the citizen."""

    told_at: datetime | None  # accepted by the provider, and delivered
    pending: bool  # a message still in flight (not settled)


def messages_telling(
    *, suspension_ids: Iterable[int] = (), extension_ids: Iterable[int] = ()
) -> dict[tuple[str, int], Telling]:
    """For each suspension and extension: when a message serving it reached the
    citizen (sent then, and delivered), and whether one is still in flight. Keys are
    ("suspension", id) and ("extension", id). Two queries."""
    condition = Q(suspension_id__in=list(suspension_ids)) | Q(extension_id__in=list(extension_ids))
    messages = list(
        CitizenMessage.objects.filter(condition).values("pk", "suspension_id", "extension_id")
    )
    events: dict[int, dict[str, datetime]] = {}
    for message_id, status, at in MessageEvent.objects.filter(
        message_id__in=[m["pk"] for m in messages],
        status__in=[MessageStatus.SENT, MessageStatus.DELIVERED, MessageStatus.FAILED],
    ).values_list("message_id", "status", "at"):
        events.setdefault(message_id, {})[status] = at
    result: dict[tuple[str, int], Telling] = {}
    for message in messages:
        key = (
            ("suspension", message["suspension_id"])
            if message["suspension_id"]
            else ("extension", message["extension_id"])
        )
        seen = events.get(message["pk"], {})
        told = seen.get(MessageStatus.SENT) if MessageStatus.DELIVERED in seen else None
        pending = MessageStatus.DELIVERED not in seen and MessageStatus.FAILED not in seen
        before = result.get(key, Telling(None, False))
        best = min((t for t in (before.told_at, told) if t is not None), default=None)
        result[key] = Telling(told_at=best, pending=before.pending or pending)
    return result
