"""Forms of the callback and rating (回访, 好差评). They only collect input; the rules
are the service's (intake.services.callback)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from intake.models import CallbackOutcome, Grade
from intake.services.callback import COMMENT_MAX

TEXT = forms.Textarea(attrs={"rows": 2})


def _grade_field(**kwargs: Any) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=_("How satisfied are you with the service?"),
        choices=Grade.choices,
        coerce=int,
        widget=forms.RadioSelect,
        **kwargs,
    )


class RateForm(forms.Form):
    """The citizen's page: five grades and an optional comment."""

    grade = _grade_field(
        error_messages={"required": _("Choose one of the five grades.")},
    )
    comment = forms.CharField(
        label=_("Anything you would like to tell us (optional)"),
        required=False,
        max_length=COMMENT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class CallbackForm(forms.Form):
    """Staff record the callback call."""

    outcome = forms.ChoiceField(
        label=_("How the call went"), choices=CallbackOutcome.choices, widget=forms.RadioSelect
    )
    grade = forms.TypedChoiceField(
        label=_("Grade the citizen gave"),
        choices=[("", "—"), *Grade.choices],
        coerce=int,
        empty_value=None,
        required=False,
    )
    comment = forms.CharField(
        label=_("The citizen's words"), required=False, max_length=COMMENT_MAX, widget=TEXT
    )
    note = forms.CharField(label=_("Note"), required=False, widget=TEXT)


class ReviewForm(forms.Form):
    """The head's finding on a poor grade."""

    unit_at_fault = forms.TypedChoiceField(
        label=_("Is the poor grade the unit's fault?"),
        choices=[
            ("1", _("Yes: reopen the case for rework")),
            ("0", _("No: the grade stands, no rework")),
        ],
        coerce=lambda value: value == "1",
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(label=_("Reason"), widget=TEXT)


class CorrectionForm(forms.Form):
    """A correction of a mistaken grade (误评) the citizen asked for."""

    grade = forms.TypedChoiceField(label=_("Corrected grade"), choices=Grade.choices, coerce=int)
    reason = forms.CharField(label=_("Why the citizen says the grade was a mistake"), widget=TEXT)
