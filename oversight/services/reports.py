"""Producing the half-monthly and monthly reports (oversight.selectors.reports says what they are
and when): a report is produced once for its period (by the beat schedule, by hand with
``manage.py oversight_produce_report``, or by leadership from the reports page) and kept,
its figures frozen as JSON (report_figures) and never recomputed.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accountability.audit import record, user_or_none
from accountability.models import Department
from accountability.rules import may
from outages.selectors import outages_month_summary
from oversight.models import FiguresRefresh, PeriodicReport, ReportKind
from oversight.selectors.dashboard import (
    FEEDBACK_TARGET,
    Counts,
    DashboardFilters,
    dashboard_figures,
)
from oversight.selectors.reports import periods_due, periods_just_ended, report_period
from oversight.services.figures import figures_recompute
from sanctions.selectors import decisions_decided, violation_counts_by_department

if TYPE_CHECKING:
    from django.contrib.auth.models import User

SNAPSHOT_VERSION = 1
# The figures of one slice kept in a report, in the order the tables show them.
COUNT_FIELDS = (
    "open",
    "red",
    "opened",
    "completed",
    "on_time",
    "on_time_rate",
    "feedback",
    "feedback_on_time",
    "feedback_rate",
    "handling_days",
    "rated",
    "rating",
)


# -- the snapshot --------------------------------------------------------------------------


def _counts(counts: Counts) -> dict[str, Any]:
    return {name: getattr(counts, name) for name in COUNT_FIELDS}


def _bounds(start: date, end: date) -> tuple[datetime, datetime]:
    tz = timezone.get_current_timezone()
    return (
        datetime.combine(start, time(), tzinfo=tz),
        datetime.combine(end + timedelta(days=1), time(), tzinfo=tz),
    )


def _violations(
    start: datetime, end: datetime, departments: dict[int, Department]
) -> dict[str, Any]:
    rows = violation_counts_by_department(since=start, until=end)
    by_department = []
    totals = {"raised": 0, "confirmed": 0, "dismissed": 0}
    for row in rows:
        department = departments.get(row["department_id"])
        by_department.append(
            {
                "code": department.code if department else "",
                "name": department.name if department else "",
                **{key: row[key] for key in totals},
            }
        )
        for key in totals:
            totals[key] += row[key]
    return {**totals, "by_department": by_department}


def _sanctions(
    start: datetime, end: datetime, departments: dict[int, Department]
) -> dict[str, Any]:
    decisions = decisions_decided(since=start, until=end)
    approved = [d for d in decisions if d.approved]
    by_kind: dict[str, int] = {}
    by_department: dict[int | None, int] = {}
    for decision in approved:
        for kind in decision.kinds:
            by_kind[kind] = by_kind.get(kind, 0) + 1
        by_department[decision.department_id] = by_department.get(decision.department_id, 0) + 1
    return {
        "decided": len(decisions),
        "approved": len(approved),
        "refused": len(decisions) - len(approved),
        "by_kind": dict(sorted(by_kind.items())),
        "by_department": [
            {
                "code": departments[pk].code if pk in departments else "",
                "name": departments[pk].name if pk in departments else "",
                "approved": n,
            }
            for pk, n in sorted(by_department.items(), key=lambda kv: (kv[0] is None, kv[0]))
        ],
    }


def report_figures(*, kind: str, start: date, end: date, now: datetime) -> dict[str, Any]:
    """Everything a report shows, as JSON-ready data (department names included, so a
    later rename does not change a kept report)."""
    departments = {d.pk: d for d in Department.objects.order_by("code")}
    board = dashboard_figures(
        filters=DashboardFilters(start=start, end=end), now=now, department_ids=list(departments)
    )
    by_department = [
        {"code": departments[pk].code, "name": departments[pk].name, **_counts(counts)}
        for pk, counts in sorted(
            board.by_department.items(), key=lambda kv: departments[kv[0]].code
        )
        if pk in departments
    ]
    lo, hi = _bounds(start, end)
    outages = None
    if kind == ReportKind.MONTH:
        outages = asdict(outages_month_summary(year=start.year, month=start.month))
    return {
        "version": SNAPSHOT_VERSION,
        "kind": kind,
        "start": start.isoformat(),
        "end": end.isoformat(),
        "as_of": now.isoformat(),
        "feedback_target": FEEDBACK_TARGET,
        "total": _counts(board.total),
        "departments": by_department,
        "violations": _violations(lo, hi, departments),
        "sanctions": _sanctions(lo, hi, departments),
        "outages": outages,
    }


# -- producing ----------------------------------------------------------------------------


def report_produce(
    *, kind: str, day: date, now: datetime, actor: User | None = None
) -> tuple[PeriodicReport, bool]:
    """The report of the period of ``kind`` holding ``day``: produced now if it does not
    exist yet, else the one kept (unchanged). Returns (report, produced now). Refuses a
    period that has not ended."""
    if kind not in ReportKind.values:
        raise ValidationError(_("Unknown kind of report."))
    start, end = report_period(kind=kind, day=day)
    if end >= timezone.localdate(now):
        raise ValidationError(_("The period has not ended yet: its report cannot be produced."))
    kept = PeriodicReport.objects.filter(kind=kind, period_start=start).first()
    if kept is not None:
        return kept, False
    try:
        with transaction.atomic():
            # The period's daily figures brought up to date first, under the refresh's
            # lock (oversight.services.figures.figures_refresh holds it too).
            FiguresRefresh.objects.select_for_update().filter(pk=1).first()
            figures_recompute(
                days=[start + timedelta(days=n) for n in range((end - start).days + 1)], now=now
            )
            report = PeriodicReport.objects.create(
                kind=kind,
                period_start=start,
                period_end=end,
                generated_at=now,
                generated_by=user_or_none(actor),
                figures=report_figures(kind=kind, start=start, end=end, now=now),
            )
            record(
                actor=actor,
                action="oversight.report_produce",
                obj=report,
                after={"kind": kind, "start": start.isoformat(), "end": end.isoformat()},
            )
    except IntegrityError:
        # Produced by another run meanwhile: that one is kept.
        return PeriodicReport.objects.get(kind=kind, period_start=start), False
    return report, True


def reports_produce_due(*, now: datetime) -> list[PeriodicReport]:
    """Produce the reports of the periods that ended yesterday (those not kept yet);
    returns the ones produced now."""
    produced = []
    for kind, start, _end in periods_just_ended(today=timezone.localdate(now)):
        report, created = report_produce(kind=kind, day=start, now=now)
        if created:
            produced.append(report)
    return produced


def reports_produce_on_request(*, actor: User, now: datetime) -> list[tuple[PeriodicReport, bool]]:
    """Leadership asks for the due reports now, before the schedule: the reports of the
    latest ended half month and month, produced by report_produce (audited, once per
    period: a report already kept is returned unchanged). Returns (report, produced now)
    for each."""
    if not may(actor, "oversight.produce_reports"):
        raise PermissionDenied(_("Only leadership may produce a report on request."))
    return [
        report_produce(kind=kind, day=start, now=now, actor=actor)
        for kind, start, _end in periods_due(today=timezone.localdate(now))
    ]
