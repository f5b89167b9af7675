"""The default Celery beat schedule, as django-celery-beat rows an administrator can
edit under *Periodic tasks* (the schedule lives only in the database: no
CELERY_BEAT_SCHEDULE in settings).

Entries that exist already (by name) are left as the administrator set them.
Each entry expires after its own interval, so a backlog of runs queued while no
worker was up collapses into the next run instead of running them all.
"""

from django.db import migrations

# (name, task, every, period, description)
DEFAULT_SCHEDULE = [
    (
        "时限预警(黄牌)",
        "deadlines.tasks.scan_warnings",
        1,
        "minutes",
        "Yellow cards: mark running clocks that reach their warning point and notify the "
        "handler and the department head.",
    ),
    (
        "超时记录(红牌)",
        "deadlines.tasks.scan_breaches",
        1,
        "minutes",
        "Red cards: record a breach for every running clock past a firm deadline and notify "
        "the handler and the department head.",
    ),
    (
        "催办通知书与通报",
        "deadlines.tasks.scan_reminders",
        15,
        "minutes",
        "Reminder notices the day after a miss (copied to the supervising leader), "
        "circulated when still overdue five working days later.",
    ),
    (
        "延期未告知服务对象",
        "deadlines.tasks.scan_extension_notices",
        30,
        "minutes",
        "Approved extensions with no contact with the citizen logged by the end of the next "
        "working day.",
    ),
    (
        "提醒邮件",
        "deadlines.tasks.send_notification_emails",
        1,
        "minutes",
        "Email new notifications (only when EMAIL_HOST is set).",
    ),
    (
        "容缺承诺逾期终止",
        "intake.tasks.lapse_missed_pledges",
        10,
        "minutes",
        "End the cases whose deficiency pledge was missed (seed 002 附件4 §12).",
    ),
    (
        "预约逾时作废",
        "intake.tasks.forfeit_missed_appointments",
        5,
        "minutes",
        "Forfeit appointments whose citizen is more than 30 minutes late.",
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
        ("deadlines", "0005_scans"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]
