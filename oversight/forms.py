"""The dashboard's filters: period, department and kind of matter."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accountability.business_dates import BusinessDateField
from accountability.models import Department
from deadlines.models import MatterKind
from oversight.selectors.dashboard import DashboardFilters, Figure

LONGEST_PERIOD = timedelta(days=731)
MONTHS_SHOWN = 6  # by default: this month and the five before it
# A date picker takes and gives ISO dates whatever the language.
ISO_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def default_period(today: date) -> tuple[date, date]:
    start = today.replace(day=1)
    for _month in range(MONTHS_SHOWN - 1):
        start = (start - timedelta(days=1)).replace(day=1)
    return start, today


class DashboardFilterForm(forms.Form):
    start = BusinessDateField(label=_("Period from"), required=False, widget=ISO_DATE)
    end = BusinessDateField(label=_("Period to"), required=False, widget=ISO_DATE)
    department = forms.ChoiceField(label=_("Department"), required=False)
    matter_kind = forms.ChoiceField(
        label=_("Kind of matter"), required=False, choices=[("", _("All")), *MatterKind.choices]
    )

    def __init__(
        self,
        data: Any,
        *,
        today: date,
        departments: list[Department] | None,
        **kwargs: Any,
    ) -> None:
        """``departments``: the ones the viewer may pick (None: only their own)."""
        super().__init__(data, **kwargs)
        self.today = today
        self.fields["start"].initial, self.fields["end"].initial = default_period(today)
        if departments is None:
            del self.fields["department"]
        else:
            field = self.fields["department"]
            assert isinstance(field, forms.ChoiceField)
            # The list the page has read already: no query of its own.
            field.choices = [("", _("All departments")), *((d.code, d.name) for d in departments)]
            self._by_code = {d.code: d for d in departments}

    def clean_department(self) -> Department | None:
        code = self.cleaned_data.get("department") or ""
        return self._by_code.get(code) if code else None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = default_period(self.today)
        start, end = data.get("start") or start, data.get("end") or end
        if end < start:
            raise ValidationError(_("The period ends before it starts."))
        if end - start > LONGEST_PERIOD:
            raise ValidationError(_("Pick a period of at most two years."))
        data["start"], data["end"] = start, end
        return data

    def filters(self, *, department_id: int | None) -> DashboardFilters:
        """The filters asked for; invalid entries fall back to the default period (the
        form shows what was wrong). ``department_id``: the viewer's own department when
        they may not pick one."""
        if not self.is_valid():
            start, end = default_period(self.today)
            return DashboardFilters(start=start, end=end, department_id=department_id)
        data = self.cleaned_data
        if "department" in self.fields:
            department_id = data["department"].pk if data.get("department") else None
        return DashboardFilters(
            start=data["start"],
            end=data["end"],
            department_id=department_id,
            matter_kind=data["matter_kind"],
            service_item_code=self._service_item(),
        )

    def _service_item(self) -> str | None:
        return None


class FigureListForm(DashboardFilterForm):
    """The filters of a drill-down list: the dashboard's, plus which figure and which
    service item."""

    figure = forms.ChoiceField(
        label=_("Figure"), choices=[(f, f) for f in Figure.ALL], widget=forms.HiddenInput
    )
    # A catalogue item's code, or NO_SERVICE_ITEM for the cases registered without one.
    service_item = forms.CharField(required=False, max_length=60, widget=forms.HiddenInput)

    def _service_item(self) -> str | None:
        code = self.cleaned_data.get("service_item") or ""
        return code or None


class ExportForm(forms.Form):
    """What to export: the kind the user may export, a period (of registration for cases,
    of raising for violations, of proposal for sanctions) and a department."""

    kind = forms.ChoiceField(label=_("Records"))
    # Read together as “自 … 至 …”: the bare “From”/“To” are translated for other uses.
    start = BusinessDateField(
        label=pgettext_lazy("export period", "From"), required=False, widget=ISO_DATE
    )
    end = BusinessDateField(
        label=pgettext_lazy("export period", "To"), required=False, widget=ISO_DATE
    )
    department = forms.ChoiceField(label=_("Department"), required=False)

    def __init__(
        self, data: Any, *, kinds: list[tuple[str, Any]], departments: list[Department] | None
    ) -> None:
        """``departments``: the ones the user may pick (None: their own only)."""
        super().__init__(data)
        field = self.fields["kind"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = kinds
        if departments is None:
            del self.fields["department"]
        else:
            department = self.fields["department"]
            assert isinstance(department, forms.ChoiceField)
            department.choices = [
                ("", _("All departments")),
                *((d.code, d.name) for d in departments),
            ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            raise ValidationError(_("The period ends before it starts."))
        return data
