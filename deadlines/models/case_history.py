"""A case's history: its events (the audit row of every step), transfers to another
department, extension requests, suspensions and the feedback log.

deadlines.services.cases writes them, in the transaction that moves the case
(deadlines.models.cases).
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accountability.models import AppendOnlyModel, HistoryEvent
from deadlines.models.cases import Case, CaseState
from deadlines.models.working_time import UnitChoices


class EventAction(models.TextChoices):
    OPEN = "open", _("Registered")
    ANSWER = "answer", _("Answered on the spot")
    NEW_LOOKUP_SECRET = "new_lookup_secret", _("New receipt secret issued")
    ACCEPT = "accept", _("Accepted")
    ASSIGN = "assign", _("Handler assigned")
    TRANSFER = "transfer", _("Transferred")
    ACCEPT_TRANSFER = "accept_transfer", _("Transfer accepted")
    RETURN_TRANSFER = "return_transfer", _("Transfer returned as misrouted")
    START_WORK = "start_work", _("Work started")
    SUSPEND = "suspend", _("Suspended for a special procedure")
    RESUME = "resume", _("Resumed")
    REQUEST_EXTENSION = "request_extension", _("Extension requested")
    APPROVE_EXTENSION = "approve_extension", _("Extension approved")
    REFUSE_EXTENSION = "refuse_extension", _("Extension refused")
    FEEDBACK = "feedback", _("Contact logged")
    SUPERVISE = "supervise", _("Supervisor named")
    ESCALATE = "escalate", _("Escalated to leadership")
    INSTRUCT = "instruct", _("Leader's instruction")
    RESOLVE = "resolve", _("Result recorded")
    SEND_BACK = "send_back", _("Sent back to the handler")
    CLOSE = "close", _("Signed off and closed")
    RATE = "rate", _("Satisfaction rated")
    REQUEST_REVIEW = "request_review", _("Review requested")
    REJECT = "reject", _("Rejected")
    TERMINATE = "terminate", _("Terminated")
    WITHDRAW = "withdraw", _("Withdrawn")
    # Front-desk steps that leave the state as it is (intake records the details).
    NOTICE = "notice", _("One-time notice issued")
    MATERIAL_REQUEST = "material_request", _("Material asked for after the notice")
    PLEDGE = "pledge", _("Deficiency pledge signed")
    PLEDGE_KEPT = "pledge_kept", _("Pledged material handed in")
    REJECTION_FILED = "rejection_filed", _("Rejection filed")
    APPOINTMENT = "appointment", _("Appointment booked")
    CALLBACK = "callback", _("Citizen called back")
    APPOINTMENT_KEPT = "appointment_kept", _("Appointment kept")
    APPOINTMENT_FORFEITED = "appointment_forfeited", _("Appointment forfeited")
    APPOINTMENT_CANCELLED = "appointment_cancelled", _("Appointment cancelled")
    NAME_ACCUSED = "name_accused", _("Staff complained about named")
    # Steps that choose a time limit (DOMAIN §3).
    MARK_COMPLEX = "mark_complex", _("Marked complex by the handling unit's head")
    RECORD_AGREEMENT = "record_agreement", _("Both sides accepted the proposed handling")
    START_CLOCK = "start_clock", _("Time limit started")


class CaseEvent(HistoryEvent):
    """One step in a case's history: who moved it from which state to which, and why.

    Append-only, like the audit log (a database trigger refuses changes on PostgreSQL).
    Actions that do not move the state (an extension, a feedback entry) are events too,
    with the same state before and after.
    """

    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="events"
    )
    action = models.CharField(_("action"), max_length=40, choices=EventAction.choices)
    from_state = models.CharField(_("from"), max_length=20, choices=CaseState.choices, blank=True)
    to_state = models.CharField(_("to"), max_length=20, choices=CaseState.choices)

    class Meta:
        verbose_name = _("case event")
        verbose_name_plural = _("case events")
        ordering: ClassVar = ["at", "id"]
        indexes: ClassVar = [models.Index(fields=["case", "at"], name="case_event_case_at")]


class Transfer(models.Model):
    """A handover to another department (转办), with its outcome."""

    class Outcome(models.TextChoices):
        PENDING = "pending", _("Awaiting the head's decision")
        ACCEPTED = "accepted", _("Accepted")
        RETURNED = "returned", _("Returned as misrouted")

    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="transfers"
    )
    from_department = models.ForeignKey(
        "accountability.Department",
        verbose_name=_("from"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    to_department = models.ForeignKey(
        "accountability.Department",
        verbose_name=_("to"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    handover_note = models.TextField(_("handover record"))
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("sent by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    sent_at = models.DateTimeField(_("sent at"))
    outcome = models.CharField(
        _("outcome"), max_length=20, choices=Outcome.choices, default=Outcome.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    return_reason = models.TextField(_("reason for returning"), blank=True)

    class Meta:
        verbose_name = _("transfer")
        verbose_name_plural = _("transfers")
        ordering: ClassVar = ["sent_at", "id"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["case"],
                condition=Q(outcome="pending"),
                name="one_pending_transfer_per_case",
            ),
            models.CheckConstraint(
                condition=~Q(from_department=models.F("to_department")),
                name="transfer_to_another_department",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case.number}: {self.from_department} → {self.to_department}"


class ExtensionRequest(models.Model):
    """A request for more time on one clock (延期), and the head's decision."""

    class Decision(models.TextChoices):
        PENDING = "pending", _("Awaiting the head's decision")
        APPROVED = "approved", _("Approved")
        REFUSED = "refused", _("Refused")

    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="extensions"
    )
    clock = models.ForeignKey(
        "deadlines.Clock",
        verbose_name=_("clock"),
        on_delete=models.PROTECT,
        related_name="extensions",
    )
    amount = models.PositiveIntegerField(_("more time"), validators=[MinValueValidator(1)])
    unit = models.CharField(_("unit"), max_length=20, choices=UnitChoices.choices)
    reason = models.TextField(_("reason"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    requested_at = models.DateTimeField(_("requested at"))
    due_when_requested = models.DateTimeField(_("deadline when requested"))
    decision = models.CharField(
        _("decision"), max_length=20, choices=Decision.choices, default=Decision.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)
    citizen_told_at = models.DateTimeField(
        _("citizen told at"),
        null=True,
        blank=True,
        help_text=_("When the citizen was told of the new deadline."),
    )
    # The approval records how the citizen was told as a logged contact, so the contact
    # log (and the scan for extensions not told) sees it; empty on approvals recorded
    # before the notice was part of the step.
    citizen_notice = models.OneToOneField(
        "deadlines.FeedbackEntry",
        verbose_name=_("notice to the citizen"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="extension",
    )

    class Meta:
        verbose_name = _("extension request")
        verbose_name_plural = _("extension requests")
        ordering: ClassVar = ["requested_at", "id"]
        indexes: ClassVar = [
            # The scan for extensions the citizen was not told about reads the recent
            # approvals only (deadlines.services.scans).
            models.Index(
                fields=["decided_at"],
                name="extension_approved_decided",
                condition=Q(decision="approved"),
            ),
        ]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["clock"],
                condition=Q(decision="pending"),
                name="one_pending_extension_per_clock",
            ),
            models.CheckConstraint(
                condition=~Q(decision="approved") | Q(citizen_told_at__isnull=False),
                name="approved_extension_records_notice",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case.number}: +{self.amount} {self.get_unit_display()}"


class Suspension(models.Model):
    """A special procedure during which the case's clocks pause (seed 002 附件6 §5(2))."""

    class Kind(models.TextChoices):
        HEARING = "hearing", _("Hearing")
        INSPECTION = "inspection", _("Inspection")
        TESTING = "testing", _("Testing")
        SITE_SURVEY = "site_survey", _("Site survey")
        EXPERT_REVIEW = "expert_review", _("Expert review")

    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="suspensions"
    )
    kind = models.CharField(_("special procedure"), max_length=20, choices=Kind.choices)
    expected_end = models.DateTimeField(_("expected to end"))
    place = models.CharField(_("place"), max_length=200)
    citizen_notice = models.TextField(
        _("notice to the citizen"),
        help_text=_("What the citizen was told: the time, the place, and that it does not count."),
    )
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("started by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    started_at = models.DateTimeField(_("started at"))
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("ended by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)

    class Meta:
        verbose_name = _("suspension")
        verbose_name_plural = _("suspensions")
        ordering: ClassVar = ["started_at", "id"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["case"],
                condition=Q(ended_at__isnull=True),
                name="one_open_suspension_per_case",
            ),
            models.CheckConstraint(
                condition=Q(expected_end__gt=models.F("started_at")),
                name="suspension_expected_end_after_start",
                violation_error_message=_("The expected end must be after the start."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case.number}: {self.get_kind_display()}"


class FeedbackEntry(AppendOnlyModel):
    """One contact about the case: with the citizen, or a report to the first responder
    or the leader. "Every matter has an answer" (seed 003 投诉责任制度 (1)). History:
    written once, never changed (a trigger refuses it on PostgreSQL)."""

    class Channel(models.TextChoices):
        PHONE = "phone", _("Phone")
        WRITTEN = "written", _("In writing")
        IN_PERSON = "in_person", _("In person")
        SMS = "sms", _("Text message")

    class Audience(models.TextChoices):
        CITIZEN = "citizen", _("The citizen")
        FIRST_RESPONDER = "first_responder", _("The first responder")
        LEADER = "leader", _("The leader")

    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="feedback"
    )
    audience = models.CharField(
        _("to whom"), max_length=20, choices=Audience.choices, default=Audience.CITIZEN
    )
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    content = models.TextField(_("content"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("at"))

    class Meta:
        verbose_name = _("feedback entry")
        verbose_name_plural = _("feedback log")
        ordering: ClassVar = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.case.number} {self.at:%Y-%m-%d %H:%M} {self.get_audience_display()}"
