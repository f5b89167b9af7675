"""The kept half-monthly and monthly reports: the list (with the schedule's next run and,
for leadership, the request to produce the due reports now), the printable page, the Excel
file. Leadership, the inspection office and administrators see a report whole; a
department head sees their own department's rows of it."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accountability.http import AuthenticatedHttpRequest
from accountability.models import Department
from accountability.rules import may
from oversight.models import PeriodicReport
from oversight.report_sheets import report_tables, report_workbook
from oversight.rules import sees_all
from oversight.selectors.exports import XLSX, own_department
from oversight.selectors.reports import report_for_viewer, report_schedule
from oversight.services.reports import reports_produce_on_request

PAGE_SIZE = 48  # two years of half months


def _viewer_department(request: AuthenticatedHttpRequest) -> Department | None:
    """None: the whole report; else the head's department."""
    user = request.user
    if not may(user, "oversight.view_reports"):
        raise PermissionDenied(_("The reports are for department heads and leadership."))
    if sees_all(user):
        return None
    own = own_department(user)
    if own is None:
        raise PermissionDenied(_("Your account belongs to no department. Ask an administrator."))
    return own


def _title(report: PeriodicReport) -> str:
    return _("%(kind)s %(start)s to %(end)s") % {
        "kind": report.get_kind_display(),
        "start": f"{report.period_start:%Y-%m-%d}",
        "end": f"{report.period_end:%Y-%m-%d}",
    }


@login_required
@require_GET
def reports(request: AuthenticatedHttpRequest) -> HttpResponse:
    _viewer_department(request)
    kept = PeriodicReport.objects.select_related("generated_by").defer("figures")
    page = Paginator(kept, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "oversight/reports.html",
        {
            "page": page,
            "schedule": report_schedule(now=timezone.now()),
            "may_produce": may(request.user, "oversight.produce_reports"),
        },
    )


@login_required
@require_POST
def reports_produce(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Leadership produces the due reports now (a report already kept stays as it is)."""
    results = reports_produce_on_request(actor=request.user, now=timezone.now())
    for report, created in results:
        if created:
            messages.success(request, _("Produced: %(title)s.") % {"title": _title(report)})
        else:
            messages.info(
                request, _("Already kept, left unchanged: %(title)s.") % {"title": _title(report)}
            )
    return redirect("oversight:reports")


def _report(
    request: AuthenticatedHttpRequest, pk: int
) -> tuple[PeriodicReport, dict[str, Any], Department | None]:
    department = _viewer_department(request)
    report = get_object_or_404(PeriodicReport.objects.select_related("generated_by"), pk=pk)
    code = department.code if department is not None else None
    return report, report_for_viewer(report.figures, department_code=code), department


@login_required
@require_GET
def report(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The printable page (print CSS: no navigation, tables unbroken)."""
    kept, view, _department = _report(request, pk)
    return render(
        request,
        "oversight/report.html",
        {"report": kept, "view": view, "title": _title(kept), "tables": report_tables(view)},
    )


@login_required
@require_GET
def report_xlsx(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    kept, view, department = _report(request, pk)
    title = _title(kept)
    data = report_workbook(
        title=title,
        view=view,
        tables=report_tables(view),
        department=department.name if department is not None else None,
    )
    response = HttpResponse(data, content_type=XLSX)
    name = f"report-{kept.kind}-{kept.period_start:%Y%m%d}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
