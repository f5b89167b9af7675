"""Every scan, in the order a day runs them (``SCANS``), and ``scans_run_all``."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from django.utils import timezone

from deadlines.services.scans._common import ScanResult
from deadlines.services.scans.cards import clocks_breach_due, clocks_warn_due
from deadlines.services.scans.reminders import reminders_issue_due
from deadlines.services.scans.untold import extensions_flag_untold, suspensions_flag_untold

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
