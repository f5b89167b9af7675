"""On PostgreSQL, refuse UPDATE and DELETE of audit rows in the database itself.

The ORM and the admin refuse them already; the trigger covers raw SQL and other clients.
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION accountability_audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER accountability_audit_append_only
    BEFORE UPDATE OR DELETE ON accountability_auditentry
    FOR EACH ROW EXECUTE FUNCTION accountability_audit_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS accountability_audit_append_only ON accountability_auditentry;
DROP FUNCTION IF EXISTS accountability_audit_append_only();
"""


def create_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("accountability", "0002_roles")]

    operations = [migrations.RunPython(create_trigger, drop_trigger)]
