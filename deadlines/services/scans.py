"""The periodic scans (DOMAIN §10), run by Celery beat (deadlines.tasks):

* yellow cards: running clocks reaching their warning point (``clocks_warn_due``);
* red cards: running clocks past a firm due moment, each recorded as a breach
  (``clocks_breach_due``); a provisional deadline waits until the calendar is firm;
* reminder notices (催办通知书) the day after a miss, copied to the supervising leader,
  circulated (通报) when the clock is still overdue five working days later
  (``reminders_issue_due``);
* approved extensions the citizen was not told about (``extensions_flag_untold``);
* suspensions the citizen was not told about (``suspensions_flag_untold``).

"Told" is a logged contact with the citizen (FeedbackEntry: staff log a phone call) or a
message serving that step (deadlines.services.messages) sent in time and delivered. A
message sent in time but still awaiting its receipt holds the verdict back for
RECEIPT_WAIT; a failed one tells nobody.

Exactly once, whatever runs at the same moment (two beat instances, a slow run
overlapping the next): clocks are marked with set-based ``UPDATE … WHERE warned_at IS
NULL`` (a second scan re-reads the row and skips it), and breaches, notices and
notifications are inserted with ``INSERT … SELECT … ON CONFLICT DO NOTHING`` against
the unique constraints of deadlines.models.scans. Nothing checks "already done?" in
Python.

Nothing lost: clocks are taken in bounded batches in index order, each batch in its
own transaction (rows locked with SKIP LOCKED, so a parallel scan takes the next
ones). A worker killed mid-scan loses at most the batch in flight, rolled back, and
the next run starts where the marks say it should.

The scans read ``now`` from their caller, never from the database, so tests can move
time.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, TypeVar

from django.db import connection, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from accountability.models import Department
from accountability.selectors import department_leaders
from deadlines.models import (
    Breach,
    BreachKind,
    Clock,
    ClockKind,
    ExtensionRequest,
    FeedbackEntry,
    Notification,
    NotificationKind,
    Reminder,
    ReminderStage,
    Suspension,
)
from deadlines.selectors.calendar import calendar_snapshot
from deadlines.selectors.clocks import Colour, clock_colour_sql
from deadlines.services.messages import Telling, messages_telling
from deadlines.worktime import LOCAL_TZ, WorkCalendar

# Clocks (or breaches) per transaction: small enough that a killed worker loses little
# and locks are short, large enough that a scan of 10,000 due clocks is two round trips.
BATCH = 5_000
# How far back the extension scan looks: telling the citizen is due by the end of the
# next working day, at most a long holiday after the approval.
EXTENSION_LOOKBACK = timedelta(days=30)
# How long a message sent in time may wait for its delivery receipt before the step it
# serves counts as not told.
RECEIPT_WAIT = timedelta(days=1)
# Reminders are circulated this many working days after they were issued.
CIRCULATE_AFTER_WORKING_DAYS = 5

CLOCK = Clock._meta.db_table
BREACH = Breach._meta.db_table
REMINDER = Reminder._meta.db_table
NOTIFICATION = Notification._meta.db_table
DEPARTMENT = Department._meta.db_table


@dataclass
class ScanResult:
    marked: int = 0  # clocks marked (warned or breached)
    created: int = 0  # breaches or reminder notices recorded
    notifications: int = 0

    def add(self, other: ScanResult) -> None:
        self.marked += other.marked
        self.created += other.created
        self.notifications += other.notifications


# -- SQL helpers ---------------------------------------------------------------------------


def _in(column: str, ids: Sequence[int]) -> tuple[str, list[Any]]:
    """``column IN ids`` as SQL and its parameters: one array parameter on PostgreSQL."""
    if connection.vendor == "postgresql":
        return f"{column} = ANY(%s)", [list(ids)]
    return f"{column} IN ({', '.join(['%s'] * len(ids))})", list(ids)


def _fan_out(*recipients: str) -> tuple[str, str]:
    """A CROSS JOIN that repeats each row once per recipient expression, and the CASE
    that picks the recipient of each copy (portable: no LATERAL, no arrays)."""
    numbers = " UNION ALL ".join(f"SELECT {n} AS n" for n in range(1, len(recipients) + 1))
    pick = " ".join(f"WHEN {n} THEN {expr}" for n, expr in enumerate(recipients, start=1))
    return f"CROSS JOIN ({numbers}) AS pick", f"(CASE pick.n {pick} END)"


def _commit_without_waiting() -> None:
    """Inside a scan's batch: do not wait for the commit to reach the disk. A batch lost
    to a database crash is rolled back as a whole (never half-done) and simply redone
    by the next run, which is the scans' guarantee anyway; waiting for every batch's
    WAL flush would only slow the scan down."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit = off")


