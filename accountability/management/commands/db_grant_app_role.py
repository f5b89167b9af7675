"""`manage.py db_grant_app_role`: the application role and its grants (accountability.db_roles)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections

from accountability.db_roles import RoleRefused, connected_as_owner, grant_app_role


class Command(BaseCommand):
    help = (
        "Create or check the role the portal connects as, and grant it SELECT and INSERT "
        "on every table, UPDATE and DELETE outside history, and USAGE on the sequences. "
        "Run as the owner (DATABASE_OWNER_URL) after every migrate; safe to repeat."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--role",
            help="The application role; by default DATABASE_URL's user, who also gets "
            "DATABASE_URL's password.",
        )
        parser.add_argument("--database", default="default", help="The database alias.")

    def handle(self, *args: Any, role: str | None, database: str, **options: Any) -> None:
        app = connections[database].settings_dict
        role = role or app["USER"]
        if not role:
            raise CommandError("Name the application role: --role, or a user in DATABASE_URL.")
        password = app["PASSWORD"] if role == app["USER"] else ""
        try:
            with connected_as_owner(database):
                grants = grant_app_role(role=role, password=password or "", using=database)
        except RoleRefused as refusal:
            raise CommandError(str(refusal)) from None
        self.stdout.write(
            f"{'Created' if grants.created else 'Updated'} the application role {grants.role}: "
            f"insert-only on {grants.history_tables} history tables, "
            f"read-write on {grants.writable_tables} other tables."
        )
