"""The registration form (首问登记): built for the keyboard, every field validated."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accountability.models import Department
from accountability.pickers import StaffChoiceField, handling_departments, staff_for_picker
from deadlines.models import Channel, Circumstance, MatterKind, Urgency
from intake.selectors.catalogue import service_item_list
from intake.services.registration import Disposition
from outages.models import OutageEvent
from outages.selectors import outages_running

TEXT = forms.Textarea(attrs={"rows": 3})

DISPOSITIONS = [
    (Disposition.ANSWER.value, _("Answered on the spot")),
    (Disposition.ACCEPT.value, _("Accept: I handle it")),
    (Disposition.PASS_ON.value, _("Pass on to a colleague of my department")),
    (Disposition.TRANSFER.value, _("Transfer to the responsible department")),
    (Disposition.REFER_OUT.value, _("Outside our scope: guidance given")),
    (Disposition.REVIEW.value, _("Application registered for review: accept or refuse later")),
]


class RegistrationForm(forms.Form):
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices)
    matter_kind = forms.ChoiceField(label=_("Kind"), choices=MatterKind.choices)
    urgency = forms.ChoiceField(
        label=_("Urgency"),
        choices=Urgency.choices,
        initial=Urgency.NORMAL,
        help_text=_("Urgent (no water, a leak, polluted water): sent straight to dispatch."),
    )
    citizen_name = forms.CharField(label=_("Citizen's name"), max_length=100)
    citizen_phone = forms.CharField(label=_("Phone"), max_length=30, required=False)
    citizen_email = forms.EmailField(
        label=_("Email"),
        required=False,
        help_text=_("Optional: the citizen's messages are sent there too."),
        error_messages={"invalid": _("Enter a valid email address, such as name@example.com.")},
    )
    citizen_account = forms.CharField(
        label=_("Water account number"), max_length=40, required=False
    )
    citizen_address = forms.CharField(label=_("Address"), max_length=200, required=False)
    service_item = forms.ChoiceField(label=_("Service item"), required=False)
    circumstance = forms.ChoiceField(
        label=_("Circumstance"),
        choices=[("", "—"), *Circumstance.choices],
        required=False,
        help_text=_("Only where it applies: it selects the time limit the regulation sets."),
    )
    subject = forms.CharField(label=_("Subject"), max_length=200)
    content = forms.CharField(label=_("Content"), widget=TEXT)
    disposition = forms.ChoiceField(
        label=_("What you did"),
        choices=DISPOSITIONS,
        widget=forms.RadioSelect,
        initial=Disposition.ACCEPT.value,
    )
    answer = forms.CharField(label=_("Answer or guidance given"), widget=TEXT, required=False)
    referred_to = forms.CharField(
        label=_("Referred to"),
        max_length=200,
        required=False,
        help_text=_("Which body, and how to reach it."),
    )
    colleague = StaffChoiceField(
        label=_("Colleague"), queryset=get_user_model().objects.none(), required=False
    )
    to_department = forms.ModelChoiceField(
        label=_("Responsible department"), queryset=Department.objects.none(), required=False
    )
    handover_note = forms.CharField(label=_("Handover record"), widget=TEXT, required=False)
    # A "no water" contact from a running outage's area (issue 10): linked to the outage
    # and answered with its information instead of opening an unrelated matter.
    outage = forms.ModelChoiceField(
        label=_("Running outage"),
        queryset=OutageEvent.objects.none(),
        required=False,
        help_text=_(
            "A “no water” contact about a running outage: link it; the citizen is told "
            "the outage's information and expected restoration."
        ),
    )

    def __init__(self, *args: Any, department: Department, clerk: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["service_item"].choices = [("", "—")] + [  # type: ignore[attr-defined]
            (item.code, item.name) for item in service_item_list()
        ]
        # Passing a contact on is to someone else of the clerk's department.
        self.fields["colleague"].queryset = staff_for_picker(  # type: ignore[attr-defined]
            get_user_model().objects.filter(staff__department=department).exclude(pk=clerk.pk)
        )
        self.fields["to_department"].queryset = handling_departments().exclude(  # type: ignore[attr-defined]
            pk=department.pk
        )
        self.fields["outage"].queryset = outages_running(now=timezone.now())  # type: ignore[attr-defined]

    # The two halves of the page: what was registered, and what the responder did.
    CONTACT_FIELDS = (
        "channel",
        "matter_kind",
        "urgency",
        "citizen_name",
        "citizen_phone",
        "citizen_email",
        "citizen_account",
        "citizen_address",
        "service_item",
        "circumstance",
        "subject",
        "content",
    )
    DISPOSITION_FIELDS = (
        "disposition",
        "answer",
        "referred_to",
        "colleague",
        "to_department",
        "handover_note",
        "outage",
    )

    def contact_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.CONTACT_FIELDS]

    def disposition_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.DISPOSITION_FIELDS]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not (
            data.get("citizen_phone") or data.get("citizen_account") or data.get("citizen_address")
        ):
            self.add_error(
                "citizen_phone", _("Give a phone number, an account number or an address.")
            )
        circumstance = data.get("circumstance")
        if circumstance and Circumstance.kind_of(circumstance) != data.get("matter_kind"):
            self.add_error(
                "circumstance",
                _("“%(circumstance)s” applies only to a matter of the kind “%(kind)s”.")
                % {
                    "circumstance": Circumstance(circumstance).label,
                    "kind": MatterKind(Circumstance.kind_of(circumstance)).label,
                },
            )
        if data.get("urgency") == Urgency.URGENT or data.get("outage"):
            return data  # dispatch takes it, or the outage's information answers it
        needs = {
            Disposition.ANSWER: ["answer"],
            Disposition.REFER_OUT: ["answer", "referred_to"],
            Disposition.PASS_ON: ["colleague"],
            Disposition.TRANSFER: ["to_department", "handover_note"],
        }.get(Disposition(data.get("disposition", Disposition.ACCEPT)), [])
        for name in needs:
            if not data.get(name):
                self.add_error(name, _("Needed for what you did."))
        return data
