"""`{% attachments obj %}`: a record's evidence files, with the upload and supersede forms
for whom may add (templates/accountability/_attachments.html). One query for the files,
whatever their number; the checks read the record as its page loaded it."""

from __future__ import annotations

from typing import Any

from django import template

from accountability.attachments.forms import AttachmentForm, SupersedeForm
from accountability.attachments.selectors import attachment_list_for

register = template.Library()


@register.inclusion_tag("accountability/_attachments.html", takes_context=True)
def attachments(context: template.Context, obj: Any, title: str = "") -> dict[str, Any]:
    listing = attachment_list_for(obj=obj, user=context["request"].user)
    prefix = f"{obj._meta.model_name}-{obj.pk}"
    return {
        "obj": obj,
        "label": obj._meta.label_lower,
        "prefix": prefix,
        "title": title,
        "listing": listing,
        "form": (
            AttachmentForm(
                initial={"protected": listing.protected_by_default},
                auto_id=f"id_attach_{prefix}_%s",
            )
            if listing.may_add
            else None
        ),
        "supersede_form": SupersedeForm,
        "csrf_token": context.get("csrf_token"),
    }
