"""The outbox (accountability.outbox): Celery tasks owed by committed work, kept until a
worker takes them, and the beat entry that sends again those no worker has taken (see
accountability.beat: an entry that exists by name is left as the administrator set it)."""

import django.utils.timezone
from django.db import migrations, models

from accountability.beat import Entry, schedule_operations

SCHEDULE = [
    Entry(
        "重发未被领取的任务",
        "accountability.tasks.resend_outbox",
        "Send again the tasks owed by committed work (an export job, for one) that no "
        "worker has taken: never sent because the broker was down, or sent ten minutes "
        "ago and still waiting. A worker runs each once.",
        every=1,
    ),
]


class Migration(migrations.Migration):
    dependencies = [
        ("accountability", "0008_audit_hash_chain"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        migrations.CreateModel(
            name="OutboxMessage",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("task", models.CharField(max_length=200, verbose_name="task")),
                ("kwargs", models.JSONField(default=dict, verbose_name="arguments")),
                (
                    "created_at",
                    models.DateTimeField(
                        default=django.utils.timezone.now, verbose_name="created at"
                    ),
                ),
                (
                    "sent_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="last sent at"),
                ),
                ("attempts", models.PositiveIntegerField(default=0, verbose_name="send attempts")),
                ("taken_at", models.DateTimeField(blank=True, null=True, verbose_name="taken at")),
                ("taken_by", models.CharField(blank=True, max_length=64, verbose_name="taken by")),
            ],
            options={
                "verbose_name": "outbox message",
                "verbose_name_plural": "outbox messages",
                "indexes": [
                    models.Index(
                        condition=models.Q(("taken_at__isnull", True)),
                        fields=["created_at"],
                        name="outbox_waiting",
                    )
                ],
            },
        ),
        migrations.RunPython(*schedule_operations(SCHEDULE)),
    ]
