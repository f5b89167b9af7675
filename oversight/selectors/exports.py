"""What a user may export and the rows an export holds (issue 8, line 4; the writing of
the files and the export jobs: oversight.services.exports).

Who may export what (oversight.rules): cases, a department head their own department's,
leadership, the inspection office (and administrators) every department's; violations
and sanction decisions, the inspection office and leadership. The scope is applied
again when a job runs, from its requester.

Cases go through deadlines.resources.CaseResource, which keeps the complainant's identity
on a complaint about staff behind deadlines.rules.sees_complainant (and logs each one
that does go into a file); violations and sanction decisions through the registers the
sanctions app gives (sanctions.selectors, the only part of it oversight reads).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accountability.models import Department, StaffProfile
from accountability.rules import may
from accountability.spreadsheets import verbose_name
from deadlines.models import Case
from deadlines.resources import CaseResource
from oversight.models import ExportJob, ExportKind
from oversight.rules import sees_all
from sanctions.selectors import RegisterExport, decisions_export, violations_export

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

# Up to this many rows an export is sent at once; more, and it runs as a job.
STREAM_LIMIT = 2000
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

PERMISSIONS = {
    ExportKind.CASES: "oversight.export_cases",
    ExportKind.VIOLATIONS: "oversight.export_violations",
    ExportKind.SANCTIONS: "oversight.export_sanctions",
}


# -- what a user may export ----------------------------------------------------------------


@dataclass(frozen=True)
class ExportFilters:
    start: date | None = None
    end: date | None = None  # inclusive
    department: str = ""  # a department's code; empty: every one in scope

    def as_json(self) -> dict[str, Any]:
        return {
            "start": self.start.isoformat() if self.start else None,
            "end": self.end.isoformat() if self.end else None,
            "department": self.department,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ExportFilters:
        start, end = data.get("start"), data.get("end")
        return cls(
            start=date.fromisoformat(start) if start else None,
            end=date.fromisoformat(end) if end else None,
            department=data.get("department") or "",
        )


def export_kinds_for(user: User | AnonymousUser) -> list[str]:
    return [kind for kind in ExportKind.values if may(user, PERMISSIONS[ExportKind(kind)])]


def own_department(user: User) -> Department | None:
    profile = StaffProfile.objects.select_related("department").filter(user=user.pk).first()
    return profile.department if profile is not None else None


def _require(user: User, kind: str) -> None:
    if kind not in ExportKind.values:
        raise ValidationError(_("Unknown kind of export."))
    if not user.is_authenticated or not may(user, PERMISSIONS[ExportKind(kind)]):
        raise PermissionDenied(_("You may not export these records."))


def _instants(filters: ExportFilters) -> tuple[datetime | None, datetime | None]:
    tz = timezone.get_current_timezone()
    lo = datetime.combine(filters.start, time(), tzinfo=tz) if filters.start else None
    hi = (
        datetime.combine(filters.end + timedelta(days=1), time(), tzinfo=tz)
        if filters.end
        else None
    )
    return lo, hi


def export_register(*, user: User, kind: str, filters: ExportFilters) -> RegisterExport:
    """The rows ``user`` may export of that kind with these filters, in a stable order,
    with the resource that writes them. A department head's case export is held to their
    own department."""
    _require(user, kind)
    lo, hi = _instants(filters)
    if kind == ExportKind.VIOLATIONS:
        return violations_export(department=filters.department, since=lo, until=hi)
    if kind == ExportKind.SANCTIONS:
        return decisions_export(department=filters.department, since=lo, until=hi)
    rows = Case.objects.select_related("department", "handler").prefetch_related("accused")
    if not sees_all(user):
        own = own_department(user)
        if own is None or (filters.department and filters.department != own.code):
            raise PermissionDenied(_("You may export the cases of your own department only."))
        rows = rows.filter(department=own)
    if filters.department:
        rows = rows.filter(department__code=filters.department)
    if lo is not None:
        rows = rows.filter(opened_at__gte=lo)
    if hi is not None:
        rows = rows.filter(opened_at__lt=hi)
    return RegisterExport(
        rows=rows.order_by("pk"),
        resource=CaseResource(user=user),
        period_of=verbose_name(Case, "opened_at"),
    )


def export_jobs_for(*, user: User) -> QuerySet[ExportJob]:
    """The jobs a user asked for, newest first: only their own, an administrator's
    included (administering the system is not reading its exports)."""
    return ExportJob.objects.select_related("requested_by").filter(requested_by=user.pk)


def may_download(user: User | AnonymousUser, job: ExportJob) -> bool:
    return bool(user.is_authenticated and job.requested_by_id == user.pk)
