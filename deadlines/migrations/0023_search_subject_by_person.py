"""Indexes for counting a search of a common word in a person's list (issue 24;
deadlines.selectors.cases.case_list_for_person, and search.surely_found, count_up_to):
the cases a user handles, and those they first responded to, by subject, with their
state.

As migration 0022's (department, subject) index does for a department: a front desk is
first responder of a tenth of the cases, and its list's count of a word that a fifth of
the subjects hold read the trigram index's 200k entries and the desk's 100k (35-50 ms at
a million cases); the user's cases whose subject begins with the word are some of the
hits, more than the cap of them within a thousand entries of these indexes, read without
the table: the state for the list's state filter, and, for the cases first responded to,
the handler, to leave out those the user handles, counted from the other index.

On PostgreSQL only (text_pattern_ops: the database's collation is not C, so a plain btree
cannot serve LIKE), built CONCURRENTLY, outside a transaction, so a million-case table
keeps taking writes. SQLite scans: a no-op there.
"""

from django.db import migrations

INDEXES = {
    "case_handler_subject_prefix": "(handler_id, subject text_pattern_ops) INCLUDE (state)",
    "case_first_responder_subject_prefix": (
        "(first_responder_id, subject text_pattern_ops) INCLUDE (state, handler_id)"
    ),
}


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, definition in INDEXES.items():
        schema_editor.execute(
            f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON deadlines_case {definition}"
        )


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("deadlines", "0022_search_subject_by_department"),
    ]

    operations = [
        migrations.RunPython(create_indexes, drop_indexes, elidable=False),
    ]
