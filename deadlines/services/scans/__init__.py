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

The scans are grouped by what they look for; import them from this package, which
re-exports every one:

- ``cards``: yellow and red cards (``clocks_warn_due``, ``clocks_breach_due``);
- ``reminders``: reminder notices and their circulation (``reminders_issue_due``, and
  the cut-offs it computes);
- ``untold``: extensions and suspensions the citizen was not told about;
- ``everything``: every scan in a day's order (``SCANS``, ``scans_run_all``);
- ``_common``: what they share (batches, the SQL helpers, the marking of clocks);
  private, but for ScanResult and the settings re-exported here.
"""

from deadlines.services.scans._common import (
    BATCH,
    CIRCULATE_AFTER_WORKING_DAYS,
    EXTENSION_LOOKBACK,
    RECEIPT_WAIT,
    ScanResult,
)
from deadlines.services.scans.cards import clocks_breach_due, clocks_warn_due
from deadlines.services.scans.everything import SCANS, scans_run_all
from deadlines.services.scans.reminders import (
    circulation_cutoff,
    reminder_cutoff,
    reminders_issue_due,
)
from deadlines.services.scans.untold import (
    extension_tell_by,
    extensions_flag_untold,
    suspensions_flag_untold,
)

__all__ = [
    "BATCH",
    "CIRCULATE_AFTER_WORKING_DAYS",
    "EXTENSION_LOOKBACK",
    "RECEIPT_WAIT",
    "SCANS",
    "ScanResult",
    "circulation_cutoff",
    "clocks_breach_due",
    "clocks_warn_due",
    "extension_tell_by",
    "extensions_flag_untold",
    "reminder_cutoff",
    "reminders_issue_due",
    "scans_run_all",
    "suspensions_flag_untold",
]
