"""The bell in the page header gathers what several apps tell a person: the clocks' yellow
and red cards and reminder notices (this app), refusal-phrase flags for a head (intake),
proposals awaiting a decision and notices served on a head's staff (sanctions).

Imports point one way (ARCHITECTURE), so this app never imports those: each registers a
``BellSource`` from its ``AppConfig.ready()``, and the bell asks every registered source.
The counts stay one query: each source gives a SQL count over its own table, and the
bell adds them in one statement.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from django.db.models import Model
from django.utils import timezone
from django.utils.functional import Promise

if TYPE_CHECKING:
    from django.contrib.auth.models import User


@dataclass(frozen=True)
class BellRow:
    """One line on the notifications page."""

    at: datetime
    kind: str  # what happened, as a label
    text: str  # the line, in the active language
    open_url: str  # POST here to mark it read and go to what it is about
    unread: bool


@dataclass(frozen=True)
class MailItem:
    """One line of a person's notification email: what the source told them, with a link
    (a path the portal answers on GET) to the work itself."""

    pk: int  # the source row, marked emailed once the email went out
    recipient: User
    kind: str
    text: str
    link: str


@dataclass(frozen=True)
class BellSource:
    """What one app tells people under the bell.

    ``unread_sql`` counts one recipient's unread rows (a SELECT COUNT(*) with one
    parameter, the recipient's id); ``awaiting_sql``, when given, counts what awaits the
    recipient's decision the same way (the header links it). ``rows`` gives the newest
    rows of a recipient for the page; ``mark_all_read`` marks them read and says how
    many. A source whose news is work handed to someone (a decision awaiting them) is
    emailed too: ``email_due`` locks up to N of its rows not yet emailed and created
    after a moment (SELECT … FOR UPDATE SKIP LOCKED, in the caller's transaction) and
    ``mark_emailed`` marks them (deadlines.services.notifications)."""

    heading: str | Promise
    unread_sql: Callable[[], str]
    rows: Callable[[User, int], list[BellRow]]
    mark_all_read: Callable[[User], int]
    awaiting_sql: Callable[[], str] | None = None
    email_due: Callable[[datetime, int], list[MailItem]] | None = None
    mark_emailed: Callable[[list[int], datetime], None] | None = None


SOURCES: list[BellSource] = []


def bell_register(source: BellSource) -> None:
    """Called once per app from its AppConfig.ready()."""
    SOURCES.append(source)


# -- read marks of a source's own notification table ---------------------------------------

_Row = TypeVar("_Row", bound=Model)


def source_mark_read(model: type[_Row], *, actor: User, pk: int) -> _Row | None:
    """Mark one of the actor's rows of `model` (a source's notification table, with
    ``recipient`` and ``read_at``) read, once; None when the row is not theirs. Runs in
    the caller's transaction."""
    row: Any = model._default_manager.filter(pk=pk, recipient_id=actor.pk).first()
    if row is not None and row.read_at is None:
        row.read_at = timezone.now()
        row.save(update_fields=["read_at"])
    return row


def source_mark_all_read(model: type[Model], *, actor: User) -> int:
    """Mark every unread row of `model` of the actor read; how many."""
    return model._default_manager.filter(recipient=actor, read_at__isnull=True).update(
        read_at=timezone.now()
    )
