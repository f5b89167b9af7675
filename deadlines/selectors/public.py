"""What the outside sees of a case: the citizen's status page and the REST API's client
systems share it. Public steps and deadlines only; no staff names and no citizen identity.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import connection, models
from django.db.models import Min, OuterRef, Q, QuerySet, Subquery
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from psycopg.pq import Format

from accountability.models import Department
from accountability.rawsql import stored_moment
from deadlines.models import (
    ENDED_STATES,
    Case,
    CaseEvent,
    CaseState,
    CitizenMessage,
    Clock,
    ClockKind,
    EventAction,
    MessageChannel,
    MessageEvent,
    MessageKind,
    MessageStatus,
)
from deadlines.selectors.clocks import Colour, cases_of_colour, clock_colour, running_clocks

# What a citizen sees of the history: the steps of their matter, not the internal ones
# (assignments, supervision, extension requests, ratings).
PUBLIC_ACTIONS = frozenset(
    {
        EventAction.OPEN,
        EventAction.ANSWER,
        EventAction.ACCEPT,
        EventAction.TRANSFER,
        EventAction.ACCEPT_TRANSFER,
        EventAction.START_WORK,
        EventAction.SUSPEND,
        EventAction.RESUME,
        EventAction.APPROVE_EXTENSION,
        EventAction.RESOLVE,
        EventAction.CLOSE,
        EventAction.REQUEST_REVIEW,
        EventAction.REJECT,
        EventAction.TERMINATE,
        EventAction.WITHDRAW,
    }
)
# The deadlines a citizen is owed: an answer, a result, the end of the matter.
PUBLIC_CLOCKS = (ClockKind.FIRST_FEEDBACK, ClockKind.RESULT, ClockKind.CLOSURE, ClockKind.REVIEW)

# The columns the API reads of a case: none of the citizen's identity, no free text.
PUBLIC_FIELDS = (
    "id",
    "number",
    "opened_at",
    "updated_at",
    "channel",
    "matter_kind",
    "urgency",
    "service_item_code",
    "state",
    "resolved_at",
    "closed_at",
    "department__code",
    "department__name",
)


def _running(kinds: tuple[str, ...] = PUBLIC_CLOCKS) -> Q:
    return running_clocks("clocks__") & Q(clocks__kind__in=list(kinds))


def case_public_list(
    *,
    now: datetime,
    state: str = "",
    department: str = "",
    kind: str = "",
    overdue: bool | None = None,
    updated_since: datetime | None = None,
) -> QuerySet[Case]:
    """Cases as client systems see them, each with its next public deadline, its first
    public warning moment (for deadlines.selectors.clocks.case_colour) and its result
    deadline as annotations: one query per page, whatever the page size.

    ``state`` is a CaseState or "open" (not ended); ``department`` a department code."""
    cases = Case.objects.select_related("department").only(*PUBLIC_FIELDS)
    if state == "open":
        cases = cases.exclude(state__in=ENDED_STATES)
    elif state:
        cases = cases.filter(state=state)
    if department:
        cases = cases.filter(department__code=department)
    if kind:
        cases = cases.filter(matter_kind=kind)
    if overdue is not None:
        late = cases_of_colour(Colour.RED, now, kind__in=PUBLIC_CLOCKS)
        cases = cases.filter(late if overdue else ~late)
    if updated_since is not None:
        cases = cases.filter(updated_at__gte=updated_since)
    return cases.annotate(
        next_due=Min("clocks__due_at", filter=_running()),
        first_warning=Min("clocks__warn_at", filter=_running()),
        result_due=Min("clocks__due_at", filter=_running((ClockKind.RESULT,))),
    )


# The labels the API writes, by choices, code and language. Translating a lazy label
# costs more than the dictionary: a case's status named five of them for each request
# (bench/api.py). A process's catalogues do not change once read.
_LABELS: dict[tuple[type[models.Choices], str, str | None], str] = {}


def choice_label(choices: type[models.Choices], value: str, language: str | None) -> str:
    """The label of ``value`` among ``choices`` in ``language`` (the active one, as
    translation.get_language() says), as str(choices(value).label) reads it."""
    key = (choices, value, language)
    label = _LABELS.get(key)
    if label is None:
        with translation.override(language):
            label = _LABELS[key] = str(choices(value).label)
    return label


@dataclass(frozen=True)
class PublicClock:
    """A running public deadline as the outside sees it."""

    kind: str
    due_at: datetime | None  # None while paused
    due_is_provisional: bool
    colour: Colour
    remaining: timedelta | None  # negative when overdue

    @property
    def kind_display(self) -> str:
        return choice_label(ClockKind, self.kind, translation.get_language())


@dataclass(frozen=True)
class PublicEvent:
    at: datetime
    action: str
    from_state: str
    to_state: str

    @property
    def action_display(self) -> str:
        return choice_label(EventAction, self.action, translation.get_language())


# Client systems poll the case-status endpoint, so it costs one plain statement, written
# out once from the models' own table names: compiling ORM queries cost more than running
# them, and under load every further round trip kept a worker waiting (bench/api.py).
# The case, its running public clocks and its public events come back as the rows of one
# UNION ALL, told apart by ``part``. They share columns by type, and the case's row comes
# first, so that PostgreSQL types the columns and SQLite reads the moments as moments:
#
#   part       id     moment1    moment2     moment3      moment4    text1 … text8   flag
#   0 case     case   opened_at  updated_at  resolved_at  closed_at  see _CASE_TEXT
#   1 clock    clock  due_at     warn_at                             kind            provisional
#   2 event    event  at                                             action, from, to
_CASE_TEXT = "c.number, c.channel, c.matter_kind, c.urgency, c.service_item_code, c.state"
_CASE_ID = f"(SELECT id FROM {Case._meta.db_table} WHERE number = %(number)s)"


def _literals(values: Collection[str]) -> str:
    """The choices as SQL literals: the statement's one parameter is then the number,
    which psycopg sends once for its three uses, where two lists of parameters cost
    more to send than the rest of the statement. Only codes of the models' choices."""
    if not all(re.fullmatch("[a-z_]+", value) for value in values):
        raise ValueError(f"Not a choice's code: {sorted(values)}")
    return ", ".join(f"'{value}'" for value in sorted(values))


