"""The inspection office's forms to record a founded complaint and an inspection finding
(DOMAIN §7: a violation's source and its evidence). The services validate again."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from accountability.business_dates import BusinessDateTimeField
from accountability.models import Department
from deadlines.models import Case
from sanctions.models import Severity, ViolationType
from sanctions.models.violations import AGGREGATE_FAMILIES

User = get_user_model()

TEXT = forms.Textarea(attrs={"rows": 4})
SEVERITY_CHOICES = [("", _("The type's default")), *Severity.choices]


class _PersonChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        department = getattr(getattr(obj, "staff", None), "department", None)
        name = str(obj.get_full_name() or obj.get_username())
        return f"{name} · {department.name}" if department is not None else name


class _TypeChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} ({obj.get_family_display()})"


class _TypesChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} ({obj.get_family_display()})"


def _staff() -> Any:
    return (
        User.objects.filter(is_active=True, staff__isnull=False)
        .select_related("staff__department")
        .order_by("staff__department__code", "username")
    )


def _types() -> Any:
    # Aggregate types are raised by the rulebook's rules only.
    return ViolationType.objects.exclude(family__in=AGGREGATE_FAMILIES).order_by("family", "code")


def _case(number: str) -> Case | None:
    number = number.strip()
    if not number:
        return None
    case = Case.objects.select_related("department").filter(number=number).first()
    if case is None:
        raise forms.ValidationError(
            _("No case has the number %(number)s."), params={"number": number}
        )
    return case


class ComplaintForm(forms.Form):
    case = forms.CharField(
        label=_("Case number"),
        max_length=40,
        help_text=_("The contact the complaint is about (as on the receipt)."),
        error_messages={"required": _("Give the number of the case the complaint is about.")},
    )
    staff = _PersonChoice(
        label=_("Staff member complained about"),
        queryset=User.objects.none(),
        error_messages={"required": _("Choose the staff member the complaint is about.")},
    )
    types = _TypesChoice(
        label=_("Violation types founded"),
        queryset=ViolationType.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("One complaint may be founded on several: one violation each."),
        error_messages={"required": _("Choose at least one violation type.")},
    )
    occurred_at = BusinessDateTimeField(
        label=_("When it happened"),
        error_messages={"required": _("Say when it happened.")},
    )
    severity = forms.ChoiceField(label=_("Severity"), choices=SEVERITY_CHOICES, required=False)
    evidence = forms.CharField(
        label=_("What the investigation found"),
        widget=TEXT,
        help_text=_(
            "The evidence: who was heard, what the records show. The staff member never sees "
            "the complainant's identity."
        ),
        error_messages={"required": _("Write down what the investigation found.")},
    )
    summary = forms.CharField(label=_("Summary"), required=False, widget=TEXT)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["staff"].queryset = _staff()  # type: ignore[attr-defined]
        self.fields["types"].queryset = _types()  # type: ignore[attr-defined]

    def clean_case(self) -> Case | None:
        return _case(self.cleaned_data["case"])


class FindingForm(forms.Form):
    department = forms.ModelChoiceField(
        label=_("Department"),
        queryset=Department.objects.order_by("code"),
        required=False,
        empty_label=_("The staff member's department"),
    )
    staff = _PersonChoice(
        label=_("Staff member"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("Nobody named: the department"),
    )
    type = _TypeChoice(
        label=_("Violation type"),
        queryset=ViolationType.objects.none(),
        error_messages={"required": _("Choose the violation type.")},
    )
    occurred_at = BusinessDateTimeField(
        label=_("When it happened"),
        error_messages={"required": _("Say when it happened.")},
    )
    severity = forms.ChoiceField(label=_("Severity"), choices=SEVERITY_CHOICES, required=False)
    finding = forms.CharField(
        label=_("What the inspection found"),
        widget=TEXT,
        help_text=_("The evidence: what was checked and what it showed."),
        error_messages={"required": _("Write down what the inspection found.")},
    )
    case = forms.CharField(
        label=_("Case number"),
        max_length=40,
        required=False,
        help_text=_("Optional: the case the finding is about."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["staff"].queryset = _staff()  # type: ignore[attr-defined]
        self.fields["type"].queryset = _types()  # type: ignore[attr-defined]

    def clean_case(self) -> Case | None:
        return _case(self.cleaned_data["case"])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("department") and not data.get("staff") and not data.get("case"):
            self.add_error("department", _("Name the staff member or the department."))
        return data
