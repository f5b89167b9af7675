"""`manage.py load_rulebook`: the violation types and the rulebook, safe to run again.

Loads fixtures/violation_types.json (new types created, changed ones updated) and
fixtures/rulebook.json (or the file given): a changed rulebook becomes a new version,
the same one loaded again adds nothing. Decisions keep the version they came from.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from accountability.services.regulations import regulations_load
from sanctions.services.rulebook import (
    RULEBOOK_FILE,
    VIOLATION_TYPES_FILE,
    rulebook_load,
    violation_types_load,
)


class Command(BaseCommand):
    help = "Load the violation types and the rulebook from fixtures/ (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--file", type=Path, default=RULEBOOK_FILE, help="Rulebook file.")
        parser.add_argument(
            "--types", type=Path, default=VIOLATION_TYPES_FILE, help="Violation types file."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            # The types and rules cite the register: the default regulations first.
            regulations_load(actor=None)
            report = violation_types_load(actor=None, path=options["types"])
            version, created = rulebook_load(actor=None, path=options["file"])
        except ValidationError as error:
            raise CommandError("\n".join(error.messages)) from error
        self.stdout.write(
            f"Violation types: {len(report.created)} created, {len(report.changed)} changed, "
            f"{len(report.unchanged)} unchanged."
        )
        self.stdout.write(
            f"Rulebook {version.label}: {'new version loaded' if created else 'unchanged'}."
        )
