"""The outages scan in the default Celery beat schedule (as deadlines 0006): a
django-celery-beat row an administrator can edit under *Periodic tasks*. An entry that
exists already (by name) is left as the administrator set it."""

from django.db import migrations

from accountability.beat import Entry, schedule_operations

SCHEDULE = [
    Entry(
        "停水报告与通报时限",
        "outages.tasks.scan_obligations",
        "Record a breach for each outage report (dispatch, 12345, 12319) or public "
        "notice not made by its due moment (seed 003 报告制度, 通报制度).",
        every=1,
    ),
]


class Migration(migrations.Migration):
    dependencies = [
        ("outages", "0001_outages"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(*schedule_operations(SCHEDULE))]