_STATUS_SQL = (
    f"SELECT 0 AS part, c.id AS id, c.opened_at AS moment1, c.updated_at, c.resolved_at,"
    f" c.closed_at, {_CASE_TEXT}, d.code, d.name, NULL"
    f" FROM {Case._meta.db_table} c JOIN {Department._meta.db_table} d"
    f" ON d.id = c.department_id WHERE c.number = %(number)s"
    f" UNION ALL"
    f" SELECT 1, id, due_at, warn_at, NULL, NULL, kind, NULL, NULL, NULL, NULL, NULL, NULL,"
    f" NULL, due_is_provisional FROM {Clock._meta.db_table}"
    f" WHERE case_id = {_CASE_ID} AND stopped_at IS NULL"
    f" AND kind IN ({_literals(PUBLIC_CLOCKS)})"
    f" UNION ALL"
    f" SELECT 2, id, at, NULL, NULL, NULL, action, from_state, to_state, NULL, NULL, NULL,"
    f" NULL, NULL, NULL FROM {CaseEvent._meta.db_table}"
    f" WHERE case_id = {_CASE_ID} AND action IN ({_literals(PUBLIC_ACTIONS)})"
    f" ORDER BY part, moment1, id"
)


@dataclass(frozen=True)
class PublicDepartment:
    code: str
    name: str


@dataclass(frozen=True)
class PublicCase:
    """A case as client systems see it: public columns only, its running public deadlines
    and its public timeline. No citizen identity, no staff, no free text."""

    number: str
    matter_kind: str
    state: str
    channel: str
    urgency: str
    service_item_code: str
    department: PublicDepartment
    opened_at: datetime
    updated_at: datetime
    resolved_at: datetime | None
    closed_at: datetime | None
    clocks: list[PublicClock]
    events: list[PublicEvent]

    @property
    def state_display(self) -> str:
        return choice_label(CaseState, self.state, translation.get_language())

    @property
    def result_due(self) -> datetime | None:
        """The earliest running result deadline (Open311's expected_datetime), as
        case_public_list annotates ``result_due``: a paused clock has no due moment."""
        return min(
            (c.due_at for c in self.clocks if c.kind == ClockKind.RESULT and c.due_at is not None),
            default=None,
        )


