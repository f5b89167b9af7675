"""Recompute the dashboard's daily figures now: the recent days and the changed cases,
or every day with --full (after the working calendar changed, or to load history)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from oversight.services.figures import figures_refresh


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--full", action="store_true", help="recompute every day")

    def handle(self, *args: Any, full: bool = False, **options: Any) -> None:
        days = figures_refresh(now=timezone.now(), full=full)
        self.stdout.write(f"{days} days recomputed")
