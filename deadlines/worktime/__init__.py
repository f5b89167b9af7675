"""Working-time arithmetic for service time limits.

This package is the pure engine behind every deadline in the portal: it knows
the official working calendar (statutory holidays and make-up working days),
business hours, and the Civil Code's rules for counting periods (民法典
§201–§203). It has no Django, no database and never reads the clock: callers
pass every instant in, so the same inputs always give the same deadline and
the engine can be tested and benchmarked on its own.

Units are never converted into one another (see DOMAIN §3): a limit keeps the
unit its regulation uses, and each unit has its own notion of "counted time"
(wall time, business time, working-day time). Pauses and progress shares are
measured in that same counted time.

All arithmetic is done in ``LOCAL_TZ`` wall-clock time. Asia/Shanghai has had a
fixed UTC offset since 1991, so wall-clock time equals elapsed time over the
calendar span; ``WorkCalendar`` checks this when it is built rather than trust it.

The engine is split by topic; import it from this package, which re-exports every
public name:

- ``calendar``: ``WorkCalendar``, the immutable snapshot of working days;
- ``counting``: counted time and its inverse (``counted_time``, ``advance``), the
  deadline of a limit (``compute_due``) and progress (``share_elapsed``, ``remaining``);
- ``explain``: why a deadline falls where it does (``explain_due``);
- ``bulk``: the vectorised recomputation (``compute_working_due_many``) and the
  day-by-day baseline (``naive_add_working_days``);
- ``_common``: what they share (the time zone, units, business hours, ``Due``, the
  counted-time positions); private, but for the public names re-exported here.
"""

from deadlines.worktime._common import (
    DEFAULT_HOURS,
    FIXED_DATE_HOLIDAYS,
    LOCAL_TZ,
    ROUND_THE_CLOCK,
    BusinessHours,
    Due,
    EndRule,
    Unit,
)
from deadlines.worktime.bulk import DueBatch, compute_working_due_many, naive_add_working_days
from deadlines.worktime.calendar import WorkCalendar
from deadlines.worktime.counting import advance, compute_due, counted_time, remaining, share_elapsed
from deadlines.worktime.explain import (
    DayKind,
    DueExplanation,
    ExplainedDay,
    ExplainedPause,
    RollOff,
    explain_due,
)

__all__ = [
    "DEFAULT_HOURS",
    "FIXED_DATE_HOLIDAYS",
    "LOCAL_TZ",
    "ROUND_THE_CLOCK",
    "BusinessHours",
    "DayKind",
    "Due",
    "DueBatch",
    "DueExplanation",
    "EndRule",
    "ExplainedDay",
    "ExplainedPause",
    "RollOff",
    "Unit",
    "WorkCalendar",
    "advance",
    "compute_due",
    "compute_working_due_many",
    "counted_time",
    "explain_due",
    "naive_add_working_days",
    "remaining",
    "share_elapsed",
]
