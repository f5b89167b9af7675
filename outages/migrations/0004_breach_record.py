"""OutageBreach is built on the shared breach model, accountability.models.BreachRecord
(issue 25): the fields it shares with the other breaches lose their reverse accessors on
users and departments (unused: a breach is read through outages) and take the shared
help texts. State only: no column, constraint or index changes."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accountability", "0012_attachments"),
        ("outages", "0003_obligation_regulation"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name="outagebreach",
            name="department",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="accountability.department",
                verbose_name="department",
            ),
        ),
        migrations.AlterField(
            model_name="outagebreach",
            name="moment",
            field=models.DateTimeField(
                help_text="The deadline that passed, or when the rule was broken.",
                verbose_name="missed at",
            ),
        ),
        migrations.AlterField(
            model_name="outagebreach",
            name="responsible",
            field=models.ForeignKey(
                blank=True,
                help_text="Whom the breach counts against; empty when nobody could be named.",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="responsible",
            ),
        ),
    ]
