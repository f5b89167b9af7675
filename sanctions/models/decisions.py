"""Sanction decisions (处理决定) and their procedure (seed 004 告诫程序 1–3): proposed by
the inspection office from the rulebook's proposal, approved or refused by someone else
(leadership for organisational and disciplinary kinds), served with a numbered warning
notice (告诫通知书) while the unit head is told, the written self-criticism received
within 7 days countersigned by the unit head, completed. Appeals and reviews are
append-only records against a decision."""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition

from accountability.models import AppendOnlyModel, HistoryEvent
from sanctions.models.kinds import SELF_CRITICISM_KINDS, WARNING_KINDS


class DecisionState(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Refused")
    SERVED = "served", _("Served")
    REFERRED = "referred", _("Referred out")
    SELF_CRITICISM_RECEIVED = "self_criticism_received", _("Written self-criticism received")
    COMPLETED = "completed", _("Completed")


D = DecisionState
# A decision in one of these states stands (counts for rules 10–12 and award eligibility).
STANDING_STATES = (D.APPROVED, D.SERVED, D.SELF_CRITICISM_RECEIVED, D.COMPLETED)


class WarningNoticeSequence(models.Model):
    """The last warning notice number of a year; bumped atomically by sanction_serve."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("warning notice number sequence")
        verbose_name_plural = _("warning notice number sequences")

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


def _nothing_owed(decision: Any) -> bool:
    return decision.state == D.SELF_CRITICISM_RECEIVED or not decision.needs_self_criticism


class SanctionDecision(FSMModelMixin, models.Model):
    violation = models.ForeignKey(
        "sanctions.Violation",
        verbose_name=_("violation"),
        on_delete=models.PROTECT,
        related_name="decisions",
    )
    responsibility = models.ForeignKey(
        "sanctions.Responsibility",
        verbose_name=_("responsibility"),
        on_delete=models.PROTECT,
        related_name="decisions",
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        related_name="sanction_decisions",
    )
    department = models.ForeignKey(
        "accountability.Department",
        verbose_name=_("department"),
        on_delete=models.PROTECT,
        related_name="sanction_decisions",
        help_text=_("The violation's department: it loses the year's award eligibility too."),
    )
    # The rule and version the proposal came from: a later rulebook changes nothing here.
    rulebook_version = models.ForeignKey(
        "sanctions.RulebookVersion",
        verbose_name=_("rulebook version"),
        on_delete=models.PROTECT,
        related_name="decisions",
    )
    rule = models.ForeignKey(
        "sanctions.Rule", verbose_name=_("rule"), on_delete=models.PROTECT, related_name="decisions"
    )
    proposed_kinds = models.JSONField(_("proposed by the rulebook"), default=list)
    proposal_mode = models.CharField(
        _("proposal"),
        max_length=10,
        help_text=_("all: every kind proposed; any: one or more of them."),
    )
    explanation = models.TextField(_("explanation"))
    counted = models.JSONField(_("earlier records counted"), default=list, blank=True)
    chosen_kinds = models.JSONField(_("decided kinds"), default=list)
    subject_is_department = models.BooleanField(
        _("names the department"),
        default=False,
        help_text=_(
            "The decision is about the unit itself (its head answers for it): the "
            "department loses the year's award eligibility."
        ),
    )
    departure_reason = models.TextField(_("reason for departing from the proposal"), blank=True)

    state = FSMField(
        _("state"),
        max_length=30,
        choices=DecisionState.choices,
        default=DecisionState.PROPOSED,
        protected=True,
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("proposed by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    proposed_at = models.DateTimeField(_("proposed at"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved or refused by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("approved or refused at"), null=True, blank=True)
    refusal_reason = models.TextField(_("reason for refusing"), blank=True)

    # Serving (告诫通知书): numbered, signed by the leader, handed over, unit head told.
    notice_number = models.CharField(
        _("warning notice number"), max_length=20, null=True, blank=True, unique=True
    )
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("signed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The leader who signs the warning notice."),
    )
    served_at = models.DateTimeField(_("served at"), null=True, blank=True)
    served_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("served by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    unit_head = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("unit head told"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    unit_head_told_at = models.DateTimeField(_("unit head told at"), null=True, blank=True)

    # The written self-criticism (书面检查): due 7 days after serving.
    self_criticism_due_at = models.DateTimeField(
        _("written self-criticism due"), null=True, blank=True
    )
    self_criticism_received_at = models.DateTimeField(
        _("written self-criticism received"), null=True, blank=True
    )
    self_criticism_countersigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("countersigned by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    self_criticism_late = models.BooleanField(_("received late"), default=False)

    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)

    # Referred out (移送): party or state discipline and criminal matters are decided
    # elsewhere; the portal records to whom and when, and later the outcome.
    referred_to = models.CharField(_("referred out to"), max_length=200, blank=True)
    referred_at = models.DateTimeField(_("referred at"), null=True, blank=True)
    referral_outcome = models.TextField(_("outcome of the referral"), blank=True)
    referral_outcome_at = models.DateTimeField(
        _("outcome of the referral received at"), null=True, blank=True
    )
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        verbose_name = _("sanction decision")
        verbose_name_plural = _("sanction decisions")
        ordering: ClassVar = ["-proposed_at", "-id"]
        constraints: ClassVar = [
            # Maker-checker, and recusal: nobody decides about themselves.
            models.CheckConstraint(
                condition=Q(decided_by__isnull=True) | ~Q(decided_by=F("proposed_by")),
                name="decision_approver_not_proposer",
            ),
            models.CheckConstraint(
                condition=~Q(proposed_by=F("person")), name="decision_proposer_not_person"
            ),
            models.CheckConstraint(
                condition=Q(decided_by__isnull=True) | ~Q(decided_by=F("person")),
                name="decision_approver_not_person",
            ),
            # One standing (or pending) decision per responsibility; a refused one may be
            # followed by another proposal.
            models.UniqueConstraint(
                fields=["responsibility"],
                condition=~Q(state=DecisionState.REFUSED),
                name="decision_once_per_responsibility",
            ),
        ]
        indexes: ClassVar = [
            models.Index(fields=["state", "proposed_at"], name="decision_queue"),
            models.Index(fields=["person", "decided_at"], name="decision_person"),
            models.Index(fields=["department", "decided_at"], name="decision_department"),
        ]

    def __str__(self) -> str:
        return self.notice_number or f"#{self.pk}"

    @property
    def is_warning(self) -> bool:
        return bool(WARNING_KINDS & set(self.chosen_kinds))

    @property
    def needs_self_criticism(self) -> bool:
        return bool(SELF_CRITICISM_KINDS & set(self.chosen_kinds))

    @property
    def is_standing(self) -> bool:
        return self.state in STANDING_STATES

    # -- transitions: state only; sanctions.services.decisions does the rest --

    @transition(field=state, source=D.PROPOSED, target=D.APPROVED)
    def approve(self) -> None:
        """Approved by someone other than the proposer."""

    @transition(field=state, source=D.PROPOSED, target=D.REFUSED)
    def refuse(self) -> None:
        """Refused, with a reason; the office may propose again."""

    @transition(field=state, source=D.APPROVED, target=D.SERVED)
    def serve(self) -> None:
        """The notice is handed to the person and the unit head is told."""

    @transition(field=state, source=D.PROPOSED, target=D.REFERRED)
    def refer(self) -> None:
        """Referred out (discipline, judiciary): decided elsewhere, recorded here."""

    @transition(field=state, source=D.REFERRED, target=D.COMPLETED)
    def referral_sanctioned(self) -> None:
        """The body it was referred to imposed a sanction: it stands from then on."""

    @transition(field=state, source=D.REFERRED, target=D.REFUSED)
    def referral_not_sanctioned(self) -> None:
        """The body it was referred to imposed none; the office may propose again."""

    @transition(field=state, source=D.SERVED, target=D.SELF_CRITICISM_RECEIVED)
    def receive_self_criticism(self) -> None:
        """The written self-criticism, countersigned by the unit head, reached the office."""

    @transition(
        field=state,
        source=[D.SERVED, D.SELF_CRITICISM_RECEIVED],
        target=D.COMPLETED,
        conditions=[_nothing_owed],
    )
    def complete(self) -> None:
        """Done: nothing more is owed."""


class DecisionEvent(HistoryEvent):
    """One step in a decision's history (append-only; a trigger refuses changes)."""

    decision = models.ForeignKey(
        SanctionDecision,
        verbose_name=_("sanction decision"),
        on_delete=models.PROTECT,
        related_name="events",
    )
    from_state = models.CharField(
        _("from"), max_length=30, choices=DecisionState.choices, blank=True
    )
    to_state = models.CharField(_("to"), max_length=30, choices=DecisionState.choices)

    class Meta:
        verbose_name = _("decision event")
        verbose_name_plural = _("decision events")
        ordering: ClassVar = ["at", "id"]
        indexes: ClassVar = [models.Index(fields=["decision", "at"], name="decision_event_at")]


class AppealKind(models.TextChoices):
    APPEAL = "appeal", _("Appeal by the person sanctioned")
    REVIEW_REQUEST = "review_request", _("Review asked by the complainant")


class Appeal(AppendOnlyModel):
    """An appeal against a decision (申诉), or a complainant's request for review of the
    outcome (复查, seed 002 附件10 §4)."""

    decision = models.ForeignKey(
        SanctionDecision,
        verbose_name=_("sanction decision"),
        on_delete=models.PROTECT,
        related_name="appeals",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=AppealKind.choices)
    grounds = models.TextField(_("grounds"))
    filed_at = models.DateTimeField(_("filed at"), default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("appeal")
        verbose_name_plural = _("appeals")
        ordering: ClassVar = ["-filed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {timezone.localtime(self.filed_at):%Y-%m-%d}"


class ReviewOutcome(models.TextChoices):
    UPHELD = "upheld", _("Upheld")
    VARIED = "varied", _("Reduced")
    QUASHED = "quashed", _("Quashed")


class Review(AppendOnlyModel):
    """The outcome of a review of a decision, on an appeal or on the office's own motion.
    A quashed decision no longer counts (rules 10–12, award eligibility)."""

    decision = models.ForeignKey(
        SanctionDecision,
        verbose_name=_("sanction decision"),
        on_delete=models.PROTECT,
        related_name="reviews",
    )
    appeal = models.ForeignKey(
        Appeal,
        verbose_name=_("appeal"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reviews",
    )
    outcome = models.CharField(_("outcome"), max_length=10, choices=ReviewOutcome.choices)
    note = models.TextField(_("note"))
    varied_kinds = models.JSONField(
        _("kinds after the review"),
        default=list,
        blank=True,
        help_text=_("For a reduced decision: what now stands."),
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewer"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        ordering: ClassVar = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_outcome_display()} {timezone.localtime(self.at):%Y-%m-%d}"


class SanctionNotificationKind(models.TextChoices):
    UNIT_HEAD_TOLD = "unit_head_told", _("A warning notice was served on your staff")
    DECISION_AWAITING = "decision_awaiting", _("A proposed sanction awaits your decision")


class SanctionNotification(models.Model):
    """What a person should see about a decision: the unit head is told when a notice is
    served on one of their staff (seed 004 告诫程序 3: 告知所在办、站负责人), and must
    countersign the written self-criticism. deadlines.Notification is about a case's
    clock, so decisions have their own. Once per recipient, decision and kind."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="sanction_notifications",
        db_index=False,  # the constraint's index starts with it
    )
    decision = models.ForeignKey(
        SanctionDecision,
        verbose_name=_("sanction decision"),
        on_delete=models.PROTECT,
        related_name="notifications",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=SanctionNotificationKind.choices)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    # Emailed with the case notifications (deadlines.services.notifications).
    emailed_at = models.DateTimeField(_("emailed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("accountability notification")
        verbose_name_plural = _("accountability notifications")
        ordering: ClassVar = ["-created_at", "-id"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["recipient", "decision", "kind"], name="sanction_notification_once"
            ),
        ]
        indexes: ClassVar = [
            models.Index(
                fields=["created_at", "id"],
                name="sanction_notification_to_email",
                condition=models.Q(emailed_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} → {self.recipient}"
