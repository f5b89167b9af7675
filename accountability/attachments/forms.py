"""The upload and supersede forms of the attachments partial."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from accountability.attachments import content


class AttachmentForm(forms.Form):
    file = forms.FileField(
        label=_("File"),
        required=False,
        help_text=_("A photo (JPEG, PNG) or a scanned paper (PDF)."),
    )
    reference = forms.CharField(
        label=_("Or a recording's reference"),
        required=False,
        max_length=300,
        help_text=_("Where a recording is kept: the system, the line and the time of the call."),
    )
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    protected = forms.BooleanField(
        label=_("Identifies the complainant"),
        required=False,
        help_text=_(
            "Shown only to whom may see the complainant's identity; the staff complained "
            "about never see it."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit = content.max_bytes() // (1024 * 1024)
        self.fields["file"].help_text = _(
            "A photo (JPEG, PNG) or a scanned paper (PDF), at most %(limit)s MB."
        ) % {"limit": limit}


class SupersedeForm(forms.Form):
    file = forms.FileField(label=_("New version"), required=False)
    reference = forms.CharField(
        label=_("Or a recording's reference"), required=False, max_length=300
    )
    note = forms.CharField(
        label=_("Why it is superseded"), widget=forms.Textarea(attrs={"rows": 2})
    )
