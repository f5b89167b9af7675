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

from sanctions.rulebook_file import parse_violation_types

FIXTURES = Path(settings.BASE_DIR) / "fixtures"
FAMILIES = {
    "first_contact", "one_time_notice", "substitute", "appointment", "attitude", "overdue",
    "integrity", "competence", "confidentiality", "other", "repeated_complaints",
    "department_warnings", "leadership",
}


def load(apps, schema_editor):
    ViolationType = apps.get_model("sanctions", "ViolationType")
    types = parse_violation_types(
        json.loads((FIXTURES / "violation_types.json").read_text(encoding="utf-8")),
        families=FAMILIES,
        severities={"minor", "serious", "grave"},
    )
    for row in types:
        ViolationType.objects.update_or_create(code=row["code"], defaults=row)


class Migration(migrations.Migration):
    dependencies = [("sanctions", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
