"""The default Celery beat schedule, installed by each app's data migration as
django-celery-beat rows an administrator can edit under *Periodic tasks* (the schedule
lives only in the database: no CELERY_BEAT_SCHEDULE in settings).

An entry that exists already (by name) is left as the administrator set it. An interval
entry expires after its own interval, so a backlog of runs queued while no worker was up
collapses into the next run instead of running them all. Crontab entries run in Beijing
time.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

SECONDS = {"seconds": 1, "minutes": 60, "hours": 3600, "days": 86400}


@dataclass(frozen=True)
class Entry:
    name: str
    task: str
    description: str
    every: int = 0  # with period: an interval entry
    period: str = "minutes"
    crontab: dict[str, str] = field(default_factory=dict)  # or a crontab entry


Migration = Callable[[Any, Any], None]


def schedule_operations(entries: Sequence[Entry]) -> tuple[Migration, Migration]:
    """The forward and backward functions of a migration's RunPython for these entries."""

    def create(apps: Any, schema_editor: Any) -> None:
        interval_model = apps.get_model("django_celery_beat", "IntervalSchedule")
        crontab_model = apps.get_model("django_celery_beat", "CrontabSchedule")
        task_model = apps.get_model("django_celery_beat", "PeriodicTask")
        for entry in entries:
            if task_model.objects.filter(name=entry.name).exists():
                continue
            when: dict[str, Any]
            if entry.crontab:
                crontab, _ = crontab_model.objects.get_or_create(
                    timezone="Asia/Shanghai",
                    **{"month_of_year": "*", "day_of_week": "*", **entry.crontab},
                )
                when = {"crontab": crontab}
            else:
                interval, _ = interval_model.objects.get_or_create(
                    every=entry.every, period=entry.period
                )
                when = {"interval": interval, "expire_seconds": entry.every * SECONDS[entry.period]}
            task_model.objects.create(
                name=entry.name,
                task=entry.task,
                description=entry.description,
                enabled=True,
                **when,
            )

    def remove(apps: Any, schema_editor: Any) -> None:
        task_model = apps.get_model("django_celery_beat", "PeriodicTask")
        for entry in entries:
            task_model.objects.filter(name=entry.name, task=entry.task).delete()

    return create, remove
