# Issue 24: the periodic raising of violations reads each source table from a watermark
# up (sanctions.services.ingest), not every row ever recorded.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("sanctions", "0009_notification_emailed"),
    ]

    operations = [
        migrations.CreateModel(
            name="RaiseWatermark",
            fields=[
                (
                    "source_kind",
                    models.CharField(
                        choices=[
                            ("breach", "Time limit breached"),
                            ("notice_breach", "One-time-notice breach"),
                            ("refusal_flag", "Refusal phrase"),
                            ("complaint", "Founded complaint"),
                            ("finding", "Inspection finding"),
                            ("aggregate", "Aggregate rule"),
                            ("outage_breach", "Outage report or notice missed"),
                        ],
                        max_length=30,
                        primary_key=True,
                        serialize=False,
                        verbose_name="source",
                    ),
                ),
                (
                    "through_id",
                    models.BigIntegerField(default=0, verbose_name="checked through id"),
                ),
                (
                    "pending_id",
                    models.BigIntegerField(blank=True, null=True, verbose_name="highest id seen"),
                ),
                (
                    "pending_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="seen at"),
                ),
            ],
            options={
                "verbose_name": "violation raising watermark",
                "verbose_name_plural": "violation raising watermarks",
            },
        ),
    ]
