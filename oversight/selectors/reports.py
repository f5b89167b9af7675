"""The half-monthly and monthly reports (issue 8, line 3; DOMAIN §9): their periods, their
schedule and a kept report as a viewer sees it. Producing them:
oversight.services.reports.

Seed 003 例会制度: the dispatch meeting hears how complaints were received and handled in
the half month before; 报告制度 (4): a written analysis every month. A report is produced
once for its period (by the beat schedule, by hand with ``manage.py
oversight_produce_report``, or by leadership from the reports page) and kept: its figures
are frozen as JSON when it is produced and never recomputed, so later changes to cases,
violations or outages do not move it.

What a report holds (the figures are the dashboard's, oversight.selectors.dashboard, for the
period, every department):

- per department and in all: registered, completed, on-time completion rate, feedback
  timeliness against the 100% target, average handling time in working days,
  satisfaction; open and overdue cases *as of when the report was produced* (they are
  "now" figures: the report says at what moment);
- violations raised in the period, and those confirmed and dismissed in it (by the day of
  the decision), per department of the violation;
- sanction decisions taken in the period: approved (with the kinds decided) and refused;
- outages: the monthly report carries outages_month_summary of its month. A half-month
  report carries none: the outage figures (obligations due, breaches) exist by calendar
  month only, and seed 003 puts them in the monthly written analysis; the half-monthly
  meeting is about complaints (例会: 通报前半个月投诉受理、处理情况).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from celery.schedules import ParseException, crontab
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from oversight.models import ReportKind

SHANGHAI = ZoneInfo("Asia/Shanghai")  # how the page gives the next scheduled run


# -- periods -------------------------------------------------------------------------------


def report_period(*, kind: str, day: date) -> tuple[date, date]:
    """The period of that kind holding ``day``: the 1st-15th or the 16th to the month's
    end; or the calendar month. Both ends inclusive."""
    last = date(day.year, day.month, calendar.monthrange(day.year, day.month)[1])
    if kind == ReportKind.MONTH:
        return day.replace(day=1), last
    if day.day <= 15:
        return day.replace(day=1), day.replace(day=15)
    return day.replace(day=16), last


def periods_just_ended(*, today: date) -> list[tuple[str, date, date]]:
    """The periods that ended yesterday: on the 16th the first half month; on the 1st
    the second half month and the month."""
    yesterday = today - timedelta(days=1)
    ended = []
    for kind in (ReportKind.HALF_MONTH, ReportKind.MONTH):
        start, end = report_period(kind=kind, day=yesterday)
        if end < today:
            ended.append((kind.value, start, end))
    return ended


def periods_due(*, today: date) -> list[tuple[str, date, date]]:
    """The latest ended period of each kind: the half month before the current one, and
    the month before the current one (what the schedule produced last, or will)."""
    due = []
    for kind in (ReportKind.HALF_MONTH, ReportKind.MONTH):
        current_start, _end = report_period(kind=kind, day=today)
        start, end = report_period(kind=kind, day=current_start - timedelta(days=1))
        due.append((kind.value, start, end))
    return due


# -- the schedule --------------------------------------------------------------------------

REPORT_TASK = "oversight.tasks.produce_reports"
DAYS_LOOKED_AHEAD = 366 * 8  # a crontab for the 29th of February waits up to 8 years


@dataclass(frozen=True)
class ReportSchedule:
    """The beat schedule of the reports as the page tells it: whether there is one,
    whether it is enabled, and when it next runs (None: not a crontab, or never)."""

    exists: bool
    enabled: bool = False
    next_run: datetime | None = None


def crontab_next_run(
    *,
    minute: str,
    hour: str,
    day_of_month: str,
    month_of_year: str,
    day_of_week: str,
    tz: tzinfo,
    after: datetime,
) -> datetime | None:
    """The first moment strictly after ``after`` that the crontab fires, in ``tz``. As in
    Celery, the day of the month, the month and the day of the week must all match.
    Pure: the fields are parsed by Celery's own crontab."""
    spec: Any = crontab(  # its fields parsed into sets of numbers
        minute=minute,
        hour=hour,
        day_of_month=day_of_month,
        month_of_year=month_of_year,
        day_of_week=day_of_week,
    )
    local = after.astimezone(tz)
    moments = sorted((h, m) for h in spec.hour for m in spec.minute)
    for offset in range(DAYS_LOOKED_AHEAD):
        day = local.date() + timedelta(days=offset)
        if (
            day.month not in spec.month_of_year
            or day.day not in spec.day_of_month
            or day.isoweekday() % 7 not in spec.day_of_week  # Celery: 0 is Sunday
        ):
            continue
        for h, m in moments:
            moment = datetime.combine(day, time(h, m), tzinfo=tz)
            if moment > local:
                return moment
    return None


def report_schedule(*, now: datetime) -> ReportSchedule:
    """Read the reports' beat row (oversight migration 0004, editable in the admin) and
    compute its next run from its crontab in its timezone, given in Beijing time."""
    task = (
        PeriodicTask.objects.select_related("crontab")
        .filter(task=REPORT_TASK)
        .order_by("-enabled", "pk")
        .first()
    )
    if task is None:
        return ReportSchedule(exists=False)
    if not task.enabled or task.crontab is None:
        return ReportSchedule(exists=True, enabled=task.enabled)
    cron = task.crontab
    after = max(now, task.start_time) if task.start_time else now
    try:
        moment = crontab_next_run(
            minute=cron.minute,
            hour=cron.hour,
            day_of_month=cron.day_of_month,
            month_of_year=cron.month_of_year,
            day_of_week=cron.day_of_week,
            tz=ZoneInfo(str(cron.timezone)),
            after=after,
        )
    except (ValueError, ParseException):  # a crontab Celery refuses (30 February): no run
        moment = None
    if moment is not None and task.expires is not None and moment > task.expires:
        moment = None
    return ReportSchedule(
        exists=True,
        enabled=True,
        next_run=timezone.localtime(moment, SHANGHAI) if moment is not None else None,
    )


# -- reading a kept report ---------------------------------------------------------------------


def report_for_viewer(figures: dict[str, Any], *, department_code: str | None) -> dict[str, Any]:
    """The report as a viewer sees it: everything, or (a department head) the rows of
    their own department only, without the utility's totals."""
    if department_code is None:
        return figures
    view = dict(figures)
    view["total"] = None
    view["departments"] = [d for d in figures["departments"] if d["code"] == department_code]
    violations = dict(figures["violations"])
    violations["by_department"] = [
        d for d in violations["by_department"] if d["code"] == department_code
    ]
    for key in ("raised", "confirmed", "dismissed"):
        violations[key] = sum(d[key] for d in violations["by_department"])
    view["violations"] = violations
    sanctions = dict(figures["sanctions"])
    sanctions["by_department"] = [
        d for d in sanctions["by_department"] if d["code"] == department_code
    ]
    sanctions["by_kind"] = {}
    sanctions["approved"] = sum(d["approved"] for d in sanctions["by_department"])
    sanctions["decided"] = sanctions["refused"] = None
    view["sanctions"] = sanctions
    view["own_department_only"] = True
    return view
