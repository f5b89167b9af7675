"""Forms of the case pages: one per action, each carrying the case version it was shown."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accountability.business_dates import BusinessDateTimeField
from accountability.models import Department
from accountability.pickers import (
    StaffChoiceField,
    StaffMultipleChoiceField,
    handling_departments,
    staff_for_picker,
)
from accountability.roles import Role
from deadlines.models import (
    Case,
    CaseState,
    Clock,
    ExtensionRequest,
    FeedbackEntry,
    MatterKind,
    Suspension,
    UnitChoices,
    Urgency,
)
from deadlines.selectors.cases import CaseFilters
from deadlines.selectors.clocks import Colour, clocks_extendable
from deadlines.selectors.search import MAX_QUERY
from deadlines.templatetags.moments import deadline_text

User = get_user_model()

TEXT = forms.Textarea(attrs={"rows": 3})


class CaseFilterForm(forms.Form):
    state = forms.ChoiceField(
        label=_("State"),
        required=False,
        choices=[("open", _("Open")), ("", _("All")), *CaseState.choices],
        initial="open",
    )
    matter_kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("All")), *MatterKind.choices]
    )
    urgency = forms.ChoiceField(
        label=_("Urgency"), required=False, choices=[("", _("All")), *Urgency.choices]
    )
    overdue = forms.BooleanField(label=Colour.RED.label, required=False)
    # The yellow cases, as the case page, the dashboard's "at risk" figure and its list
    # colour them (deadlines.selectors.clocks): not a window of its own.
    at_risk = forms.BooleanField(label=Colour.YELLOW.label, required=False)
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=MAX_QUERY,
        help_text=_("Case number, citizen name, phone, address, account number or subject"),
    )

    def filters(self) -> CaseFilters:
        """The filters asked for. Without a state in the link, open cases; a tampered
        link lists open cases and the form shows what was wrong."""
        if not self.is_valid():
            return CaseFilters(state="open")
        data = self.cleaned_data
        return CaseFilters(
            state=data["state"] if "state" in self.data else "open",
            matter_kind=data["matter_kind"],
            urgency=data["urgency"],
            overdue=data["overdue"],
            at_risk=data["at_risk"],
            search=data["q"],
        )


class ActionForm(forms.Form):
    """Every action form posts the version of the case the user looked at."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        self.case = case
        kwargs.setdefault("initial", {})["version"] = case.version
        super().__init__(*args, **kwargs)


def _eligible_handlers(case: Case) -> Any:
    """Staff of the case's department, less anyone the complaint names (recusal)."""
    return staff_for_picker(
        User.objects.filter(staff__department=case.department_id).exclude(pk__in=case.accused_ids)
    )


