"""Write docs/case-states.md, the case state diagram, from the code."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from deadlines.diagram import case_state_diagram

DIAGRAM = Path(settings.BASE_DIR) / "docs" / "case-states.md"


class Command(BaseCommand):
    help = "Write docs/case-states.md, the case state diagram, from the transitions in code."

    def handle(self, *args: Any, **options: Any) -> None:
        DIAGRAM.write_text(case_state_diagram(), encoding="utf-8")
        self.stdout.write(f"Wrote {DIAGRAM.relative_to(settings.BASE_DIR)}")
