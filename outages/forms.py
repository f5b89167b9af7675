"""Forms of the outage pages; the services validate again and explain refusals."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from accountability.business_dates import BusinessDateTimeField
from accountability.models import Department
from outages.models import NoticeChannel, OutageKind, ReportMethod, ReportRecipient

TEXT = forms.Textarea(attrs={"rows": 3})
AREA_HELP = _("The zones or streets without water, one a line.")


class OutageForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=OutageKind.choices)
    title = forms.CharField(label=_("Title"), max_length=200)
    area = forms.CharField(label=_("Area"), widget=TEXT, help_text=AREA_HELP)
    households = forms.IntegerField(label=_("Households affected"), min_value=0)
    starts_at = BusinessDateTimeField(label=_("Water off at"))
    expected_restoration_at = BusinessDateTimeField(label=_("Expected restoration"))
    cause = forms.CharField(label=_("Cause"), widget=TEXT)
    department = forms.ModelChoiceField(
        label=_("Responsible department"), queryset=Department.objects.none()
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = Department.objects.order_by("code")  # type: ignore[attr-defined]


class ChangeForm(forms.Form):
    households = forms.IntegerField(label=_("Households affected"), min_value=0)
    expected_restoration_at = BusinessDateTimeField(label=_("Expected restoration"))
    area = forms.CharField(label=_("Area"), widget=TEXT, help_text=AREA_HELP)
    restored_at = BusinessDateTimeField(
        label=_("Water back at"),
        required=False,
        help_text=_("Only once the water is back."),
    )
    reason = forms.CharField(label=_("Reason for the change"), widget=TEXT)


class ReportForm(forms.Form):
    recipient = forms.ChoiceField(label=_("Reported to"), choices=ReportRecipient.choices)
    method = forms.ChoiceField(label=_("How"), choices=ReportMethod.choices)
    reported_at = BusinessDateTimeField(label=_("Reported at"))
    received_by = forms.CharField(label=_("Received by"), max_length=100, required=False)
    note = forms.CharField(label=_("Note"), widget=TEXT, required=False)


class NoticeForm(forms.Form):
    published_at = BusinessDateTimeField(label=_("Published at"))
    channels = forms.MultipleChoiceField(
        label=_("Channels"), choices=NoticeChannel.choices, widget=forms.CheckboxSelectMultiple
    )
    text = forms.CharField(label=_("Notice as published"), widget=TEXT)


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Why the works are called off"), widget=TEXT)
