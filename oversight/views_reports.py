"""The kept half-monthly and monthly reports: the list, the printable page, the Excel
file. Leadership, the inspection office and administrators see a report whole; a
department head sees their own department's rows of it."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from accountability.rules import may
from oversight.exports import XLSX, own_department
from oversight.models import PeriodicReport
from oversight.report_sheets import report_tables, report_workbook
from oversight.reports import report_for_viewer
from oversight.rules import sees_all

PAGE_SIZE = 48  # two years of half months


def _viewer_department(request: HttpRequest) -> str | None:
    """None: the whole report; else the code of the head's department."""
    user = request.user
    if not may(user, "oversight.view_reports"):
        raise PermissionDenied(_("The reports are for department heads and leadership."))
    if sees_all(user):
        return None
    own = own_department(user)
    if own is None:
        raise PermissionDenied(_("Your account belongs to no department. Ask an administrator."))
    return own.code


def _title(report: PeriodicReport) -> str:
    return _("%(kind)s %(start)s to %(end)s") % {
        "kind": report.get_kind_display(),
        "start": f"{report.period_start:%Y-%m-%d}",
        "end": f"{report.period_end:%Y-%m-%d}",
    }


@login_required
@require_GET
def reports(request: HttpRequest) -> HttpResponse:
    _viewer_department(request)
    kept = PeriodicReport.objects.select_related("generated_by").defer("figures")
    page = Paginator(kept, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "oversight/reports.html", {"page": page})


def _report(request: HttpRequest, pk: int) -> tuple[PeriodicReport, dict[str, Any]]:
    department = _viewer_department(request)
    report = get_object_or_404(PeriodicReport.objects.select_related("generated_by"), pk=pk)
    return report, report_for_viewer(report.figures, department_code=department)


@login_required
@require_GET
def report(request: HttpRequest, pk: int) -> HttpResponse:
    """The printable page (print CSS: no navigation, tables unbroken)."""
    kept, view = _report(request, pk)
    return render(
        request,
        "oversight/report.html",
        {"report": kept, "view": view, "title": _title(kept), "tables": report_tables(view)},
    )


@login_required
@require_GET
def report_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    kept, view = _report(request, pk)
    title = _title(kept)
    data = report_workbook(title=title, view=view, tables=report_tables(view))
    response = HttpResponse(data, content_type=XLSX)
    name = f"report-{kept.kind}-{kept.period_start:%Y%m%d}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
