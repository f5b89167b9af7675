"""Forms of the inspection office's lists: the queue, the register and award
eligibility filters."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accountability.models import Department
from sanctions.models import SourceKind, ViolationFamily, ViolationState

OPEN = "open"


def _all(choices: Any) -> list[tuple[str, Any]]:
    return [("", _("All")), *choices]


class _DepartmentChoice(forms.ModelChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            queryset=Department.objects.order_by("code"),
            to_field_name="code",
            required=False,
            empty_label=_("All departments"),
            label=_("Department"),
            **kwargs,
        )


class QueueFilterForm(forms.Form):
    state = forms.ChoiceField(
        label=_("State"),
        required=False,
        choices=[(OPEN, _("To review")), ("", _("All")), *ViolationState.choices],
    )
    department = _DepartmentChoice()
    family = forms.ChoiceField(
        label=_("Situation"), required=False, choices=_all(ViolationFamily.choices)
    )
    source = forms.ChoiceField(label=_("Source"), required=False, choices=_all(SourceKind.choices))
    year = forms.IntegerField(label=_("Year"), required=False, min_value=2000, max_value=2100)


class RegisterFilterForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), required=False, min_value=2000, max_value=2100)
    department = _DepartmentChoice()

    def year_or_current(self) -> int:
        data = self.cleaned_data if self.is_valid() else {}
        return int(data.get("year") or timezone.localdate().year)


class YearForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), required=False, min_value=2000, max_value=2100)

    def year_or_current(self) -> int:
        data = self.cleaned_data if self.is_valid() else {}
        return int(data.get("year") or timezone.localdate().year)
