"""Produce the half-monthly or monthly report of a period that has ended, by hand (the
beat schedule produces them on the 1st and 16th). A report already kept is not changed.

    manage.py oversight_produce_report --kind month --date 2026-03-01
    manage.py oversight_produce_report --kind half_month --date 2026-03-16

``--date``: any day of the period (default: yesterday)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from oversight.models import ReportKind
from oversight.services.reports import report_produce


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--kind", choices=ReportKind.values, required=True)
        parser.add_argument("--date", type=date.fromisoformat, help="a day of the period")

    def handle(self, *args: Any, kind: str, date: date | None = None, **options: Any) -> None:
        now = timezone.now()
        day = date or timezone.localdate(now) - timedelta(days=1)
        try:
            report, created = report_produce(kind=kind, day=day, now=now)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        verb = "produced" if created else "already kept"
        self.stdout.write(f"{report} (#{report.pk}) {verb}")
