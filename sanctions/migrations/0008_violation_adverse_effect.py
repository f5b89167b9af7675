# Whether an overdue violation caused a complaint or adverse effect (issue 19, DOMAIN §7).

from django.db import migrations, models


def complaints_caused_one(apps, schema_editor):
    """A founded complaint caused a complaint, by definition."""
    Violation = apps.get_model("sanctions", "Violation")
    Violation.objects.filter(source_kind="complaint").update(adverse_effect=True)


class Migration(migrations.Migration):
    dependencies = [
        ("sanctions", "0008_regulations"),
    ]

    operations = [
        migrations.AddField(
            model_name="violation",
            name="adverse_effect",
            field=models.BooleanField(
                blank=True, null=True, verbose_name="caused a complaint or adverse effect"
            ),
        ),
        migrations.RunPython(complaints_caused_one, migrations.RunPython.noop),
    ]
