"""The head's form for a refusal-phrase flag."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class RefusalFlagCloseForm(forms.Form):
    note = forms.CharField(
        label=_("What you found or did"),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("For example: listened to the call and talked to the staff member."),
        error_messages={"required": _("Say what you found or did about it.")},
    )
