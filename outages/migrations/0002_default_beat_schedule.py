"""The outages scan in the default Celery beat schedule (as deadlines 0006): a
django-celery-beat row an administrator can edit under *Periodic tasks*. An entry that
exists already (by name) is left as the administrator set it."""

from django.db import migrations

# (name, task, every, period, description)
DEFAULT_SCHEDULE = [
    (
        "停水报告与通报时限",
        "outages.tasks.scan_obligations",
        1,
        "minutes",
        "Record a breach for each outage report (dispatch, 12345, 12319) or public notice "
        "not made by its due moment (seed 003 报告制度, 通报制度).",
    ),
]

SECONDS = {"seconds": 1, "minutes": 60, "hours": 3600, "days": 86400}


def create_schedule(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for name, task, every, period, description in DEFAULT_SCHEDULE:
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


def remove_schedule(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(
        name__in=[name for name, *_ in DEFAULT_SCHEDULE],
        task__in=[task for _, task, *_ in DEFAULT_SCHEDULE],
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("outages", "0001_outages"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]
