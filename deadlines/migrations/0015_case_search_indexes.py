"""Indexes for the staff search (deadlines.selectors.search), on PostgreSQL only.

A search of three or more characters is a substring match (`LIKE '%…%'`), served by a
pg_trgm GIN index per field (pg_trgm indexes Chinese characters under this database's
C.UTF-8 character type). pg_trgm extracts no trigram from a one- or two-character pattern,
so a short search matches a field equal to it or beginning with it (`LIKE '…%'`), served by
a text_pattern_ops btree (the database's collation is not C, so a plain btree cannot serve
LIKE). The case number has that btree already (its unique constraint's `_like` index).

Built CONCURRENTLY, outside a transaction, so a million-case table keeps taking writes.
SQLite (`make test` without a database) scans: every operation here is a no-op there.
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

TRIGRAM_FIELDS = (
    "number",
    "subject",
    "citizen_name",
    "citizen_phone",
    "citizen_address",
    "citizen_account",
)
PREFIX_FIELDS = ("subject", "citizen_name", "citizen_phone", "citizen_address", "citizen_account")


def _indexes() -> list[tuple[str, str]]:
    trigram = [
        (f"case_{field}_trgm", f"USING gin ({field} gin_trgm_ops)") for field in TRIGRAM_FIELDS
    ]
    prefix = [(f"case_{field}_prefix", f"({field} text_pattern_ops)") for field in PREFIX_FIELDS]
    return trigram + prefix


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, definition in _indexes():
        schema_editor.execute(
            f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON deadlines_case {definition}"
        )


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _definition in _indexes():
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("deadlines", "0014_handover_notifications"),
    ]

    operations = [
        TrigramExtension(),
        migrations.RunPython(create_indexes, drop_indexes, elidable=False),
    ]
