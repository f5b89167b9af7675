"""What the periodic scans record: breaches (超时), reminder notices (催办通知书) and
their circulation (通报), and the notifications staff see under the bell.

Every row is written by deadlines.services.scans with ``INSERT … ON CONFLICT DO
NOTHING``; the unique constraints below, not a check in Python, make each breach,
notice and notification exist once however many scans run at the same moment.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accountability.models import BreachRecord


class BreachKind(models.TextChoices):
    # A clock past its due moment (红牌); covers every kind of clock, appointment
    # callbacks included.
    OVERDUE = "overdue", _("Deadline missed")
    # An approved extension with no contact with the citizen logged by the end of the
    # next working day (seed 001 §6(二): the citizen is told of an extension).
    EXTENSION_NOT_TOLD = "extension_not_told", _("Extension not told to the citizen")
    # A suspension with no delivered message and no logged contact with the citizen by
    # the end of the next working day (DOMAIN §3: the citizen is told the time, the place
    # and that it does not count).
    SUSPENSION_NOT_TOLD = "suspension_not_told", _("Suspension not told to the citizen")


class Breach(BreachRecord):
    """One breach of a time limit: the clock, what was missed and the moment it was
    missed (``moment``: the clock's due moment). The sanctions app turns breaches into
    violations; deadlines only records them. Append-only: a clock whose deadline moves
    and is missed again gets a new row with the new moment. ``responsible`` is the
    clock's responsible person, or else the department's head."""

    # Indexed by breach_once, which starts with the clock.
    clock = models.ForeignKey(
        "deadlines.Clock",
        verbose_name=_("clock"),
        on_delete=models.PROTECT,
        related_name="breaches",
        db_index=False,
    )
    # The clock's case, copied for the readers that go by case. No foreign-key constraint
    # in the database: the breach's checked key is its clock, and this is always that
    # clock's own case (the scans copy c.case_id from the clock row they insert from; the
    # extension and suspension scans take the clock from the case), whose key to the case
    # is checked on the clock; a clock never moves to another case and cases are never
    # deleted (PROTECT). The deferred check cost the overdue scan a lookup and a row lock
    # (a heap write) per breached case at commit (issue 24).
    case = models.ForeignKey(
        "deadlines.Case",
        verbose_name=_("case"),
        on_delete=models.PROTECT,
        related_name="breaches",
        db_constraint=False,
    )
    kind = models.CharField(_("kind"), max_length=30, choices=BreachKind.choices)
    # Indexed by breach_once_per_extension.
    extension = models.ForeignKey(
        "deadlines.ExtensionRequest",
        verbose_name=_("extension"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="breaches",
        db_index=False,
    )
    # Indexed by breach_once_per_suspension.
    suspension = models.ForeignKey(
        "deadlines.Suspension",
        verbose_name=_("suspension"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="breaches",
        db_index=False,
    )

    class Meta:
        verbose_name = _("breach")
        verbose_name_plural = _("breaches")
        ordering: ClassVar = ["-moment", "-id"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["clock", "kind", "moment"], name="breach_once"),
            models.UniqueConstraint(
                fields=["extension"],
                condition=Q(extension__isnull=False),
                name="breach_once_per_extension",
            ),
            models.UniqueConstraint(
                fields=["suspension"],
                condition=Q(suspension__isnull=False),
                name="breach_once_per_suspension",
            ),
        ]
        indexes: ClassVar = [
            models.Index(fields=["detected_at", "id"], name="breach_detected"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {timezone.localtime(self.moment):%Y-%m-%d %H:%M}"


class ReminderStage(models.TextChoices):
    REMINDER = "reminder", _("Reminder notice")
    CIRCULATION = "circulation", _("Circulated")


class Reminder(models.Model):
    """A reminder notice (催办通知书) about a missed deadline, addressed to the handler and
    copied to the supervising leader the day after the miss; circulated (通报) when the
    clock is still overdue five working days later (DOMAIN §10). Printable."""

    # Indexed by reminder_once_per_stage, which starts with the breach.
    breach = models.ForeignKey(
        Breach,
        verbose_name=_("breach"),
        on_delete=models.PROTECT,
        related_name="reminders",
        db_index=False,
    )
    stage = models.CharField(_("stage"), max_length=20, choices=ReminderStage.choices)
    issued_at = models.DateTimeField(_("issued at"), default=timezone.now)
    addressee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("addressed to"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    copied_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("copied to"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The department's supervising leader."),
    )
    department = models.ForeignKey(
        "accountability.Department",
        verbose_name=_("department"),
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("reminder notice")
        verbose_name_plural = _("reminder notices")
        ordering: ClassVar = ["-issued_at", "-id"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["breach", "stage"], name="reminder_once_per_stage"),
        ]

    def __str__(self) -> str:
        return f"{self.get_stage_display()} {self.number}"

    @property
    def number(self) -> str:
        """The printed number: the year issued and the row's id (2026-000123)."""
        return f"{timezone.localtime(self.issued_at):%Y}-{self.pk:06d}"


class NotificationKind(models.TextChoices):
    WARNING = "warning", _("Yellow card: a deadline is near")
    OVERDUE = "overdue", _("Red card: a deadline was missed")
    EXTENSION_NOT_TOLD = "extension_not_told", _("An extension was not told to the citizen")
    SUSPENSION_NOT_TOLD = "suspension_not_told", _("A suspension was not told to the citizen")
    REMINDER = "reminder", _("Reminder notice")
    CIRCULATION = "circulation", _("Reminder notice circulated")
    # Hand-overs (issue 22): work arrived for the recipient; the case page is where it is done.
    HANDED_OVER = "handed_over", _("A case was given to you")
    ARRIVED = "arrived", _("A case was registered for your department")
    TRANSFER_AWAITING = "transfer_awaiting", _("A transfer awaits your acceptance")
    TRANSFER_RETURNED = "transfer_returned", _("A transfer was returned")
    EXTENSION_AWAITING = "extension_awaiting", _("An extension awaits your decision")
    ESCALATED = "escalated", _("A case was reported to you")
    SUPERVISING = "supervising", _("You were named supervisor of a case")
    SIGN_OFF_AWAITING = "sign_off_awaiting", _("A resolved case awaits your sign-off")
    SENT_BACK = "sent_back", _("A case was sent back to you")


class Notification(models.Model):
    """Something a person should see under the bell: a yellow or red card on a clock
    they answer for, or a reminder notice. Unique per recipient and source, so a scan
    that runs again adds none."""

    # A notification is written once per scan and read by its recipient, so it carries
    # only the indexes its readers use (the constraint and the Meta indexes below, all
    # led by the recipient): the sources it points at are never deleted (PROTECT) and
    # never looked up from here, and every index costs the scans an insert per row.
    #
    # Nor does it carry foreign-key constraints in the database (db_constraint=False on
    # each key below): a notification is derived, never a record, and each key is right
    # by construction. The scans insert it with INSERT … SELECT from the very rows it
    # points at (the clock they lock and mark, the breach or reminder notice inserted in
    # the same transaction, the case and the users read through those rows' own checked
    # keys); a hand-over's is built in the caller's transaction from the event it has
    # just recorded, on the case it holds locked, for users it has just read. Cases,
    # clocks, events, breaches and reminder notices are never deleted (append-only, all
    # PROTECTed), nor are users (accounts are deactivated), and Django still applies
    # on_delete (PROTECT, CASCADE) to any deletion through the ORM. The deferred checks
    # were up to half of each scan (issue 24): four lookups and row locks per row, at
    # commit, for a guarantee the statement already gives.
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="notifications",
        db_index=False,
        db_constraint=False,
    )
    kind = models.CharField(_("kind"), max_length=30, choices=NotificationKind.choices)
    case = models.ForeignKey(
        "deadlines.Case",
        verbose_name=_("case"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    # A scan's notification is about a clock; a hand-over's is about the case event that
    # handed the work over (and has no clock).
    clock = models.ForeignKey(
        "deadlines.Clock",
        verbose_name=_("clock"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    event = models.ForeignKey(
        "deadlines.CaseEvent",
        verbose_name=_("case event"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    breach = models.ForeignKey(
        Breach,
        verbose_name=_("breach"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    reminder = models.ForeignKey(
        Reminder,
        verbose_name=_("reminder notice"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    # The deadline the notification is about: the due moment a yellow card warns of (as
    # it stood then), the deadline missed, the moment the citizen was to be told by; for
    # a hand-over, the moment the work was handed over.
    moment = models.DateTimeField(_("moment"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("emailed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering: ClassVar = ["-created_at", "-id"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["recipient", "kind", "clock", "moment"], name="notification_once"
            ),
            models.UniqueConstraint(
                fields=["recipient", "kind", "event"],
                name="notification_handover_once",
                condition=Q(event__isnull=False),
            ),
            models.CheckConstraint(
                condition=Q(clock__isnull=False) | Q(event__isnull=False),
                name="notification_has_source",
            ),
        ]
        indexes: ClassVar = [
            models.Index(fields=["recipient", "-created_at", "-id"], name="notification_inbox"),
            # The bell's count: one index-only probe per page.
            models.Index(
                fields=["recipient"],
                name="notification_unread",
                condition=Q(read_at__isnull=True),
            ),
            models.Index(
                fields=["created_at", "id"],
                name="notification_to_email",
                condition=Q(emailed_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} → {self.recipient}"