def _execute(sql: str, params: Sequence[Any]) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return max(cursor.rowcount, 0)


def _insert_ignoring_conflicts(
    table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> int:
    """``INSERT … VALUES … ON CONFLICT DO NOTHING`` for rows worked out in Python;
    returns how many were new (bulk_create(ignore_conflicts=True) cannot say)."""
    inserted = 0
    one = f"({', '.join(['%s'] * len(columns))})"
    for start in range(0, len(rows), 1_000):
        chunk = rows[start : start + 1_000]
        inserted += _execute(
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES {', '.join([one] * len(chunk))} "
            "ON CONFLICT DO NOTHING",
            [value for row in chunk for value in row],
        )
    return inserted


def _notify_breaches(kind: str, where: str, params: Sequence[Any], now: datetime) -> int:
    """Notify, once each, the responsible person and the department head of every
    breach row ``b`` matched by `where` (which may also use the clock ``c``)."""
    cross, who = _fan_out("b.responsible_id", "d.head_id")
    return _execute(
        f"""
        INSERT INTO {NOTIFICATION}
            (recipient_id, kind, case_id, clock_id, breach_id, moment, created_at)
        SELECT {who}, %s, b.case_id, b.clock_id, b.id, b.moment, %s
        FROM {BREACH} b
        JOIN {CLOCK} c ON c.id = b.clock_id
        JOIN {DEPARTMENT} d ON d.id = b.department_id
        {cross}
        WHERE {where} AND {who} IS NOT NULL
        ON CONFLICT DO NOTHING
        """,
        [kind, _at(now), *params],
    )


# -- marking clocks ------------------------------------------------------------------------------


def _at(moment: datetime) -> Any:
    """A moment as raw SQL must receive it (SQLite stores naive UTC text)."""
    return connection.ops.adapt_datetimefield_value(moment)


def _mark(column: str, *, order: str, due: str, now: datetime, batch: int) -> list[int]:
    """Mark the next `batch` clocks of a work list in one set-based statement, and
    return their ids: running clocks with `column` empty and the `due` condition,
    taken in (`order`, id) order from the list's partial index.

    The ``column IS NULL`` in the outer WHERE is the exactly-once guarantee: a scan that
    waited for a row another scan marked re-reads it and leaves it alone. SKIP LOCKED
    lets parallel scans take the next rows instead of waiting. The batch is a
    MATERIALIZED CTE so that it is read once: as a plain ``IN (SELECT … LIMIT …)`` the
    planner may rescan it per row, and the LIMIT would bound nothing."""
    lock = " FOR UPDATE SKIP LOCKED" if connection.vendor == "postgresql" else ""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH batch AS MATERIALIZED (
                SELECT id FROM {CLOCK}
                WHERE {column} IS NULL AND stopped_at IS NULL AND {due}
                ORDER BY {order}, id
                LIMIT %(batch)s{lock}
            )
            UPDATE {CLOCK} SET {column} = %(now)s
            WHERE {column} IS NULL AND id IN (SELECT id FROM batch)
            RETURNING id
            """,
            {"now": _at(now), "batch": batch},
        )
        return [row[0] for row in cursor.fetchall()]


# -- yellow cards ------------------------------------------------------------------------------


def clocks_warn_due(*, now: datetime, batch: int = BATCH) -> ScanResult:
    """Mark the running clocks whose warning point has come (黄牌) and notify the
    responsible person (else the head) and the department head of the deadline itself:
    the notification's moment is the clock's due moment, which its text states. A clock
    already red (deadlines.selectors.clocks) is marked without a yellow card: its red
    card says more."""
    result = ScanResult()
    while True:
        with transaction.atomic():
            _commit_without_waiting()
            ids = _mark(
                "warned_at",
                order="warn_at",
                due="warn_at IS NOT NULL AND warn_at <= %(now)s",
                now=now,
                batch=batch,
            )
            if not ids:
                break
            result.marked += len(ids)
            in_batch, params = _in("c.id", ids)
            cross, who = _fan_out("COALESCE(c.responsible_id, d.head_id)", "d.head_id")
            result.notifications += _execute(
                f"""
                INSERT INTO {NOTIFICATION}
                    (recipient_id, kind, case_id, clock_id, moment, created_at)
                SELECT {who}, %s, c.case_id, c.id, c.due_at, %s
                FROM {CLOCK} c
                JOIN {DEPARTMENT} d ON d.id = c.department_id
                {cross}
                WHERE {in_batch} AND NOT {clock_colour_sql(Colour.RED, now="%s", alias="c")}
                      AND {who} IS NOT NULL
                ON CONFLICT DO NOTHING
                """,
                [NotificationKind.WARNING, _at(now), *params, _at(now)],
            )
        if len(ids) < batch:
            break
    return result


# -- red cards and breaches --------------------------------------------------------------------


def clocks_breach_due(*, now: datetime, batch: int = BATCH) -> ScanResult:
    """Record a breach for every running clock past a firm due moment (红牌): one row
    (clock, overdue, due moment) each, for the sanctions app to turn into a violation;
    mark the clock and notify the responsible person and the department head.

    Overdue means strictly after the due moment: a period ending at 24:00 is kept
    until 24:00. A provisional deadline (next year's calendar not yet published) is
    not in the work list: it breaches once publishing the year makes it firm."""
    result = ScanResult()
    while True:
        with transaction.atomic():
            _commit_without_waiting()
            ids = _mark(
                "breached_at",
                order="due_at",
                due=f"{clock_colour_sql(Colour.RED, now='%(now)s')} AND NOT due_is_provisional",
                now=now,
                batch=batch,
            )
            if not ids:
                break
            result.marked += len(ids)
            in_batch, params = _in("c.id", ids)
            # The breach is who answered for the clock when it was missed: its
            # responsible person, or else the department's head. A deadline that moved
            # back to a moment already recorded conflicts and adds nothing.
            result.created += _execute(
                f"""
                INSERT INTO {BREACH}
                    (clock_id, case_id, kind, moment, detected_at, responsible_id, department_id)
                SELECT c.id, c.case_id, %s, c.due_at, %s,
                       COALESCE(c.responsible_id, d.head_id), c.department_id
                FROM {CLOCK} c
                JOIN {DEPARTMENT} d ON d.id = c.department_id
                WHERE {in_batch}
                ON CONFLICT DO NOTHING
                """,
                [BreachKind.OVERDUE, _at(now), *params],
            )
            result.notifications += _notify_breaches(
                NotificationKind.OVERDUE,
                f"{in_batch} AND b.kind = %s AND b.moment = c.due_at",
                [*params, BreachKind.OVERDUE],
                now,
            )
        if len(ids) < batch:
            break
    return result


# -- reminder notices and circulation -------------------------------------------------------


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, LOCAL_TZ)


def reminder_cutoff(calendar: WorkCalendar, now: datetime) -> datetime:
    """Deadlines at or before this moment are owed their reminder notice by now.

    The reminder goes out on the first working day after the deadline's last day (a
    period ending at 24:00 belongs to the day that ended). Inverted once per scan, so
    the scan compares a column with a constant instead of doing day arithmetic per row."""
    today = timezone.localtime(now, LOCAL_TZ).date()
    last_day = today - timedelta(days=1)
    while calendar.next_working_day(last_day) > today:
        last_day -= timedelta(days=1)
    return _start_of(last_day + timedelta(days=1))


def circulation_cutoff(calendar: WorkCalendar, now: datetime) -> datetime:
    """Reminders issued before this moment are five working days old by now."""
    today = timezone.localtime(now, LOCAL_TZ).date()
    issued = today - timedelta(days=1)
    while calendar.add_working_days(issued, CIRCULATE_AFTER_WORKING_DAYS) > today:
        issued -= timedelta(days=1)
    return _start_of(issued + timedelta(days=1))


# Running clocks still past the deadline their breach row records, read through the
# running-clock index: the cost follows the clocks overdue now, not the history.
_OVERDUE_BREACHES = f"""
    FROM {CLOCK} c
    JOIN {BREACH} b ON b.clock_id = c.id AND b.kind = %(overdue)s AND b.moment = c.due_at
"""
_STILL_OVERDUE = f"""
    WHERE {clock_colour_sql(Colour.RED, now="%(now)s", alias="c")} AND c.breached_at IS NOT NULL
"""
_NOT_YET = f"""
    AND NOT EXISTS (SELECT 1 FROM {REMINDER} x WHERE x.breach_id = b.id AND x.stage = %(stage)s)
    ORDER BY c.due_at, c.id
    LIMIT %(batch)s
"""
# Reminder notices due: the deadline's last day is before the last working day.
_REMINDERS_DUE = f"""
    SELECT b.id, b.responsible_id, b.department_id
    {_OVERDUE_BREACHES} {_STILL_OVERDUE} AND c.due_at <= %(cutoff)s {_NOT_YET}
"""
# Circulation due: the reminder notice is five working days old.
_CIRCULATION_DUE = f"""
    SELECT b.id, r.addressee_id, r.copied_to_id, r.department_id
    {_OVERDUE_BREACHES}
    JOIN {REMINDER} r ON r.breach_id = b.id AND r.stage = %(reminder)s
    {_STILL_OVERDUE} AND r.issued_at < %(cutoff)s {_NOT_YET}
"""


def _issue(stage: str, rows: list[tuple[Any, ...]], now: datetime) -> ScanResult:
    """Record one batch of notices (breach, addressee, leader copied, department) and
    notify the addressee, the leader copied and the department head."""
    result = ScanResult()
    with transaction.atomic():
        _commit_without_waiting()
        result.created = _insert_ignoring_conflicts(
            REMINDER,
            ["breach_id", "stage", "issued_at", "addressee_id", "copied_to_id", "department_id"],
            [
                (breach, stage, _at(now), addressee, leader, dept)
                for breach, addressee, leader, dept in rows
            ],
        )
        in_batch, params = _in("r.breach_id", [row[0] for row in rows])
        cross, who = _fan_out("r.addressee_id", "r.copied_to_id", "d.head_id")
        result.notifications = _execute(
            f"""
            INSERT INTO {NOTIFICATION}
                (recipient_id, kind, case_id, clock_id, breach_id, reminder_id, moment, created_at)
            SELECT {who}, %s, b.case_id, b.clock_id, b.id, r.id, b.moment, %s
            FROM {REMINDER} r
            JOIN {BREACH} b ON b.id = r.breach_id
            JOIN {DEPARTMENT} d ON d.id = r.department_id
            {cross}
            WHERE {in_batch} AND r.stage = %s AND {who} IS NOT NULL
            ON CONFLICT DO NOTHING
            """,
            [stage, _at(now), *params, stage],
        )
    return result


def _due_rows(sql: str, params: dict[str, Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchall())


def reminders_issue_due(*, now: datetime, batch: int = BATCH) -> ScanResult:
    """Issue the reminder notices due the day after a miss (to the handler, copied to
    the supervising leader) and circulate those whose clock is still overdue five
    working days after the notice. A clock stopped in between gets neither."""
    calendar = calendar_snapshot()
    leaders = department_leaders()
    common = {"overdue": BreachKind.OVERDUE, "now": _at(now), "batch": batch}
    stages = [
        (
            ReminderStage.REMINDER,
            _REMINDERS_DUE,
            {**common, "cutoff": _at(reminder_cutoff(calendar, now))},
        ),
        (
            ReminderStage.CIRCULATION,
            _CIRCULATION_DUE,
            {
                **common,
                "reminder": ReminderStage.REMINDER,
                "cutoff": _at(circulation_cutoff(calendar, now)),
            },
        ),
    ]
    result = ScanResult()
    for stage, sql, params in stages:
        while True:
            rows = _due_rows(sql, {**params, "stage": stage})
            if not rows:
                break
            if stage == ReminderStage.REMINDER:
                rows = [(breach, who, leaders.get(dept), dept) for breach, who, dept in rows]
            done = _issue(stage, rows, now)
            result.add(done)
            # A full batch that added nothing is being issued by a parallel scan right
            # now; what it leaves is the next run's.
            if len(rows) < batch or not done.created:
                break
    return result


# -- extensions the citizen was not told about ------------------------------------------------


def extension_tell_by(calendar: WorkCalendar, decided_at: datetime) -> datetime:
    """When the citizen must have heard of an approved extension: by 24:00 of the
    first working day after the approval."""
    day = timezone.localtime(decided_at, LOCAL_TZ).date()
    return _start_of(calendar.next_working_day(day) + timedelta(days=1))


def extensions_flag_untold(
    *, now: datetime, lookback: timedelta = EXTENSION_LOOKBACK
) -> ScanResult:
    """Record a breach for each approved extension with no contact with the citizen
    logged between the request and the end of the working day after the approval.

    The head records when the citizen was told when approving (case_decide_extension),
    but only a logged contact (FeedbackEntry to the citizen) shows that they were: every
    contact is logged (seed 003 投诉责任制度 (1)) and an extension must be told to the
    citizen (seed 001 §6(二); DOMAIN §3)."""
    approved = (
        ExtensionRequest.objects.filter(
            decision=ExtensionRequest.Decision.APPROVED,
            decided_at__gt=now - lookback,
            decided_at__lte=now,
        )
        .exclude(Exists(Breach.objects.filter(extension=OuterRef("pk"))))
        .select_related("clock__department")
        .order_by("decided_at", "id")
    )
    untold = _untold(
        approved,
        step="extension",
        since=lambda extension: extension.requested_at,
        decided=_decided,
        now=now,
    )
    result = ScanResult()
    if not untold:
        return result
    ids = [extension.pk for extension, _ in untold]
    with transaction.atomic():
        _commit_without_waiting()
        result.created = _insert_ignoring_conflicts(
            BREACH,
            [
                "clock_id",
                "case_id",
                "kind",
                "moment",
                "detected_at",
                "responsible_id",
                "department_id",
                "extension_id",
            ],
            [
                (
                    extension.clock_id,
                    extension.case_id,
                    BreachKind.EXTENSION_NOT_TOLD,
                    _at(tell_by),
                    _at(now),
                    extension.clock.responsible_id or extension.clock.department.head_id,
                    extension.clock.department_id,
                    extension.pk,
                )
                for extension, tell_by in untold
            ],
        )
        in_batch, params = _in("b.extension_id", ids)
        result.notifications = _notify_breaches(
            NotificationKind.EXTENSION_NOT_TOLD, in_batch, params, now
        )
    return result


# A step the citizen must be told of.
S = TypeVar("S", ExtensionRequest, Suspension)


def _decided(extension: ExtensionRequest) -> datetime:
    assert extension.decided_at is not None  # approved
    return extension.decided_at


def _untold(
    steps: Iterable[S],
    *,
    step: str,
    since: Callable[[S], datetime],
    decided: Callable[[S], datetime],
    now: datetime,
) -> list[tuple[S, datetime]]:
    """Of the steps the citizen must be told of (an approved extension, a suspension),
    those whose moment to tell (24:00 of the working day after `decided`, on a firm
    calendar) has passed with neither a contact with the citizen logged between `since`
    and then, nor a message serving the step sent by then and delivered; each with that
    moment."""
    calendar = calendar_snapshot()
    due: list[tuple[S, datetime]] = []
    for one in steps:
        tell_by = extension_tell_by(calendar, decided(one))
        # Like a deadline: missed only once it has passed, and only on a firm calendar.
        if tell_by < now and not calendar.is_provisional(tell_by.date() - timedelta(days=1)):
            due.append((one, tell_by))
    if not due:
        return []
    contacts: dict[int, list[datetime]] = defaultdict(list)
    for case_id, at in FeedbackEntry.objects.filter(
        case_id__in={one.case_id for one, _ in due},
        audience=FeedbackEntry.Audience.CITIZEN,
        at__gte=min(since(one) for one, _ in due),
    ).values_list("case_id", "at"):
        contacts[case_id].append(at)
    telling = messages_telling(**{f"{step}_ids": [one.pk for one, _ in due]})
    return [
        (one, tell_by)
        for one, tell_by in due
        if not any(since(one) <= at <= tell_by for at in contacts[one.case_id])
        and not _told_by_message(telling.get((step, one.pk)), tell_by, now)
    ]


def _told_by_message(telling: Telling | None, tell_by: datetime, now: datetime) -> bool:
    """Whether the messages serving a step told the citizen in time, or may still prove
    to have (sent, awaiting the receipt, for RECEIPT_WAIT after the limit)."""
    if telling is None:
        return False
    if telling.told_at is not None and telling.told_at <= tell_by:
        return True
    return telling.pending and now < tell_by + RECEIPT_WAIT


# -- suspensions the citizen was not told about -----------------------------------------------


def suspensions_flag_untold(
    *, now: datetime, lookback: timedelta = EXTENSION_LOOKBACK
) -> ScanResult:
    """Record a breach for each suspension the citizen was not told about (the time, the
    place, and that it does not count: DOMAIN §3) by the end of the working day after it
    began: neither a message serving it, sent by then and delivered, nor a contact with
    the citizen logged between its start and then. The person who suspended the case
    answers for it."""
    started = (
        Suspension.objects.filter(started_at__gt=now - lookback, started_at__lte=now)
        .exclude(Exists(Breach.objects.filter(suspension=OuterRef("pk"))))
        .select_related("case")
        .order_by("started_at", "id")
    )
    untold = _untold(
        started,
        step="suspension",
        since=lambda suspension: suspension.started_at,
        decided=lambda suspension: suspension.started_at,
        now=now,
    )
    if not untold:
        return ScanResult()
    # The breach hangs on the case's result clock (the one the citizen waits for), or on
    # its first clock.
    clocks: dict[int, int] = {}
    for case_id, clock_id, kind in (
        Clock.objects.filter(case_id__in={s.case_id for s, _ in untold})
        .order_by("id")
        .values_list("case_id", "id", "kind")
    ):
        if case_id not in clocks or kind == ClockKind.RESULT:
            clocks[case_id] = clock_id
    rows = [
        (
            clocks[suspension.case_id],
            suspension.case_id,
            BreachKind.SUSPENSION_NOT_TOLD,
            _at(tell_by),
            _at(now),
            suspension.started_by_id,
            suspension.case.department_id,
            suspension.pk,
        )
        for suspension, tell_by in untold
        if suspension.case_id in clocks
    ]
    result = ScanResult()
    if not rows:
        return result
    with transaction.atomic():
        _commit_without_waiting()
        result.created = _insert_ignoring_conflicts(
            BREACH,
            [
                "clock_id",
                "case_id",
                "kind",
                "moment",
                "detected_at",
                "responsible_id",
                "department_id",
                "suspension_id",
            ],
            rows,
        )
        in_batch, params = _in("b.suspension_id", [row[-1] for row in rows])
        result.notifications = _notify_breaches(
            NotificationKind.SUSPENSION_NOT_TOLD, in_batch, params, now
        )
    return result


# -- everything -----------------------------------------------------------------------------------


# Every scan, in the order a day runs them (bench/scan.py times each).
SCANS: dict[str, Callable[..., ScanResult]] = {
    "warnings": clocks_warn_due,
    "breaches": clocks_breach_due,
    "reminders": reminders_issue_due,
    "extensions": extensions_flag_untold,
    "suspensions": suspensions_flag_untold,
}


def scans_run_all(*, now: datetime | None = None) -> dict[str, ScanResult]:
    """Every scan once, in the order a day runs them (bench/scan.py, demo)."""
    now = now or timezone.now()
    return {name: scan(now=now) for name, scan in SCANS.items()}
