"""Raise now what the periodic task raises every 5 minutes: a violation for every new
breach, one-time-notice breach and outage breach, and every refusal-phrase flag of a
case with a founded complaint. With --recheck every breach ever recorded is read, not
only those above the watermark (a repair, after rows were restored from a backup)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from sanctions.services import violations_raise_from_sources


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--recheck", action="store_true", help="read every breach ever recorded"
        )

    def handle(self, *args: Any, recheck: bool = False, **options: Any) -> None:
        result = violations_raise_from_sources(now=timezone.now(), recheck=recheck)
        self.stdout.write(f"{result.total} violations raised")
