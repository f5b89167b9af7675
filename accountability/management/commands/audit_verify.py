"""`manage.py audit_verify`: check the audit log's hash chain (accountability.audit)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from accountability.audit import verify_chain


class Command(BaseCommand):
    help = (
        "Check the audit log's hash chain from its first entry: prints OK with the number "
        "of entries and the last hash, or the first broken link, and then exits with 1."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        report = verify_chain()
        if report.broken is not None:
            raise CommandError(
                f"The audit log's chain is broken at entry #{report.broken.entry_id} "
                f"(after {report.entries} intact entries): {report.broken.problem}."
            )
        last_hash = report.last_hash or "(none)"
        self.stdout.write(
            f"OK: {report.entries} audit entries, chain intact; last hash {last_hash}"
        )
