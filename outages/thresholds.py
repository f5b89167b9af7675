"""Which reports and public notices an outage calls for (DOMAIN §8; seed 003 报告制度,
通报制度): pure functions of the event's kind and figures, no database, no ``now()``.

Every boundary is inclusive, as the seed writes it (以上): 500 households are ≥500,
1,000 households and exactly 8 hours are "≥1000 and ≥8 h".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import models
from django.utils.translation import gettext_lazy as _

# seed 003 报告制度 (1), (2)
REPORT_HOUSEHOLDS = 500
LARGE_HOUSEHOLDS = 1000
LARGE_DURATION = timedelta(hours=8)
# seed 003 报告制度 (2): within 20 minutes of the fault (unit) or of hearing of it (dispatch)
FAULT_REPORT_WITHIN = timedelta(minutes=20)
# seed 003 通报制度 (1): a day ahead; large outages 3 days and again 1 day ahead
NOTICE_DAY_AHEAD = timedelta(days=1)
NOTICE_THREE_DAYS_AHEAD = timedelta(days=3)


class OutageKind(models.TextChoices):
    PLANNED = "planned", _("Planned works")
    FAULT = "fault", _("Fault")


class ObligationKind(models.TextChoices):
    REPORT_DISPATCH = "report_dispatch", _("Report to dispatch")
    REPORT_12345 = "report_12345", _("Report to the 12345 mayor's hotline office")
    NOTIFY_12319 = "notify_12319", _("Tell the 12319 supervision line")
    NOTICE_THREE_DAYS = "notice_3_days", _("Public notice 3 days ahead")
    NOTICE_ONE_DAY = "notice_1_day", _("Public notice 1 day ahead")


# Dispatch owes these; the unit responsible for the outage owes the rest, except the
# public notices, which dispatch sends out (seed 003 通报制度 (1): 生产调度部将停水通知发至
# 集团宣传部).
DISPATCH_OWES = frozenset(
    {
        ObligationKind.REPORT_12345,
        ObligationKind.NOTIFY_12319,
        ObligationKind.NOTICE_THREE_DAYS,
        ObligationKind.NOTICE_ONE_DAY,
    }
)
NOTICES = frozenset({ObligationKind.NOTICE_THREE_DAYS, ObligationKind.NOTICE_ONE_DAY})

# The regulation (by its code in the register) and the article each obligation cites.
CITATIONS: dict[tuple[OutageKind, ObligationKind], tuple[str, str]] = {
    (OutageKind.PLANNED, ObligationKind.REPORT_DISPATCH): (
        "water-supply-service-rules",
        "报告制度 (1)",
    ),
    (OutageKind.PLANNED, ObligationKind.REPORT_12345): (
        "water-supply-service-rules",
        "报告制度 (1)",
    ),
    (OutageKind.PLANNED, ObligationKind.NOTIFY_12319): (
        "water-supply-service-rules",
        "报告制度 (1)",
    ),
    (OutageKind.FAULT, ObligationKind.REPORT_DISPATCH): (
        "water-supply-service-rules",
        "报告制度 (2)",
    ),
    (OutageKind.FAULT, ObligationKind.REPORT_12345): ("water-supply-service-rules", "报告制度 (2)"),
    (OutageKind.FAULT, ObligationKind.NOTIFY_12319): ("water-supply-service-rules", "报告制度 (2)"),
    (OutageKind.PLANNED, ObligationKind.NOTICE_THREE_DAYS): (
        "water-supply-service-rules",
        "通报制度 (1)",
    ),
    (OutageKind.PLANNED, ObligationKind.NOTICE_ONE_DAY): (
        "water-supply-service-rules",
        "通报制度 (1)",
    ),
}


@dataclass(frozen=True)
class Figures:
    """What the thresholds read of an event."""

    kind: str
    households: int
    starts_at: datetime
    ends_at: datetime  # expected restoration, or the actual one once restored

    @property
    def duration(self) -> timedelta:
        return self.ends_at - self.starts_at


def is_large(figures: Figures) -> bool:
    """≥1000 households and ≥8 hours (seed 003 报告制度 (1), (2))."""
    return figures.households >= LARGE_HOUSEHOLDS and figures.duration >= LARGE_DURATION


def obligations_for(figures: Figures, *, large_notice_households: int) -> set[ObligationKind]:
    """The obligations the figures call for. Notices only for planned works: a fault is
    broadcast at once (通报制度 (2)) with no deadline to miss. A "large" outage for the
    notices is one of at least `large_notice_households` households (a setting)."""
    owed: set[ObligationKind] = set()
    if figures.households >= REPORT_HOUSEHOLDS:
        owed.add(ObligationKind.REPORT_DISPATCH)
    if is_large(figures):
        owed |= {ObligationKind.REPORT_12345, ObligationKind.NOTIFY_12319}
    if figures.kind == OutageKind.PLANNED:
        owed.add(ObligationKind.NOTICE_ONE_DAY)
        if figures.households >= large_notice_households:
            owed.add(ObligationKind.NOTICE_THREE_DAYS)
    return owed


def regulated_due(
    kind: str, obligation: str, *, starts_at: datetime, heard_at: datetime
) -> datetime:
    """When an obligation is due when it arises with the event: planned works report
    before work starts and give notice 3 or 1 days ahead; a fault is reported to
    dispatch within 20 minutes of its start, and dispatch reports on within 20 minutes
    of hearing of it (`heard_at`)."""
    if obligation == ObligationKind.NOTICE_THREE_DAYS:
        return starts_at - NOTICE_THREE_DAYS_AHEAD
    if obligation == ObligationKind.NOTICE_ONE_DAY:
        return starts_at - NOTICE_DAY_AHEAD
    if kind == OutageKind.PLANNED:
        return starts_at
    if obligation == ObligationKind.REPORT_DISPATCH:
        return starts_at + FAULT_REPORT_WITHIN
    return heard_at + FAULT_REPORT_WITHIN


def due_when_grown(
    kind: str, obligation: str, *, starts_at: datetime, heard_at: datetime, grew_at: datetime
) -> datetime | None:
    """When an obligation is due that arises because the event grew at `grew_at`.

    The new obligation starts at that moment (issue 10, line 2): a report whose regulated
    moment has passed (the works started, the 20 minutes ran out) is due 20 minutes after
    the change, as a fault's would be. A notice whose moment has passed can no longer be
    given in time and is not owed (``None``): the 1-day notice every planned outage owes
    already covers the citizens."""
    due = regulated_due(kind, obligation, starts_at=starts_at, heard_at=heard_at)
    if obligation in NOTICES:
        return due if due > grew_at else None
    return max(due, grew_at + FAULT_REPORT_WITHIN)
