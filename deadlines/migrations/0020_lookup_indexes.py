"""Indexes for a citizen's earlier contacts and the header search (issue 24;
Case.Meta.indexes): by phone and by water account, latest first
(intake.selectors.registration.earlier_contacts), and all cases latest first (a broad
search reads its newest hits from it, deadlines.selectors.search).

The registration page looks the citizen up as the phone is typed: these read the
citizen's latest cases without sorting all of them (the prefix indexes of migration 0015
find them, then sort every one: a switchboard's number has thousands).

On PostgreSQL they are built CONCURRENTLY, outside a transaction, so a million-case table
keeps taking writes while they build; elsewhere (SQLite) as usual.
"""

from django.db import migrations, models

INDEXES = (
    models.Index(fields=["citizen_phone", "-opened_at", "-id"], name="case_citizen_phone_latest"),
    models.Index(
        fields=["citizen_account", "-opened_at", "-id"], name="case_citizen_account_latest"
    ),
    models.Index(fields=["-opened_at", "-id"], name="case_latest"),
)


def create_indexes(apps, schema_editor):
    case = apps.get_model("deadlines", "Case")
    for index in INDEXES:
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.add_index(case, index, concurrently=True)
        else:
            schema_editor.add_index(case, index)


def drop_indexes(apps, schema_editor):
    case = apps.get_model("deadlines", "Case")
    for index in INDEXES:
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.remove_index(case, index, concurrently=True)
        else:
            schema_editor.remove_index(case, index)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("deadlines", "0019_scan_hot_path"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AddIndex(model_name="case", index=index) for index in INDEXES
            ],
            database_operations=[
                migrations.RunPython(create_indexes, drop_indexes, elidable=False),
            ],
        ),
    ]
