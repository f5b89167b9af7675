"""The violation types of fixtures/violation_types.json as they are when this migration
runs, so a fresh installation can raise violations at once (``manage.py load_rulebook``
loads later changes).

The rulebook is not loaded here: its tables are append-only (a PostgreSQL trigger
refuses UPDATE), and the test runner's serialised rollback re-saves every row the
migrations created, which the trigger would refuse. The default rulebook is loaded on
first use instead (sanctions.services.rulebook.rulebook_current) or by
``manage.py load_rulebook``."""

import json
from pathlib import Path

from django.conf import settings
from django.db import migrations

FIXTURES = Path(settings.BASE_DIR) / "fixtures"
# The fields a violation type had when this migration was written. The file has changed
# since (issue 19: a regulation and an article instead of a free-text citation, which
# sanctions 0008 converts), so it is read leniently here and only these fields are set.
FIELDS = ("code", "name", "family", "default_severity", "description")


def load(apps, schema_editor):
    ViolationType = apps.get_model("sanctions", "ViolationType")
    rows = json.loads((FIXTURES / "violation_types.json").read_text(encoding="utf-8"))
    for row in rows:
        values = {name: row.get(name, "") for name in FIELDS}
        values["citation"] = str(row.get("citation") or row.get("article") or "")[:200]
        ViolationType.objects.update_or_create(code=values.pop("code"), defaults=values)


class Migration(migrations.Migration):
    dependencies = [("sanctions", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
