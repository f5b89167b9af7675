"""Exports: the form and the user's jobs, a job's page with its progress bar, the small
JSON the page polls, and the download (requester and superusers only)."""

from __future__ import annotations

from io import BytesIO

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accountability.http import AuthenticatedHttpRequest
from accountability.models import Department
from oversight.forms import ExportForm
from oversight.models import ExportJob, ExportKind, ExportState
from oversight.rules import sees_all
from oversight.selectors import exports
from oversight.services import exports as export_files

PAGE_SIZE = 25


def _form(request: HttpRequest, data: object = None) -> ExportForm:
    user = request.user
    kinds = exports.export_kinds_for(user)
    if not kinds:
        raise PermissionDenied(_("You may not export these records."))
    labels = dict(ExportKind.choices)
    departments = list(Department.objects.order_by("code")) if sees_all(user) else None
    return ExportForm(data, kinds=[(k, labels[k]) for k in kinds], departments=departments)


def _page(request: AuthenticatedHttpRequest, form: ExportForm, status: int = 200) -> HttpResponse:
    jobs = exports.export_jobs_for(user=request.user)
    page = Paginator(jobs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "oversight/exports.html",
        {"form": form, "page": page, "stream_limit": exports.STREAM_LIMIT},
        status=status,
    )


@login_required
@require_GET
def export_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    return _page(request, _form(request))


@login_required
@require_POST
def export_start(request: AuthenticatedHttpRequest) -> HttpResponse:
    """A small export is sent at once; a larger one becomes a job."""
    kind = request.POST.get("kind", "")
    if kind in ExportKind.values and kind not in exports.export_kinds_for(request.user):
        raise PermissionDenied(_("You may not export these records."))
    form = _form(request, request.POST)
    if not form.is_valid():
        return _page(request, form, status=400)
    data = form.cleaned_data
    kind = data["kind"]
    filters = exports.ExportFilters(
        start=data.get("start"), end=data.get("end"), department=data.get("department") or ""
    )
    try:
        register = exports.export_register(user=request.user, kind=kind, filters=filters)
        if register.rows.count() <= exports.STREAM_LIMIT:
            out = BytesIO()
            now = timezone.now()
            export_files.export_write(
                resource=register.resource,
                queryset=register.rows,
                out=out,
                heading=export_files.export_heading(
                    user=request.user,
                    kind=kind,
                    filters=filters,
                    period_of=register.period_of,
                    now=now,
                ),
            )
            response = HttpResponse(out.getvalue(), content_type=exports.XLSX)
            name = export_files.export_filename(kind, now)
            response["Content-Disposition"] = f'attachment; filename="{name}"'
            return response
        job = export_files.export_job_create(actor=request.user, kind=kind, filters=filters)
    except ValidationError as error:
        form.add_error(None, error)
        return _page(request, form, status=400)
    messages.info(request, _("The export is being prepared."))
    return redirect("oversight:export_job", pk=job.pk)


def _job(request: HttpRequest, pk: int) -> ExportJob:
    job = get_object_or_404(ExportJob.objects.select_related("requested_by"), pk=pk)
    if not exports.may_download(request.user, job):
        raise PermissionDenied(_("Only the person who asked for this export may see it."))
    return job


@login_required
@require_GET
def export_job(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job(request, pk)
    return render(
        request,
        "oversight/export_job.html",
        {"job": job, "status_url": reverse("oversight:export_job_status", args=[job.pk])},
    )


@login_required
@require_GET
def export_job_status(request: HttpRequest, pk: int) -> JsonResponse:
    job = _job(request, pk)
    done = job.state == ExportState.DONE
    return JsonResponse(
        {
            "state": job.state,
            "state_label": str(job.get_state_display()),
            "done": job.done,
            "total": job.total,
            "percent": job.percent,
            "download": reverse("oversight:export_download", args=[job.pk]) if done else None,
            "error": job.error,
        }
    )


@login_required
@require_GET
def export_download(request: HttpRequest, pk: int) -> FileResponse:
    job = _job(request, pk)
    if job.state != ExportState.DONE or not job.file:
        raise Http404(_("The file is not ready."))
    name = job.file.name.rsplit("/", 1)[-1]
    return FileResponse(
        job.file.open("rb"), as_attachment=True, filename=name, content_type=exports.XLSX
    )
