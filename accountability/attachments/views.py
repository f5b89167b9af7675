"""The attachments' pages: open a file (after the permission check, never as public
media), add one to a record, supersede one. Adding and superseding answer on the
record's own page, with the reason when refused."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accountability.attachments import services
from accountability.attachments.forms import AttachmentForm, SupersedeForm
from accountability.attachments.models import Attachment
from accountability.attachments.registry import attachable_by_label, attachable_for
from accountability.attachments.rules import attachment_target
from accountability.attachments.selectors import attachment_get
from accountability.http import AuthenticatedHttpRequest
from accountability.rules import may


def _attachment(pk: int) -> Attachment:
    try:
        attachment = attachment_get(pk=pk)
    except Attachment.DoesNotExist:
        raise Http404(_("No such file.")) from None
    if attachment_target(attachment) is None:
        raise Http404(_("No such file."))
    return attachment


def _form_errors(form: AttachmentForm | SupersedeForm) -> list[str]:
    return [str(message) for errors in form.errors.values() for message in errors]


def _save(
    request: AuthenticatedHttpRequest,
    form: AttachmentForm | SupersedeForm,
    save: Callable[[dict[str, Any]], object],
    done: str,
    to: str,
) -> HttpResponse:
    """`save` the file with the form's data; back to the record's page (`to`) with
    `done`, or with why the file was not taken."""
    if not form.is_valid():
        errors = _form_errors(form)
    else:
        try:
            save(form.cleaned_data)
        except ValidationError as error:
            errors = error.messages
        else:
            messages.success(request, done)
            return redirect(to)
    for message in errors:
        messages.error(request, message)
    return redirect(to)


@login_required
@require_GET
def attachment_open(request: AuthenticatedHttpRequest, pk: int) -> HttpResponseBase:
    """The stored file, with the type found in its content, shown in the browser (a photo,
    a PDF), for whom may see it; each opening is logged."""
    attachment = _attachment(pk)
    if not may(request.user, "accountability.open_attachment", attachment):
        raise PermissionDenied(_("This file is not one you may open."))
    if not attachment.file:
        raise Http404(_("This is a recording's reference, not a stored file."))
    services.attachment_log_open(actor=request.user, attachment=attachment)
    response = FileResponse(
        attachment.file.open("rb"),
        content_type=attachment.media_type,
        as_attachment=False,
        filename=attachment.original_name,
    )
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def attachment_add(request: AuthenticatedHttpRequest, label: str, object_id: int) -> HttpResponse:
    entry = attachable_by_label(label)
    if entry is None:
        raise Http404(_("Files cannot be attached to this record."))
    try:
        obj = entry.load(object_id)
    except ObjectDoesNotExist:
        raise Http404(_("No such record.")) from None
    if not entry.may_view(request.user, obj):
        raise PermissionDenied(_("This record is not one you may see."))
    return _save(
        request,
        AttachmentForm(request.POST, request.FILES),
        lambda data: services.attachment_add(
            actor=request.user,
            obj=obj,
            file=data["file"],
            reference=data["reference"],
            note=data["note"],
            protected=data["protected"],
        ),
        _("File added."),
        entry.url(obj),
    )


@login_required
@require_POST
def attachment_supersede(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    attachment = _attachment(pk)
    if not may(request.user, "accountability.open_attachment", attachment):
        raise PermissionDenied(_("This file is not one you may open."))
    target = attachment_target(attachment)
    entry = attachable_for(target)
    assert entry is not None
    return _save(
        request,
        SupersedeForm(request.POST, request.FILES),
        lambda data: services.attachment_supersede(
            actor=request.user,
            attachment=attachment,
            file=data["file"],
            reference=data["reference"],
            note=data["note"],
        ),
        _("File superseded; the earlier version is kept."),
        entry.url(target),
    )
