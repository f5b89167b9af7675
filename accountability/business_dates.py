"""Dates a person or a client system gives the portal for its business (when water was cut
off, when an appointment is, the period of a report, "changed since" for the API) lie
within a span that business can have: from FIRST_YEAR to YEARS_AHEAD years from now.

A year such as 9999 is a typing slip or a probe, never a date the utility works to: the
deadline arithmetic would run past the end of the calendar (Python's dates stop at
9999-12-31), and a filter or a report over it means nothing. Every form field and API
field that takes a date or a moment is one of the fields below, or carries
``validate_business_date``, so that such a value is refused with a message that says
which dates are accepted.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _

FIRST_YEAR = 1950
YEARS_AHEAD = 10


def business_years() -> tuple[int, int]:
    """The first and the last year a business date may have, today."""
    return FIRST_YEAR, timezone.localdate().year + YEARS_AHEAD


def validate_business_date(value: date | datetime | None) -> None:
    if value is None:
        return
    first, last = business_years()
    if not first <= value.year <= last:
        raise ValidationError(
            _("Enter a date between the years %(first)s and %(last)s."),
            code="business_date",
            params={"first": first, "last": last},
        )


class BusinessDateField(forms.DateField):
    default_validators = [validate_business_date]


class BusinessDateTimeField(forms.DateTimeField):
    """A moment, entered in the browser's own date-and-time picker."""

    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
    default_validators = [validate_business_date]


# For ModelAdmin.formfield_overrides: the admin's date and moment fields (with their
# calendar widgets) validated like the portal's own.
ADMIN_FORMFIELD_OVERRIDES: dict[type[models.Field[Any, Any]], dict[str, Any]] = {
    models.DateField: {"validators": [validate_business_date]},
    models.DateTimeField: {"validators": [validate_business_date]},
}
