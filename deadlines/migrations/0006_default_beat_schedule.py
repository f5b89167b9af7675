"""The default Celery beat schedule, as django-celery-beat rows an administrator can
edit under *Periodic tasks* (the schedule lives only in the database: no
CELERY_BEAT_SCHEDULE in settings).

Entries that exist already (by name) are left as the administrator set them.
Each entry expires after its own interval, so a backlog of runs queued while no
worker was up collapses into the next run instead of running them all.
"""

from django.db import migrations

from accountability.beat import Entry, schedule_operations

SCHEDULE = [
    Entry(
        "时限预警(黄牌)",
        "deadlines.tasks.scan_warnings",
        "Yellow cards: mark running clocks that reach their warning point and notify "
        "the handler and the department head.",
        every=1,
    ),
    Entry(
        "超时记录(红牌)",
        "deadlines.tasks.scan_breaches",
        "Red cards: record a breach for every running clock past a firm deadline and "
        "notify the handler and the department head.",
        every=1,
    ),
    Entry(
        "催办通知书与通报",
        "deadlines.tasks.scan_reminders",
        "Reminder notices the day after a miss (copied to the supervising leader), "
        "circulated when still overdue five working days later.",
        every=15,
    ),
    Entry(
        "延期未告知服务对象",
        "deadlines.tasks.scan_extension_notices",
        "Approved extensions with no contact with the citizen logged by the end of the "
        "next working day.",
        every=30,
    ),
    Entry(
        "提醒邮件",
        "deadlines.tasks.send_notification_emails",
        "Email new notifications (only when EMAIL_HOST is set).",
        every=1,
    ),
    Entry(
        "容缺承诺逾期终止",
        "intake.tasks.lapse_missed_pledges",
        "End the cases whose deficiency pledge was missed (seed 002 附件4 §12).",
        every=10,
    ),
    Entry(
        "预约逾时作废",
        "intake.tasks.forfeit_missed_appointments",
        "Forfeit appointments whose citizen is more than 30 minutes late.",
        every=5,
    ),
]


class Migration(migrations.Migration):
    dependencies = [
        ("deadlines", "0005_scans"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(*schedule_operations(SCHEDULE))]
