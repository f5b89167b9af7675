# The register of regulations (issue 19, line 6), and its five default rows from
# fixtures/regulations.json, so that the data migrations of deadlines, sanctions and
# outages can point existing policies, rules, violation types and obligations at them.
# Written by hand so that it holds only these changes.

import json
from pathlib import Path

from django.conf import settings
from django.db import migrations, models


def load(apps, schema_editor):
    from accountability.services.regulations import parse_regulations

    Regulation = apps.get_model("accountability", "Regulation")
    path = Path(settings.BASE_DIR) / "fixtures" / "regulations.json"
    for row in parse_regulations(json.loads(path.read_text(encoding="utf-8"))):
        Regulation.objects.get_or_create(code=row["code"], defaults=row)


class Migration(migrations.Migration):

    dependencies = [
        ("accountability", "0006_leading_group"),
    ]

    operations = [
        migrations.CreateModel(
            name="Regulation",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("code", models.SlugField(help_text="Internal identifier that the data files refer to; never shown to users.", max_length=60, unique=True, verbose_name="code")),
                ("title", models.CharField(help_text="Without the 《》 marks, which are added.", max_length=200, verbose_name="document title")),
                ("issuing_body", models.CharField(blank=True, max_length=200, verbose_name="issuing body")),
                ("document_number", models.CharField(blank=True, max_length=100, verbose_name="document number")),
                ("issued_on", models.DateField(blank=True, null=True, verbose_name="issued on")),
                ("articles", models.TextField(blank=True, help_text="The headings of the articles the portal cites, one a line.", verbose_name="articles")),
                ("note", models.TextField(blank=True, verbose_name="note")),
            ],
            options={
                "verbose_name": "regulation",
                "verbose_name_plural": "regulations",
                "ordering": ["code"],
            },
        ),
        migrations.RunPython(load, migrations.RunPython.noop),
    ]
