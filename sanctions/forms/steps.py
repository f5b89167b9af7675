"""One form per step on a violation or a decision. Each carries the version of the
violation or decision shown, so a stale page gets a conflict rather than overwriting
someone else's step."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accountability.business_dates import BusinessDateTimeField
from accountability.roles import Role
from sanctions.authority import principal_leader
from sanctions.models import (
    Appeal,
    AppealKind,
    DismissalReason,
    ResponsibilityKind,
    ReviewOutcome,
    SanctionKind,
    Severity,
    ViolationFamily,
)

User = get_user_model()

TEXT = forms.Textarea(attrs={"rows": 3})


class _PersonChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.get_full_name() or obj.get_username())


def _staff() -> Any:
    return User.objects.filter(is_active=True, staff__isnull=False).order_by("username")


def _leaders() -> Any:
    return User.objects.filter(is_active=True, groups__name=Role.LEADERSHIP.value).order_by(
        "username"
    )


class StepForm(forms.Form):
    """Every step posts the version of the violation or decision the user looked at."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args: Any, obj: Any, **kwargs: Any) -> None:
        self.obj = obj
        kwargs.setdefault("initial", {})["version"] = obj.version
        super().__init__(*args, **kwargs)


class EmptyForm(StepForm):
    pass


class ConfirmForm(StepForm):
    severity = forms.ChoiceField(
        label=_("Severity"),
        choices=Severity.choices,
        help_text=_("As the facts show; the type's default is chosen."),
    )
    note = forms.CharField(label=_("Note"), required=False, widget=TEXT)
    # Asked of an overdue violation only (seed 000 §7(二)); removed for other families.
    adverse_effect = forms.TypedChoiceField(
        label=_("Did it cause a complaint or an adverse effect?"),
        choices=[("yes", _("Yes")), ("no", _("No"))],
        coerce=lambda answer: answer == "yes",
        empty_value=None,
        widget=forms.RadioSelect,
        help_text=_("Without one, the rulebook proposes rule 5 at most."),
        error_messages={
            "required": _(
                "Say whether the missed time limit caused a complaint or an adverse effect."
            )
        },
    )
    adverse_effect_note = forms.CharField(
        label=_("Which complaint or what effect"),
        required=False,
        widget=TEXT,
        help_text=_("For “yes”: the complaint, the media report, the harm done."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["severity"].initial = self.obj.severity
        if self.obj.type.family != ViolationFamily.OVERDUE:
            del self.fields["adverse_effect"]
            del self.fields["adverse_effect_note"]
        elif self.obj.adverse_effect is not None:
            self.fields["adverse_effect"].initial = "yes" if self.obj.adverse_effect else "no"


# The reasons a person may give; "its basis was withdrawn" is the system's.
CHOSEN_REASONS = [
    (value, label)
    for value, label in DismissalReason.choices
    if value != DismissalReason.BASIS_WITHDRAWN
]


class DismissForm(StepForm):
    reason = forms.ChoiceField(label=_("Reason"), choices=CHOSEN_REASONS)
    note = forms.CharField(
        label=_("Note"),
        required=False,
        widget=TEXT,
        help_text=_("Needed for “other reason”; the evidence of the good reason otherwise."),
    )


class SetAsideForm(StepForm):
    """Dismissing a confirmed violation on review: it stops counting at once."""

    reason = forms.ChoiceField(label=_("Reason"), choices=CHOSEN_REASONS)
    note = forms.CharField(
        label=_("What the review found"),
        widget=TEXT,
        help_text=_(
            "Every rule that counted this violation is evaluated again; what no longer "
            "holds is withdrawn with this reason."
        ),
    )


class ResponsibilityForm(StepForm):
    person = _PersonChoice(label=_("Person"), queryset=User.objects.none())
    kind = forms.ChoiceField(label=_("Responsibility"), choices=ResponsibilityKind.choices)
    note = forms.CharField(label=_("Note"), required=False, widget=TEXT)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = _staff()  # type: ignore[attr-defined]


class ProposeForm(StepForm):
    chosen_kinds = forms.MultipleChoiceField(
        label=_("Sanctions decided"),
        choices=SanctionKind.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    departure_reason = forms.CharField(
        label=_("Reason for departing from the proposal"),
        required=False,
        widget=TEXT,
        help_text=_("Needed when the kinds chosen are not what the rulebook proposes."),
    )

    def __init__(self, *args: Any, offered: tuple[str, ...] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The kinds the rulebook proposes come first; the others follow for a departure.
        labels = dict(SanctionKind.choices)
        rest = [(kind, label) for kind, label in SanctionKind.choices if kind not in offered]
        self.fields["chosen_kinds"].choices = [  # type: ignore[attr-defined]
            *((kind, labels[kind]) for kind in offered if kind in labels),
            *rest,
        ]


class RefuseForm(StepForm):
    reason = forms.CharField(label=_("Reason for refusing"), widget=TEXT)


class ServeForm(StepForm):
    signed_by = _PersonChoice(
        label=_("Signed by"),
        queryset=User.objects.none(),
        required=False,
        help_text=_(
            "A written warning notice is signed by the efficiency leading group's principal "
            "leader; another decision by whoever decided it or a leader (empty: the decider)."
        ),
    )
    served_at = BusinessDateTimeField(
        label=_("Handed over at"),
        required=False,
        help_text=_("Empty: now."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        principal = principal_leader()
        signers = {self.obj.decided_by_id, principal.pk if principal is not None else None}
        self.fields["signed_by"].queryset = User.objects.filter(  # type: ignore[attr-defined]
            Q(pk__in=_leaders()) | Q(pk__in=[pk for pk in signers if pk is not None])
        ).order_by("username")
        if SanctionKind.WRITTEN_WARNING in self.obj.chosen_kinds and principal is not None:
            self.fields["signed_by"].initial = principal.pk
        else:
            self.fields["signed_by"].initial = self.obj.decided_by_id


class ReferForm(StepForm):
    referred_to = forms.CharField(
        label=_("Referred out to"),
        max_length=200,
        help_text=_(
            "The body that decides it: the discipline inspection commission, the judiciary."
        ),
    )
    referred_at = BusinessDateTimeField(
        label=_("Referred at"), required=False, help_text=_("Empty: now.")
    )
    note = forms.CharField(label=_("Note"), required=False, widget=TEXT)


class ReferralOutcomeForm(StepForm):
    sanctioned = forms.ChoiceField(
        label=_("Sanction imposed"),
        choices=[("yes", _("Yes: a sanction was imposed")), ("no", _("No sanction"))],
        widget=forms.RadioSelect,
    )
    outcome = forms.CharField(label=_("What was decided"), widget=TEXT)
    received_at = BusinessDateTimeField(
        label=_("Outcome received at"), required=False, help_text=_("Empty: now.")
    )


class SelfCriticismForm(StepForm):
    countersigned_by = _PersonChoice(
        label=_("Countersigned by (unit head)"), queryset=User.objects.none()
    )
    received_at = BusinessDateTimeField(
        label=_("Received at"), required=False, help_text=_("Empty: now.")
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["countersigned_by"].queryset = _staff()  # type: ignore[attr-defined]
        head = self.obj.department.head_id if self.obj.department_id else None
        self.fields["countersigned_by"].initial = head


class AppealForm(StepForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=AppealKind.choices)
    grounds = forms.CharField(label=_("Grounds"), widget=TEXT)
    filed_at = BusinessDateTimeField(
        label=_("Filed at"), required=False, help_text=_("Empty: now.")
    )


class ReviewForm(StepForm):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=ReviewOutcome.choices)
    note = forms.CharField(label=_("Note"), widget=TEXT)
    appeal = forms.ModelChoiceField(
        label=_("On the appeal"),
        required=False,
        queryset=Appeal.objects.none(),
        empty_label=_("On the office's own motion"),
    )
    varied_kinds = forms.MultipleChoiceField(
        label=_("Kinds after the review"),
        required=False,
        choices=SanctionKind.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("For a reduced decision: what now stands."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["appeal"].queryset = self.obj.appeals.all()  # type: ignore[attr-defined]
