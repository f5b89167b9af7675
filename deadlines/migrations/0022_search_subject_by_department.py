"""An index for counting a search of a common word (issue 24; deadlines.selectors.search,
surely_found and count_up_to): a department's cases by subject, with their state.

A search counts its hits up to a cap. For a word of the subject that a fifth of the cases
hold, reading its trigram index (migration 0015: 200k entries at a million cases) is the
count's floor, 35-50 ms; the cases of the user's own department (or of the department
list) whose subject begins with the word are some of the hits, and this index holds
more than the cap of them in its first thousand entries, read without the table (the
state included for the list's state filter): the hits themselves are then not read.
A rare word finds nothing here after one descent of the index.

On PostgreSQL only (a text_pattern_ops btree, as in 0015: the database's collation is
not C, so a plain btree cannot serve LIKE), built CONCURRENTLY, outside a transaction, so
a million-case table keeps taking writes. SQLite scans: a no-op there.
"""

from django.db import migrations

NAME = "case_department_subject_prefix"
DEFINITION = "(department_id, subject text_pattern_ops) INCLUDE (state)"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {NAME} ON deadlines_case {DEFINITION}"
    )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {NAME}")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("deadlines", "0021_dashboard_indexes"),
    ]

    operations = [
        migrations.RunPython(create_index, drop_index, elidable=False),
    ]
