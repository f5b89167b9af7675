"""Celery tasks of the oversight app. The schedule is data (django-celery-beat, editable
in the administration; the default from migration oversight 0002)."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from oversight.services import exports, figures, reports


@shared_task
def refresh_figures() -> int:
    """Bring the dashboard's daily figures up to date; returns how many days were
    recomputed."""
    return figures.figures_refresh(now=timezone.now())


@shared_task
def produce_reports() -> list[int]:
    """Produce the half-monthly and monthly reports of the periods that ended yesterday
    (beat: the 1st and 16th at 01:00, oversight 0004); returns the ids produced now. A
    report already kept is left as it is, so running it again is harmless."""
    return [report.pk for report in reports.reports_produce_due(now=timezone.now())]


@shared_task
def run_export(job_id: int) -> str:
    """Write an export job's file, counting progress; returns the job's final state."""
    return exports.export_run(job_id=job_id)
