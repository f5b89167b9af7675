# Issue 24: the inspection queue's pages are read from the violation table in queue order
# (sanctions.selectors.PickedThenJoined), the open ones and all of them.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("sanctions", "0010_violations_watermark"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="violation",
            index=models.Index(
                condition=models.Q(("state__in", ["raised", "under_review"])),
                fields=["raised_at", "id"],
                name="violation_to_review",
            ),
        ),
        migrations.AddIndex(
            model_name="violation",
            index=models.Index(fields=["raised_at", "id"], name="violation_raised"),
        ),
    ]
