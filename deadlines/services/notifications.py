"""Notifications: those of a hand-over, written by the case services in their own
transaction (work arrived for someone: handover_notify and its callers in
deadlines.services.cases), read marks, and email when the portal has an outgoing mail
server (EMAIL_HOST). The scans write theirs in deadlines.services.scans."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from itertools import chain
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from deadlines.bell import SOURCES, MailItem
from deadlines.models import CaseEvent, Notification
from deadlines.selectors.notifications import notification_link, notification_text

if TYPE_CHECKING:
    from django.contrib.auth.models import User

# Only recent notifications are emailed: turning email on later must not send a flood of
# old news, and the work list (a partial index on unsent rows) stays short.
EMAIL_WINDOW = timedelta(days=1)
EMAIL_BATCH = 500


def email_configured() -> bool:
    return bool(getattr(settings, "EMAIL_HOST", ""))


def handover_notify(event: CaseEvent, kind: str, *recipients: Any) -> list[Notification]:
    """Tell the new owners of the work `event` handed over that it arrived (issue 22), in
    the caller's transaction, so a refused or rolled-back step tells nobody. Never the
    event's actor (they know what they did), never a person named in the complaint
    (recusal: the case is not theirs to see), never an inactive account; each person once.
    The email follows through notifications_email_pending like every other notification."""
    case = event.case
    barred = set(case.accused_ids) | {event.actor_id}
    told: dict[int, Notification] = {}
    for person in recipients:
        if person is None or person.pk in barred or person.pk in told or not person.is_active:
            continue
        told[person.pk] = Notification(
            recipient=person,
            kind=kind,
            case=case,
            event=event,
            moment=event.at,
            created_at=event.at,
        )
    return Notification.objects.bulk_create(told.values())


@transaction.atomic
def notification_mark_read(*, actor: User, notification: Notification) -> Notification:
    """Mark one of the actor's notifications read (once: a second call changes nothing)."""
    if notification.recipient_id != actor.pk:
        raise PermissionDenied(_("This notification is not yours."))
    Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
        read_at=timezone.now()
    )
    notification.refresh_from_db(fields=["read_at"])
    return notification


@transaction.atomic
def notifications_mark_all_read(*, actor: User) -> int:
    """Mark every unread notification of the actor read, those of the other apps under
    the bell too (deadlines.bell); returns how many."""
    cases = Notification.objects.filter(recipient=actor, read_at__isnull=True).update(
        read_at=timezone.now()
    )
    return cases + sum(source.mark_all_read(actor) for source in SOURCES)


def _case_item(notification: Notification) -> MailItem:
    return MailItem(
        pk=notification.pk,
        recipient=notification.recipient,
        kind=notification.get_kind_display(),
        text=notification_text(notification),
        link=notification_link(notification),
    )


def _message(recipient: User, items: list[MailItem]) -> EmailMessage:
    base = getattr(settings, "PORTAL_URL", "").rstrip("/")
    lines = [
        _("Dear %(name)s,") % {"name": recipient.get_full_name() or recipient.get_username()},
        "",
        _("The service accountability portal has new notifications for you:"),
        "",
    ]
    for item in items:
        lines.append(f"• {item.kind}: {item.text}")
        lines.append(f"  {base}{item.link}")
    lines += ["", _("This message was sent automatically; please do not reply.")]
    return EmailMessage(
        subject=_("[Service accountability] %(count)s new notifications") % {"count": len(items)},
        body="\n".join(lines),
        to=[recipient.email],
    )


def notifications_email_pending(*, now: datetime) -> int:
    """Send each recipient one email listing their notifications not yet emailed (from
    the last day): the case notifications and what the other apps' bell sources email
    (a sanction awaiting a decision, deadlines.bell), in batches; returns how many
    notifications went out by email.

    A batch is locked (SKIP LOCKED, so a parallel run takes other rows), sent, and
    marked in one transaction: a worker killed while sending rolls the marks back and
    the next run sends the batch again — at least once, never silently dropped.
    Recipients without an address are marked too, so they are not looked at again."""
    if not email_configured():
        return 0
    since = now - EMAIL_WINDOW
    mailing = [
        (source.email_due, source.mark_emailed)
        for source in SOURCES
        if source.email_due and source.mark_emailed
    ]
    sent = 0
    while True:
        with transaction.atomic(), translation.override(settings.LANGUAGE_CODE):
            cases = list(
                Notification.objects.filter(emailed_at__isnull=True, created_at__gt=since)
                .select_for_update(skip_locked=True, of=("self",))
                .select_related("recipient", "case", "clock")
                .order_by("created_at", "id")[:EMAIL_BATCH]
            )
            batches = [[_case_item(notification) for notification in cases]]
            batches += [email_due(since, EMAIL_BATCH) for email_due, _ in mailing]
            by_recipient: dict[int, list[MailItem]] = defaultdict(list)
            for item in chain.from_iterable(batches):
                by_recipient[item.recipient.pk].append(item)
            addressed = [items for items in by_recipient.values() if items[0].recipient.email]
            if addressed:
                get_connection().send_messages(
                    [_message(items[0].recipient, items) for items in addressed]
                )
            sent += sum(len(items) for items in addressed)
            Notification.objects.filter(pk__in=[n.pk for n in cases]).update(emailed_at=now)
            for (_, mark_emailed), batch in zip(mailing, batches[1:], strict=True):
                mark_emailed([item.pk for item in batch], now)
        if all(len(batch) < EMAIL_BATCH for batch in batches):
            break
    return sent
