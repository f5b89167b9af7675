"""`manage.py migrate`, connected as the tables' owner (DATABASE_OWNER_URL) when it is set:
the portal's own role (DATABASE_URL) may not change the schema (accountability.db_roles)."""

from __future__ import annotations

from typing import Any

from django.core.management.commands import migrate

from accountability.db_roles import connected_as_owner


class Command(migrate.Command):
    def handle(self, *args: Any, **options: Any) -> None:
        with connected_as_owner(options["database"]):
            super().handle(*args, **options)
