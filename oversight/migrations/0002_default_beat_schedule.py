"""The dashboard's refresh in the Celery beat schedule, as a django-celery-beat row an
administrator can edit (see accountability.beat)."""

from django.db import migrations

from accountability.beat import Entry, schedule_operations

SCHEDULE = [
    Entry(
        "督查看板统计刷新",
        "oversight.tasks.refresh_figures",
        "Recompute the dashboard's daily figures: the recent days and the days of the cases "
        "changed since the last run.",
        every=5,
    ),
]


class Migration(migrations.Migration):
    dependencies = [
        ("oversight", "0001_daily_figures"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(*schedule_operations(SCHEDULE))]
