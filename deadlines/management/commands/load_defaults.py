"""`manage.py load_defaults`: the data every installation needs, safe to run again.

The working calendar of every year chinesecalendar knows, the register of regulations of
fixtures/regulations.json (those it lacks; administrators maintain the rest), and the
default time-limit policies of fixtures/time_limit_policies.json (new versions where the
file changed), which cite the register.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from accountability.services.regulations import regulations_load
from deadlines.services.calendar import calendar_seed_from_library
from deadlines.services.policies import policies_load

POLICIES_FILE = settings.BASE_DIR / "fixtures" / "time_limit_policies.json"


class Command(BaseCommand):
    help = "Load the official working calendar and the default time-limit policies (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        years = calendar_seed_from_library(actor=None)
        self.stdout.write(
            f"Calendar: entered {years[0]}–{years[-1]}." if years else "Calendar: up to date."
        )
        regulations = regulations_load(actor=None)
        self.stdout.write(
            f"Regulations: {len(regulations.created)} created, {len(regulations.kept)} kept."
        )
        report = policies_load(actor=None, path=POLICIES_FILE)
        self.stdout.write(
            f"Policies: {len(report.created)} created, {len(report.revised)} revised, "
            f"{len(report.unchanged)} unchanged."
        )
