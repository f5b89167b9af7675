"""Forms of the pledge (容缺受理) and rejection filing (否定备案) pages and the register.

The rules live in the services: reason, legal basis and materials are optional here so
that a blank entry gets the service's message, which says what to write and why."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accountability.business_dates import BusinessDateField, BusinessDateTimeField
from accountability.models import Department
from accountability.regulations import cite_code

TEXT = forms.Textarea(attrs={"rows": 3})
DAY = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class _CaseForm(forms.Form):
    """Posts the version of the case the user looked at, so a change since is a conflict."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class PledgeForm(_CaseForm):
    materials = forms.MultipleChoiceField(
        label=_("Materials pledged"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Secondary materials the notice lists as missing or deficient."),
    )
    due_at = BusinessDateTimeField(
        label=_("To be handed in by"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )

    def __init__(self, *args: Any, materials: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["materials"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = [(name, name) for name in materials]


class RejectionForm(_CaseForm):
    reason = forms.CharField(
        label=_("Reason for the refusal"),
        widget=TEXT,
        required=False,
    )
    legal_basis = forms.CharField(
        label=_("Legal basis"),
        widget=TEXT,
        required=False,
        help_text=_("The law, regulation or rule and its article."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reason"].help_text = gettext(
            "What the application lacks or why it cannot be granted (%(regulation)s)."
        ) % {"regulation": cite_code("window-service-rules", "附件1 第五条")}


class DeliveredForm(forms.Form):
    note = forms.CharField(
        label=_("How it was delivered"),
        max_length=200,
        required=False,
        help_text=_("E.g. handed over at the desk, or sent by registered mail no. …"),
    )


class RegisterFilterForm(forms.Form):
    department = forms.ChoiceField(label=_("Department"), required=False)
    filed_from = BusinessDateField(label=_("Filed from"), required=False, widget=DAY)
    filed_to = BusinessDateField(label=_("Filed to"), required=False, widget=DAY)

    def __init__(self, *args: Any, departments: list[Department], all_label: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        field = self.fields["department"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", all_label), *[(d.code, d.name) for d in departments]]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("filed_from"), data.get("filed_to")
        if start and end and start > end:
            self.add_error("filed_to", _("The end date is before the start date."))
        return data
