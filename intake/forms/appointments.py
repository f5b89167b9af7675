"""Forms of the appointment pages. They only collect input: when an appointment may be
and where it goes are the service's business (intake.services.appointment)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib.auth import get_user_model
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from accountability.business_dates import BusinessDateTimeField
from accountability.models import Absence, StaffProfile
from deadlines.models import FeedbackEntry
from intake.models import Appointment
from intake.selectors.appointments import staff_with_absences

if TYPE_CHECKING:
    from django.contrib.auth.models import User

TEXT = forms.Textarea(attrs={"rows": 2})


def _name(user: User) -> str:
    return str(user.get_full_name() or user.get_username())


def _staff_label(profile: StaffProfile, absence: Absence | None) -> str:
    name = _name(profile.user)
    if absence is None:
        return name
    until = formats.date_format(timezone.localtime(absence.ends_at), "SHORT_DATETIME_FORMAT")
    if absence.substitute is None:
        return str(_("%(name)s — away until %(until)s, no substitute named")) % {
            "name": name,
            "until": until,
        }
    return str(_("%(name)s — away until %(until)s, substitute: %(substitute)s")) % {
        "name": name,
        "until": until,
        "substitute": _name(absence.substitute),
    }


def staff_choices(at: datetime) -> list[tuple[str, Any]]:
    """Staff grouped by department (an optgroup each), the absent ones marked."""
    groups: dict[str, list[tuple[int, str]]] = {}
    for profile, absence in staff_with_absences(at=at):
        groups.setdefault(profile.department.name, []).append(
            (profile.user_id, _staff_label(profile, absence))
        )
    return [("", "—"), *groups.items()]


class AppointmentForm(forms.Form):
    wanted = forms.TypedChoiceField(label=_("Staff member asked for"), coerce=int)
    reason = forms.ChoiceField(
        label=_("Why an appointment"),
        choices=Appointment.Reason.choices,
        widget=forms.RadioSelect,
        initial=Appointment.Reason.AWAY,
    )
    scheduled_for = BusinessDateTimeField(
        label=_("Time"),
        required=False,
        help_text=_("Needed when the citizen chooses the time; China time."),
    )
    note = forms.CharField(
        label=_("Note"),
        widget=TEXT,
        required=False,
        help_text=_("What the citizen needs, and how to reach them."),
    )

    def __init__(self, *args: Any, at: datetime, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["wanted"].choices = staff_choices(at)  # type: ignore[attr-defined]

    def clean_wanted(self) -> Any:
        user = get_user_model().objects.filter(pk=self.cleaned_data["wanted"]).first()
        if user is None:
            raise forms.ValidationError(_("Choose a staff member."))
        return user


class CallBackForm(forms.Form):
    channel = forms.ChoiceField(
        label=_("Channel"), choices=FeedbackEntry.Channel.choices, initial="phone"
    )
    note = forms.CharField(label=_("What the citizen was told"), widget=TEXT, required=False)


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Why it is cancelled"), widget=TEXT, required=False)


class KeepForm(forms.Form):
    pass