class AcceptForm(ActionForm):
    handler = StaffChoiceField(
        label=_("Handler"),
        queryset=User.objects.none(),
        required=False,
        help_text=_("Empty: you handle it yourself."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["handler"].queryset = _eligible_handlers(self.case)  # type: ignore[attr-defined]


class AcceptTransferForm(ActionForm):
    handler = StaffChoiceField(label=_("Handler"), queryset=User.objects.none())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["handler"].queryset = _eligible_handlers(self.case)  # type: ignore[attr-defined]


class AssignForm(AcceptTransferForm):
    reason = forms.CharField(label=_("Reason"), required=False, widget=TEXT)


class TransferForm(ActionForm):
    to_department = forms.ModelChoiceField(
        label=_("To department"), queryset=Department.objects.none()
    )
    handover_note = forms.CharField(label=_("Handover record"), widget=TEXT)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to_department"].queryset = handling_departments().exclude(  # type: ignore[attr-defined]
            pk=self.case.department_id
        )


class NameAccusedForm(ActionForm):
    accused = StaffMultipleChoiceField(
        label=_("Staff complained about"),
        queryset=staff_for_picker(),
        help_text=_(
            "From now on only the inspection office and the assigned handler see the "
            "complainant; the people named can never handle the case."
        ),
    )
    reason = forms.CharField(label=_("What the complaint says about them"), widget=TEXT)


class ReasonForm(ActionForm):
    reason = forms.CharField(label=_("Reason"), widget=TEXT)


class AnswerForm(ActionForm):
    answer = forms.CharField(label=_("Answer given"), widget=TEXT)
    referred_to = forms.CharField(
        label=_("Referred to"),
        required=False,
        max_length=200,
        help_text=_("Outside the utility's scope: which body, and how to reach it."),
    )


class ResolveForm(ActionForm):
    resolution = forms.CharField(label=_("Result"), widget=TEXT)


class NoteForm(ActionForm):
    note = forms.CharField(label=_("Note"), required=False, widget=TEXT)


class ComplexForm(ActionForm):
    reason = forms.CharField(
        label=_("What makes it complex"),
        widget=TEXT,
        help_text=_("The result is then due in 7 days from the same start instead of 2."),
    )


class AgreementForm(ActionForm):
    note = forms.CharField(
        label=_("The proposed handling both sides accepted"),
        widget=TEXT,
        help_text=_("The matter is then closed within 30 working days."),
    )


class SuspendForm(ActionForm):
    kind = forms.ChoiceField(label=_("Special procedure"), choices=Suspension.Kind.choices)
    expected_end = BusinessDateTimeField(label=_("Expected to end"))
    place = forms.CharField(label=_("Place"), max_length=200)
    citizen_notice = forms.CharField(
        label=_("Notice to the citizen"),
        widget=TEXT,
        help_text=_("The time, the place, and that the time does not count."),
    )

    def clean_expected_end(self) -> Any:
        end = self.cleaned_data["expected_end"]
        if end <= timezone.now():
            raise forms.ValidationError(_("The expected end must be in the future."))
        return end


def _extendable_label(clock: Clock) -> str:
    """信访办结(30 日历日,截止 2026-07-01 24:00;延期总共不超过 60 工作日)."""
    policy = clock.policy
    values = {
        "policy": policy.name,
        "amount": clock.limit_amount,
        "unit": UnitChoices(clock.limit_unit.value).label,
        "due": deadline_text(clock.due_at),
        "approver": policy.get_extension_approver_display(),
    }
    if policy.max_extension_amount is None:
        text = _(
            "%(policy)s (%(amount)s %(unit)s, due %(due)s; "
            "extensions approved by %(approver)s, no fixed bound)"
        )
    else:
        text = _(
            "%(policy)s (%(amount)s %(unit)s, due %(due)s; "
            "extensions approved by %(approver)s, at most %(bound)s %(bound_unit)s in all)"
        )
        values["bound"] = policy.max_extension_amount
        values["bound_unit"] = UnitChoices(
            policy.max_extension_unit or clock.limit_unit.value
        ).label
    return str(text % values)


class ExtensionRequestForm(ActionForm):
    """Offers only the clocks that can be extended (clocks_extendable); the amount counts
    in the chosen clock's own unit, which the form names."""

    clock = forms.ModelChoiceField(label=_("Time limit"), queryset=Clock.objects.none())
    amount = forms.IntegerField(
        label=_("More time"),
        min_value=1,
        max_value=365,
        help_text=_("In the time limit's own unit. Who decides is named with each time limit."),
    )
    reason = forms.CharField(label=_("Reason"), widget=TEXT)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        offered = clocks_extendable(self.case, timezone.now())
        field = self.fields["clock"]
        # Any clock of the case is accepted, so that the service explains a refusal by the
        # rules (a deadline just passed, a limit that cannot be extended); only the
        # extendable ones are offered.
        field.queryset = Clock.objects.filter(case=self.case).select_related("policy")  # type: ignore[attr-defined]
        field.widget.choices = [
            ("", "---------"),
            *((clock.pk, _extendable_label(clock)) for clock in offered),
        ]
        if len(offered) == 1:
            field.initial = offered[0].pk
        units = {clock.limit_unit for clock in offered}
        if len(units) == 1:
            (unit,) = units
            self.fields["amount"].label = _("More time (%(unit)s)") % {
                "unit": UnitChoices(unit.value).label
            }


class ExtensionDecisionForm(ActionForm):
    extension = forms.ModelChoiceField(
        widget=forms.HiddenInput, queryset=ExtensionRequest.objects.none()
    )
    approve = forms.TypedChoiceField(
        label=_("Decision"),
        choices=[("yes", _("Approve")), ("no", _("Refuse"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
    citizen_told_at = BusinessDateTimeField(label=_("Citizen told at"), required=False)
    notice_channel = forms.ChoiceField(
        label=_("Citizen told by"),
        required=False,
        choices=[("", "---------"), *FeedbackEntry.Channel.choices],
        help_text=_(
            "The new deadline goes to the citizen by text message on approval. Choose "
            "“Text message” and leave the rest empty to let that message be the notice."
        ),
    )
    notice = forms.CharField(
        label=_("What the citizen was told"),
        required=False,
        widget=TEXT,
        help_text=_("The new deadline and the reason for the extension; logged as a contact."),
    )
    note = forms.CharField(label=_("Note"), required=False, widget=TEXT)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["extension"].queryset = ExtensionRequest.objects.filter(  # type: ignore[attr-defined]
            case=self.case, decision=ExtensionRequest.Decision.PENDING
        )


class FeedbackForm(ActionForm):
    audience = forms.ChoiceField(label=_("To whom"), choices=FeedbackEntry.Audience.choices)
    channel = forms.ChoiceField(label=_("Channel"), choices=FeedbackEntry.Channel.choices)
    content = forms.CharField(label=_("Content"), widget=TEXT)


class SuperviseForm(ActionForm):
    supervisor = StaffChoiceField(label=_("Supervisor"), queryset=staff_for_picker())
    reason = forms.CharField(label=_("What to drive"), widget=TEXT)


class EscalateForm(ActionForm):
    leader = StaffChoiceField(
        label=_("Leader"),
        queryset=User.objects.filter(is_active=True, groups__name=Role.LEADERSHIP.value)
        .select_related("staff__department")
        .order_by("username"),
    )
    reason = forms.CharField(label=_("Reason"), widget=TEXT)


class InstructForm(ActionForm):
    instruction = forms.CharField(label=_("Instruction"), widget=TEXT)
    department = forms.ModelChoiceField(
        label=_("Handling department"), queryset=handling_departments()
    )
    amount = forms.IntegerField(label=_("Time limit"), min_value=1, max_value=365, initial=7)
    unit = forms.ChoiceField(
        label=_("Unit"), choices=UnitChoices.choices, initial=UnitChoices.CALENDAR_DAYS
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].initial = self.case.department_id


class EmptyForm(ActionForm):
    pass
