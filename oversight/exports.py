"""Exports of cases, violations and sanction decisions (issue 8, line 4), through
django-import-export resources, written as Excel.

Who may export what (oversight.rules): cases, a department head their own department's,
leadership, the inspection office (and administrators) every department's; violations
and sanction decisions, the inspection office and leadership. The scope is applied
again when a job runs, from its requester.

Cases go through deadlines.resources.CaseResource, which keeps the complainant's identity
on a complaint about staff behind deadlines.rules.sees_complainant (and logs each one
that does go into a file). A small export is sent at once; a larger one is an ExportJob
run by a Celery task (oversight.tasks.run_export) that counts its progress and writes the
file to settings.OVERSIGHT_EXPORT_DIR, downloadable by its requester only.

A file is one sheet (issue 22): the filters that produced it on top (export_heading), then
the Chinese headers, then the rows, codes written as labels (oversight.resources), numbers
as numbers and moments as date cells in Beijing time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from tempfile import TemporaryFile
from typing import IO, Any
from zoneinfo import ZoneInfo

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.db import transaction
from django.db.models import Model, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from import_export import resources
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from accountability.audit import record
from accountability.models import Department, StaffProfile
from accountability.outbox import outbox_enqueue
from accountability.rules import may
from accountability.spreadsheets import escape_formula
from deadlines.models import Case
from deadlines.resources import CaseResource
from oversight.models import ExportJob, ExportKind, ExportState
from oversight.resources import SanctionDecisionResource, ViolationResource, verbose_name
from oversight.rules import sees_all
from sanctions.models import SanctionDecision, Violation

# Up to this many rows an export is sent at once; more, and it runs as a job.
STREAM_LIMIT = 2000
CHUNK = 500  # rows between two progress updates
# Exports show moments in Beijing time, whatever timezone a request activated.
SHANGHAI = ZoneInfo("Asia/Shanghai")
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


def export_kinds_for(user: Any) -> list[str]:
    return [kind for kind in ExportKind.values if may(user, PERMISSIONS[ExportKind(kind)])]


def own_department(user: Any) -> Department | None:
    profile = StaffProfile.objects.select_related("department").filter(user=user.pk).first()
    return profile.department if profile is not None else None


def _require(user: Any, kind: str) -> None:
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


def export_queryset(*, user: Any, kind: str, filters: ExportFilters) -> QuerySet[Any]:
    """The rows ``user`` may export of that kind with these filters, in a stable order.
    A department head's case export is held to their own department."""
    _require(user, kind)
    lo, hi = _instants(filters)
    queryset: QuerySet[Any]
    if kind == ExportKind.CASES:
        queryset = Case.objects.select_related("department", "handler").prefetch_related("accused")
        moment = "opened_at"
        if not sees_all(user):
            own = own_department(user)
            if own is None or (filters.department and filters.department != own.code):
                raise PermissionDenied(_("You may export the cases of your own department only."))
            queryset = queryset.filter(department=own)
    elif kind == ExportKind.VIOLATIONS:
        queryset = Violation.objects.select_related(
            "type__regulation", "department", "staff", "case"
        )
        moment = "raised_at"
    else:
        queryset = SanctionDecision.objects.select_related(
            "violation__type", "rule__regulation", "person", "department"
        )
        moment = "proposed_at"
    if filters.department:
        queryset = queryset.filter(department__code=filters.department)
    if lo is not None:
        queryset = queryset.filter(**{f"{moment}__gte": lo})
    if hi is not None:
        queryset = queryset.filter(**{f"{moment}__lt": hi})
    return queryset.order_by("pk")


def export_resource(*, user: Any, kind: str) -> resources.ModelResource:
    if kind == ExportKind.CASES:
        return CaseResource(user=user)
    if kind == ExportKind.VIOLATIONS:
        return ViolationResource()
    return SanctionDecisionResource()


# -- writing ------------------------------------------------------------------------------------

# The moment each kind's period filter reads (export_queryset filters on the same).
PERIOD_MOMENTS = {
    ExportKind.CASES: (Case, "opened_at"),
    ExportKind.VIOLATIONS: (Violation, "raised_at"),
    ExportKind.SANCTIONS: (SanctionDecision, "proposed_at"),
}
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"


def _line(label: Any, value: Any) -> str:
    return _("%(label)s: %(value)s") % {"label": label, "value": value}


def _period(filters: ExportFilters) -> str:
    start = f"{filters.start:%Y-%m-%d}" if filters.start else ""
    end = f"{filters.end:%Y-%m-%d}" if filters.end else ""
    if start and end:
        return _("%(start)s to %(end)s") % {"start": start, "end": end}
    if start:
        return _("from %(start)s") % {"start": start}
    if end:
        return _("up to %(end)s") % {"end": end}
    return _("All")


def export_heading(*, user: Any, kind: str, filters: ExportFilters, now: datetime) -> list[str]:
    """The lines written above the header row: what was exported, with which filters, by
    whom and when, in the reader's words (a department by name, never its code)."""
    if filters.department:
        names = Department.objects.filter(code=filters.department).values_list("name", flat=True)
        department = names.first() or "—"  # never the code itself
    elif kind == ExportKind.CASES and not sees_all(user):
        own = own_department(user)  # a head's case export holds their department only
        department = own.name if own is not None else _("All departments")
    else:
        department = _("All departments")
    model, moment = PERIOD_MOMENTS[ExportKind(kind)]
    period_label = _("Period (%(moment)s)") % {"moment": verbose_name(model, moment)}
    return [
        _line(_("Records"), ExportKind(kind).label),
        _line(_("Department"), department),
        _line(period_label, _period(filters)),
        _line(_("State"), _("All")),
        _line(_("Exported by"), user.get_full_name() or user.get_username()),
        _line(_("Exported at"), f"{timezone.localtime(now, SHANGHAI):%Y-%m-%d %H:%M}"),
    ]