def case_public_get(*, number: str, now: datetime) -> PublicCase:
    """The public status of one case by number, as the outside sees it: the citizen's
    status page, the REST API's case and Open311's single request all read it here.
    Raises Case.DoesNotExist. One plain statement, and plain objects rather than model
    instances: building a Case of thirty fields cost more than reading the dozen the
    outside may see."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Rows in binary: psycopg then reads the moments in C, where Django's loader
            # for timestamptz in text, written in Python, took a third of the statement's
            # time. The moments come back aware, in UTC, as with that loader.
            cursor.cursor.format = Format.BINARY
        cursor.execute(_STATUS_SQL, {"number": number})
        rows = cursor.fetchall()
    if not rows or rows[0][0] != 0:
        raise Case.DoesNotExist(number)
    clocks, events = [], []
    for row in rows[1:]:
        part, _id, moment, warn_at, _moment3, _moment4, text1, text2, text3, *_, provisional = row
        if part == 1:
            clocks.append(
                PublicClock(
                    kind=text1,
                    due_at=(due := stored_moment(moment)),
                    due_is_provisional=bool(provisional),
                    colour=clock_colour(
                        due_at=due, warn_at=stored_moment(warn_at), stopped_at=None, now=now
                    ),
                    remaining=None if due is None else due - now,
                )
            )
        else:
            events.append(PublicEvent(stored_moment(moment), text1, text2, text3))
    (_, _, opened, updated, resolved, closed, number, channel, kind, urgency, item, state,
     code, name, _) = rows[0]  # fmt: skip
    return PublicCase(
        number=number,
        matter_kind=kind,
        state=state,
        channel=channel,
        urgency=urgency,
        service_item_code=item,
        department=PublicDepartment(code=code, name=name),
        opened_at=stored_moment(opened),
        updated_at=stored_moment(updated),
        resolved_at=stored_moment(resolved),
        closed_at=stored_moment(closed),
        clocks=clocks,
        events=events,
    )


@dataclass(frozen=True)
class PublicStage:
    """One step of the matter's path on the citizen's page (受理 → 办理 → 答复 → 办结 →
    评价): done, the current one, or still ahead."""

    label: str
    done: bool
    current: bool


STAGE_LABELS = (
    _("Registered"),
    _("Accepted"),
    _("Being handled"),
    _("Answered"),
    _("Closed"),
    _("Rated"),
)
# How far along each state is, as an index into STAGE_LABELS. A case turned away
# (rejected, terminated, withdrawn) stops where it was: its page says why in words.
STAGE_OF_STATE = {
    CaseState.REGISTERED: 0,
    CaseState.AWAITING_TRANSFER: 0,
    CaseState.ACCEPTED: 1,
    CaseState.IN_PROGRESS: 2,
    CaseState.SUSPENDED: 2,
    CaseState.REOPENED: 2,
    CaseState.RESOLVED: 3,
    CaseState.CLOSED: 4,
}


def public_stages(case: Case) -> list[PublicStage]:
    """The path of the case as the citizen sees it; None of it names a person."""
    reached = STAGE_OF_STATE.get(CaseState(case.state))
    if reached is None:
        return []
    if reached == STAGE_OF_STATE[CaseState.CLOSED] and case.rating is not None:
        reached += 1
    last = len(STAGE_LABELS) - 1
    return [
        PublicStage(
            label=str(label),
            done=index < reached or index == reached == last,
            current=index == reached,
        )
        for index, label in enumerate(STAGE_LABELS)
    ]


@dataclass(frozen=True)
class PublicMessage:
    """A message the portal sent the citizen about their case, as the case pages show
    it: what it was about, how, when, and how far it got (never its text, which may
    carry the lookup secret, nor the number it went to)."""

    at: datetime
    kind: str
    channel: str
    status: str

    @property
    def kind_display(self) -> str:
        return str(MessageKind(self.kind).label)

    @property
    def channel_display(self) -> str:
        return str(MessageChannel(self.channel).label)

    @property
    def status_display(self) -> str:
        return str(MessageStatus(self.status).label)


def case_messages(case: Case) -> list[PublicMessage]:
    """The messages sent about `case`, oldest first, each with the status of its latest
    event (queued before any): one query."""
    latest = MessageEvent.objects.filter(message=OuterRef("pk")).order_by("-id")
    rows = (
        CitizenMessage.objects.filter(case=case)
        .annotate(status=Subquery(latest.values("status")[:1]))
        .order_by("created_at", "id")
        .values_list("created_at", "kind", "channel", "status")
    )
    return [
        PublicMessage(
            at=at,
            kind=kind,
            channel=channel,
            # An attempt under way or one to be retried is still "being sent" to the
            # citizen; the detail is for the administration.
            status=MessageStatus.QUEUED
            if status is None
            else MessageStatus.ATTEMPT
            if status == MessageStatus.ERROR
            else status,
        )
        for at, kind, channel, status in rows
    ]
