"""The periodic reports in the Celery beat schedule, as a django-celery-beat row an
administrator can edit (see accountability.beat). On the 1st and the 16th at 01:00
Beijing time the task produces the reports of the periods just ended (the half month,
and on the 1st the month too); a report already produced is left as it is."""

from django.db import migrations

from accountability.beat import Entry, schedule_operations

SCHEDULE = [
    Entry(
        "督查定期报告(半月、每月)",
        "oversight.tasks.produce_reports",
        "Produce and keep the half-monthly report of the half month just ended (seed 003 "
        "例会制度) and, on the 1st, the monthly report of the month just ended (seed 003 "
        "报告制度 (4)). A report is produced once; re-running is harmless.",
        crontab={"minute": "0", "hour": "1", "day_of_month": "1,16"},
    ),
]


class Migration(migrations.Migration):
    dependencies = [
        ("oversight", "0003_reports_and_exports"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(*schedule_operations(SCHEDULE))]