def _cell(sheet: Any, value: Any) -> Any:
    """A value Excel can hold, typed: numbers stay numbers, moments become date cells in
    Beijing time (with a date format), lists are joined, the rest is text (escaped of
    formulae by the resource)."""
    if value is None or isinstance(value, bool | int | float | Decimal | str):
        return value
    if isinstance(value, datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value, SHANGHAI)
        cell = WriteOnlyCell(sheet, value=value.replace(tzinfo=None))
        cell.number_format = DATETIME_FORMAT
        return cell
    if isinstance(value, date):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = DATE_FORMAT
        return cell
    if isinstance(value, list | tuple):
        return "、".join(str(v) for v in value)
    return str(value)


def _chunks(queryset: QuerySet[Any]) -> Iterator[list[Model]]:
    """Rows in pages by primary key (the prefetches run once a page)."""
    last = 0
    while True:
        page = list(queryset.filter(pk__gt=last)[:CHUNK])
        if not page:
            return
        yield page
        last = page[-1].pk


def export_write(
    *,
    resource: resources.ModelResource,
    queryset: QuerySet[Any],
    out: IO[bytes],
    heading: Sequence[str] = (),
    progress: Callable[[int], None] | None = None,
) -> int:
    """Write the rows as one Excel sheet to ``out``: the ``heading`` lines (the filters,
    export_heading) on top, then the header row, then the rows, with typed cells.
    ``progress`` hears the rows written after each page. Returns how many rows."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(str(queryset.model._meta.verbose_name_plural))
    for line in heading:
        sheet.append([escape_formula(line)])
    bold = Font(bold=True)
    header = []
    for title in resource.get_export_headers():
        cell = WriteOnlyCell(sheet, value=escape_formula(title))
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    written = 0
    # The resources' date widgets give local time: Beijing's, whatever a request set.
    with timezone.override(SHANGHAI):
        for page in _chunks(queryset):
            for instance in page:
                values = resource.export_resource(instance, force_native_type=True)
                sheet.append([_cell(sheet, v) for v in values])
            written += len(page)
            if progress is not None:
                progress(written)
    book.save(out)
    return written


def export_filename(kind: str, now: datetime) -> str:
    return f"{kind}-{timezone.localtime(now):%Y%m%d-%H%M%S}.xlsx"


# -- jobs -----------------------------------------------------------------------------------------


def export_job_create(*, actor: Any, kind: str, filters: ExportFilters) -> ExportJob:
    """Queue an export job (checked now, and again when it runs); the task is sent once
    the job is committed, and again until a worker takes it (accountability.outbox)."""
    export_queryset(user=actor, kind=kind, filters=filters)  # permission and scope
    with transaction.atomic():
        job = ExportJob.objects.create(requested_by=actor, kind=kind, filters=filters.as_json())
        record(actor=actor, action="oversight.export_request", obj=job, after=job.filters)
        # Through the outbox: a broker down at commit leaves the job queued, not stranded.
        outbox_enqueue(task="oversight.tasks.run_export", kwargs={"job_id": job.pk})
    return job


def export_run(*, job_id: int) -> str:
    """Run a queued job: count the rows, write them page by page (saving the progress),
    store the file. A finished job is left alone (a task delivered twice); a running one
    is started over (its worker was lost: the task is acknowledged late and redelivered)."""
    with transaction.atomic():
        job = ExportJob.objects.select_for_update().select_related("requested_by").get(pk=job_id)
        if job.state in (ExportState.DONE, ExportState.FAILED):
            return str(job.state)
        job.state = ExportState.RUNNING
        job.save(update_fields=["state"])
    try:
        user = job.requested_by
        queryset = export_queryset(
            user=user, kind=job.kind, filters=ExportFilters.from_json(job.filters)
        )
        job.total = queryset.count()
        job.save(update_fields=["total"])

        def progress(done: int) -> None:
            job.done = done
            job.save(update_fields=["done"])

        name = export_filename(job.kind, job.created_at)
        with TemporaryFile() as out:
            export_write(
                resource=export_resource(user=user, kind=job.kind),
                queryset=queryset,
                out=out,
                heading=export_heading(
                    user=user,
                    kind=job.kind,
                    filters=ExportFilters.from_json(job.filters),
                    now=job.created_at,
                ),
                progress=progress,
            )
            out.seek(0)
            job.file.save(f"{job.pk}/{name}", File(out), save=False)
        job.state, job.finished_at = ExportState.DONE, timezone.now()
        job.save(update_fields=["file", "state", "finished_at", "done"])
    except Exception as error:  # the job says what went wrong; the worker goes on
        job.state, job.finished_at = ExportState.FAILED, timezone.now()
        job.error = str(error) or error.__class__.__name__
        job.save(update_fields=["state", "finished_at", "error"])
    return str(job.state)


def export_jobs_for(*, user: Any) -> QuerySet[ExportJob]:
    """The jobs a user asked for, newest first: only their own, an administrator's
    included (administering the system is not reading its exports)."""
    return ExportJob.objects.select_related("requested_by").filter(requested_by=user.pk)


def may_download(user: Any, job: ExportJob) -> bool:
    return bool(user.is_authenticated and job.requested_by_id == user.pk)
