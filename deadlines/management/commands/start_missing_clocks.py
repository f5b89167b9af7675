"""`manage.py start_missing_clocks`: bring open cases up to today's limit selection."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from deadlines.services.cases import clocks_start_missing


class Command(BaseCommand):
    help = (
        "Start, on every open case, the clocks today's time-limit selection calls for and "
        "the case lacks (an accepted application's promised limit, for one), each from the "
        "case's acceptance. Run after load_defaults and load_catalogue; safe to repeat."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        started = clocks_start_missing()
        if not started:
            self.stdout.write("No open case lacks a clock its time limits call for.")
            return
        self.stdout.write(f"Started {sum(started.values())} clocks on open cases:")
        for code, count in sorted(started.items()):
            self.stdout.write(f"  {code}: {count}")
