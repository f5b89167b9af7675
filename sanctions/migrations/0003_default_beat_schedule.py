"""The sanctions tasks in the default Celery beat schedule, as django-celery-beat rows an
administrator can edit under *Periodic tasks* (as deadlines 0006 does). Entries that
exist already (by name) are left as the administrator set them."""

from django.db import migrations

from accountability.beat import Entry, schedule_operations

SCHEDULE = [
    Entry(
        "违规记录生成",
        "sanctions.tasks.raise_violations",
        "Turn new breaches, one-time-notice breaches and refusal-phrase flags into "
        "violations for the inspection office to review.",
        every=5,
    ),
    Entry(
        "责任追究汇总规则(每月)",
        "sanctions.tasks.fire_monthly_aggregates",
        "The aggregate rules of the rulebook (a third founded complaint in a month, a "
        "second warning in a year, a department's warnings, a head's staff's serious "
        "errors), each fired once.",
        crontab={"minute": "30", "hour": "1", "day_of_month": "1"},
    ),
]


class Migration(migrations.Migration):
    dependencies = [
        ("sanctions", "0002_violation_types"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(*schedule_operations(SCHEDULE))]
