"""The sanctions tasks in the default Celery beat schedule, as django-celery-beat rows an
administrator can edit under *Periodic tasks* (as deadlines 0006 does). Entries that
exist already (by name) are left as the administrator set them."""

from django.db import migrations

# (name, task, every, period, description)
INTERVALS = [
    (
        "违规记录生成",
        "sanctions.tasks.raise_violations",
        5,
        "minutes",
        "Turn new breaches, one-time-notice breaches and refusal-phrase flags into "
        "violations for the inspection office to review.",
    ),
]
# (name, task, crontab, description): on the 1st of the month, 01:30 Beijing time.
CRONTABS = [
    (
        "责任追究汇总规则(每月)",
        "sanctions.tasks.fire_monthly_aggregates",
        {"minute": "30", "hour": "1", "day_of_month": "1", "month_of_year": "*",
         "day_of_week": "*"},
        "The aggregate rules of the rulebook (a third founded complaint in a month, a "
        "second warning in a year, a department's warnings, a head's staff's serious "
        "errors), each fired once.",
    ),
]

SECONDS = {"seconds": 1, "minutes": 60, "hours": 3600, "days": 86400}


def create_schedule(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for name, task, every, period, description in INTERVALS:
        if PeriodicTask.objects.filter(name=name).exists():
            continue
        interval, _ = IntervalSchedule.objects.get_or_create(every=every, period=period)
        PeriodicTask.objects.create(
            name=name,
            task=task,
            interval=interval,
            expire_seconds=every * SECONDS[period],
            description=description,
            enabled=True,
        )
    for name, task, fields, description in CRONTABS:
        if PeriodicTask.objects.filter(name=name).exists():
            continue
        crontab, _ = CrontabSchedule.objects.get_or_create(timezone="Asia/Shanghai", **fields)
        PeriodicTask.objects.create(
            name=name,
            task=task,
            crontab=crontab,
            description=description,
            enabled=True,
        )


def remove_schedule(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    entries = [(name, task) for name, task, *_ in INTERVALS + CRONTABS]
    for name, task in entries:
        PeriodicTask.objects.filter(name=name, task=task).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("sanctions", "0002_violation_types"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]
