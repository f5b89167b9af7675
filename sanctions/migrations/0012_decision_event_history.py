# Issue 25: case, violation and decision events share one abstract model
# (accountability.models.HistoryEvent); a decision event's actor gains its help text
# ("Empty when the system acted."), as the others have. No change in the database.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("sanctions", "0011_queue_indexes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name="decisionevent",
            name="actor",
            field=models.ForeignKey(
                blank=True,
                help_text="Empty when the system acted.",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="actor",
            ),
        ),
    ]
