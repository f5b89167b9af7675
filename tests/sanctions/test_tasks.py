"""The sanctions tasks in the default beat schedule (data migration sanctions 0003)."""

from __future__ import annotations

import pytest
from django_celery_beat.models import PeriodicTask

from accountability.celery import app as celery_app

pytestmark = pytest.mark.django_db


def test_it_schedules_the_ingestion_and_the_monthly_aggregates() -> None:
    celery_app.loader.import_default_modules()  # what a worker does at start
    tasks = {
        task.task: task
        for task in PeriodicTask.objects.select_related("interval", "crontab").filter(
            task__startswith="sanctions."
        )
    }
    ingest = tasks["sanctions.tasks.raise_violations"]
    assert ingest.enabled
    assert ingest.interval is not None
    assert ingest.expire_seconds == ingest.interval.schedule.run_every.total_seconds()
    monthly = tasks["sanctions.tasks.fire_monthly_aggregates"]
    assert monthly.enabled
    assert monthly.crontab is not None
    assert (monthly.crontab.day_of_month, monthly.crontab.hour, monthly.crontab.minute) == (
        "1",
        "1",
        "30",
    )
    assert str(monthly.crontab.timezone) == "Asia/Shanghai"
    for name in tasks:
        assert name in celery_app.tasks, name
