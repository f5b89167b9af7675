"""`manage.py load_catalogue`: the default service catalogue, safe to run again.

Loads fixtures/service_catalogue.json (or the file given): new items get version 1,
changed ones a new version, unchanged ones are left alone.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from intake.services.catalogue import catalogue_load

CATALOGUE_FILE = Path(settings.BASE_DIR) / "fixtures" / "service_catalogue.json"


class Command(BaseCommand):
    help = "Load the service catalogue from fixtures/service_catalogue.json (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--file", type=Path, default=CATALOGUE_FILE, help="The catalogue file to load."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        try:
            report = catalogue_load(actor=None, path=path)
        except ValidationError as error:
            raise CommandError("\n".join(error.messages)) from error
        self.stdout.write(
            f"Catalogue: {len(report.created)} created, {len(report.revised)} revised, "
            f"{len(report.unchanged)} unchanged."
        )
        if report.without_department:
            # Not an error: a fresh installation loads the catalogue before its org chart.
            self.stderr.write(
                "No department with the code given, loaded without one (run again once the "
                f"departments exist): {', '.join(report.without_department)}."
            )
