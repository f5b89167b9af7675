"""Writing the exports (issue 8, line 4) as Excel, and the export jobs; what may be
exported and the rows come from oversight.selectors.exports.

A small export is sent at once; a larger one is an ExportJob run by a Celery task
(oversight.tasks.run_export, which calls export_run) that counts its progress and writes
the file to settings.OVERSIGHT_EXPORT_DIR, downloadable by its requester only. The task
is sent by its name through the outbox: this module never imports the tasks.

A file is one sheet (issue 22): the filters that produced it on top (export_heading), then
the Chinese headers, then the rows, codes written as labels (the resources), numbers as
numbers and moments as date cells in Beijing time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal
from tempfile import TemporaryFile
from typing import IO, TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

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
from accountability.models import Department
from accountability.outbox import outbox_enqueue
from accountability.spreadsheets import escape_formula
from oversight.models import ExportJob, ExportKind, ExportState
from oversight.rules import sees_all
from oversight.selectors.exports import ExportFilters, export_register, own_department

if TYPE_CHECKING:
    from django.contrib.auth.models import User

CHUNK = 500  # rows between two progress updates
# Exports show moments in Beijing time, whatever timezone a request activated.
SHANGHAI = ZoneInfo("Asia/Shanghai")
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


def export_heading(
    *, user: User, kind: str, filters: ExportFilters, period_of: Any, now: datetime
) -> list[str]:
    """The lines written above the header row: what was exported, with which filters
    (``period_of``: the moment the period is of, the register's), by whom and when, in
    the reader's words (a department by name, never its code)."""
    if filters.department:
        names = Department.objects.filter(code=filters.department).values_list("name", flat=True)
        department = names.first() or "—"  # never the code itself
    elif kind == ExportKind.CASES and not sees_all(user):
        own = own_department(user)  # a head's case export holds their department only
        department = own.name if own is not None else _("All departments")
    else:
        department = _("All departments")
    period_label = _("Period (%(moment)s)") % {"moment": period_of}
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


def export_job_create(*, actor: User, kind: str, filters: ExportFilters) -> ExportJob:
    """Queue an export job (checked now, and again when it runs); the task is sent once
    the job is committed, and again until a worker takes it (accountability.outbox)."""
    export_register(user=actor, kind=kind, filters=filters)  # permission and scope
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
        register = export_register(
            user=user, kind=job.kind, filters=ExportFilters.from_json(job.filters)
        )
        job.total = register.rows.count()
        job.save(update_fields=["total"])

        def progress(done: int) -> None:
            job.done = done
            job.save(update_fields=["done"])

        name = export_filename(job.kind, job.created_at)
        with TemporaryFile() as out:
            export_write(
                resource=register.resource,
                queryset=register.rows,
                out=out,
                heading=export_heading(
                    user=user,
                    kind=job.kind,
                    filters=ExportFilters.from_json(job.filters),
                    period_of=register.period_of,
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
