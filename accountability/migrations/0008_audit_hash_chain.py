# The audit log becomes a hash chain (issue 21, item 9; accountability.audit): every row
# gets the hash of the row before it and its own hash, the rows already written chained in
# the order they were written. Audit rows are append-only (a PostgreSQL trigger refuses
# UPDATE): chaining them is the one change made to them, with the trigger set aside for it.
# Written by hand so that it holds only these changes.

from django.db import migrations, models

TRIGGER = "accountability_audit_append_only"


def chain_existing_rows(apps, schema_editor):
    from accountability.audit import entry_hash

    AuditEntry = apps.get_model("accountability", "AuditEntry")
    postgresql = schema_editor.connection.vendor == "postgresql"
    if postgresql:
        schema_editor.execute(f"ALTER TABLE accountability_auditentry DISABLE TRIGGER {TRIGGER};")
    prev_hash = ""
    batch = []
    for entry in AuditEntry.objects.order_by("pk").iterator(chunk_size=2000):
        entry.prev_hash = prev_hash
        entry.row_hash = entry_hash(entry)
        prev_hash = entry.row_hash
        batch.append(entry)
        if len(batch) == 2000:
            AuditEntry.objects.bulk_update(batch, ["prev_hash", "row_hash"])
            batch = []
    AuditEntry.objects.bulk_update(batch, ["prev_hash", "row_hash"])
    if postgresql:
        schema_editor.execute(f"ALTER TABLE accountability_auditentry ENABLE TRIGGER {TRIGGER};")


class Migration(migrations.Migration):
    dependencies = [("accountability", "0007_regulations")]

    operations = [
        migrations.AddField(
            model_name="auditentry",
            name="prev_hash",
            field=models.CharField(
                blank=True, max_length=64, verbose_name="previous entry's hash", default=""
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="auditentry",
            name="row_hash",
            field=models.CharField(blank=True, max_length=64, verbose_name="hash", default=""),
            preserve_default=False,
        ),
        migrations.RunPython(chain_existing_rows, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="auditentry",
            constraint=models.UniqueConstraint(
                fields=("prev_hash",), name="audit_chain_never_forks"
            ),
        ),
    ]
