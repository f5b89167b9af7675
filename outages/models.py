"""Outages (停水) and what they oblige (DOMAIN §8; seed 003 报告制度, 通报制度).

* ``OutageEvent``: planned works or a fault, its area and figures; the figures change
  while it runs, and every change is kept (``OutageChange``, append-only).
* ``Obligation``: one report or public notice an event calls for, a clock-like row
  with its citation, due moment, ``met_at`` and state; scanned by outages.tasks.
* ``OutageReport`` and ``PublicNotice``: what was done (to whom, by whom, when, how;
  through which channels), append-only.
* ``OutageBreach``: an obligation met late or not at all, once per obligation
  (append-only), for the sanctions app to turn into a violation (seed 003 (二)7 i).
* ``OutageContact``: a citizen's contact (a case) linked to the event it is about.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accountability.models import AppendOnlyModel, BreachRecord
from accountability.regulations import cite
from outages.thresholds import ObligationKind, OutageKind

__all__ = [
    "BreachKind",
    "NoticeChannel",
    "Obligation",
    "ObligationKind",
    "ObligationState",
    "OutageBreach",
    "OutageChange",
    "OutageContact",
    "OutageEvent",
    "OutageKind",
    "OutageReport",
    "PublicNotice",
    "ReportMethod",
    "ReportRecipient",
]


class OutageEvent(models.Model):
    kind = models.CharField(_("kind"), max_length=20, choices=OutageKind.choices)
    title = models.CharField(_("title"), max_length=200)
    area = models.TextField(
        _("area"),
        help_text=_("The zones or streets without water, one a line."),
    )
    households = models.PositiveIntegerField(_("households affected"))
    starts_at = models.DateTimeField(
        _("starts at"), help_text=_("When the water goes off (planned) or went off (fault).")
    )
    expected_restoration_at = models.DateTimeField(_("expected restoration"))
    restored_at = models.DateTimeField(_("restored at"), null=True, blank=True)
    cause = models.TextField(_("cause"))
    department = models.ForeignKey(
        "accountability.Department",
        verbose_name=_("responsible department"),
        on_delete=models.PROTECT,
        related_name="outages",
    )
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responsible person"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Who answers for the reports; empty: the department's head."),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now, db_index=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancel_reason = models.TextField(_("reason for cancelling"), blank=True)

    class Meta:
        verbose_name = _("outage")
        verbose_name_plural = _("outages")
        ordering: ClassVar = ["-starts_at", "-id"]
        indexes: ClassVar = [
            models.Index(fields=["restored_at", "starts_at"], name="outage_running"),
            models.Index(fields=["updated_at", "id"], name="outage_sync"),
        ]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=Q(expected_restoration_at__gt=models.F("starts_at")),
                name="outage_restores_after_start",
                violation_error_message=_("Restoration must come after the water goes off."),
            ),
            models.CheckConstraint(
                condition=Q(restored_at__isnull=True) | Q(restored_at__gt=models.F("starts_at")),
                name="outage_restored_after_start",
                violation_error_message=_("Restoration must come after the water goes off."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def number(self) -> str:
        """The outage's number: the year it starts and the row's id (TS2026-0012)."""
        return f"TS{timezone.localtime(self.starts_at):%Y}-{self.pk or 0:04d}"

    def area_names(self) -> list[str]:
        return [line.strip() for line in self.area.splitlines() if line.strip()]

    def covers(self, address: str) -> bool:
        """The address lies in the area: it names one of the zones or streets."""
        address = address.strip()
        return bool(address) and any(name in address for name in self.area_names())

    @property
    def ends_at(self) -> datetime:
        return self.restored_at or self.expected_restoration_at

    @property
    def is_changeable(self) -> bool:
        """Its figures change until the water is back or the works are called off."""
        return self.restored_at is None and self.cancelled_at is None

    def is_cancellable(self, now: datetime) -> bool:
        """Planned works may be called off until they start, once."""
        planned = self.kind == OutageKind.PLANNED
        return planned and self.cancelled_at is None and self.starts_at > now


class OutageChange(AppendOnlyModel):
    """The event's figures after each change, with who changed them and why; the first
    row is the event as recorded."""

    event = models.ForeignKey(
        OutageEvent, verbose_name=_("outage"), on_delete=models.PROTECT, related_name="changes"
    )
    at = models.DateTimeField(_("at"), default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("changed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    households = models.PositiveIntegerField(_("households affected"))
    starts_at = models.DateTimeField(_("starts at"))
    expected_restoration_at = models.DateTimeField(_("expected restoration"))
    restored_at = models.DateTimeField(_("restored at"), null=True, blank=True)
    area = models.TextField(_("area"))
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        verbose_name = _("outage change")
        verbose_name_plural = _("outage changes")
        ordering: ClassVar = ["event", "at", "id"]

    def __str__(self) -> str:
        return f"{self.event_id} {timezone.localtime(self.at):%Y-%m-%d %H:%M}"


class ObligationState(models.TextChoices):
    PENDING = "pending", _("Pending")
    MET = "met", _("Met in time")
    MET_LATE = "met_late", _("Met late")
    MISSED = "missed", _("Missed")
    WAIVED = "waived", _("No longer owed (works called off)")


class Obligation(models.Model):
    """One report or notice an event calls for: a clock with its citation. Arises once
    per event and kind (when the event is recorded, or the moment it grows past a
    threshold) and is never withdrawn: a figure revised down later does not erase a
    report that was owed."""

    event = models.ForeignKey(
        OutageEvent, verbose_name=_("outage"), on_delete=models.PROTECT, related_name="obligations"
    )
    kind = models.CharField(_("kind"), max_length=30, choices=ObligationKind.choices)
    regulation = models.ForeignKey(
        "accountability.Regulation",
        verbose_name=_("regulation"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    article = models.CharField(_("article"), max_length=100)
    arose_at = models.DateTimeField(_("arose at"))
    due_at = models.DateTimeField(_("due at"))
    met_at = models.DateTimeField(_("met at"), null=True, blank=True)
    breached_at = models.DateTimeField(
        _("breach recorded at"), null=True, blank=True, editable=False
    )
    waived_at = models.DateTimeField(
        _("no longer owed since"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("The planned works were called off before it was due."),
    )
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responsible"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    department = models.ForeignKey(
        "accountability.Department",
        verbose_name=_("department"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    change = models.ForeignKey(
        OutageChange,
        verbose_name=_("arose with"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("reporting obligation")
        verbose_name_plural = _("reporting obligations")
        ordering: ClassVar = ["due_at", "id"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["event", "kind"], name="obligation_once_per_event"),
        ]
        indexes: ClassVar = [
            # The scan's work list: obligations not yet breached, by due moment.
            models.Index(
                fields=["due_at", "id"],
                name="obligation_to_scan",
                condition=Q(breached_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {timezone.localtime(self.due_at):%Y-%m-%d %H:%M}"

    @property
    def citation(self) -> str:
        """《title》article, as every page and API answer shows it."""
        return cite(self.regulation, self.article)

    def state_at(self, now: datetime) -> ObligationState:
        if self.waived_at is not None:
            return ObligationState.WAIVED
        if self.met_at is not None:
            return ObligationState.MET if self.met_at <= self.due_at else ObligationState.MET_LATE
        return ObligationState.MISSED if self.due_at <= now else ObligationState.PENDING


class ReportRecipient(models.TextChoices):
    DISPATCH = "dispatch", _("Dispatch centre (生产调度部)")
    OFFICE_12345 = "12345", _("12345 mayor's hotline office")
    LINE_12319 = "12319", _("12319 supervision line")
    OTHER = "other", _("Other")


RECIPIENT_MEETS = {
    ReportRecipient.DISPATCH: ObligationKind.REPORT_DISPATCH,
    ReportRecipient.OFFICE_12345: ObligationKind.REPORT_12345,
    ReportRecipient.LINE_12319: ObligationKind.NOTIFY_12319,
}


class ReportMethod(models.TextChoices):
    PHONE = "phone", _("Phone")
    WRITTEN = "written", _("In writing")
    FAX = "fax", _("Fax")
    IN_PERSON = "in_person", _("In person")
    SYSTEM = "system", _("Through an information system")


class OutageReport(AppendOnlyModel):
    """A report made about an outage: to whom, by whom, when and how."""

    event = models.ForeignKey(
        OutageEvent, verbose_name=_("outage"), on_delete=models.PROTECT, related_name="reports"
    )
    obligation = models.ForeignKey(
        Obligation,
        verbose_name=_("meets"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reports",
    )
    recipient = models.CharField(_("to"), max_length=20, choices=ReportRecipient.choices)
    method = models.CharField(_("how"), max_length=20, choices=ReportMethod.choices)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reported by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    reported_at = models.DateTimeField(_("reported at"))
    received_by = models.CharField(
        _("received by"), max_length=100, blank=True, help_text=_("Who took the report.")
    )
    note = models.TextField(_("note"), blank=True)
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        verbose_name = _("outage report")
        verbose_name_plural = _("outage reports")
        ordering: ClassVar = ["reported_at", "id"]

    def __str__(self) -> str:
        return (
            f"{self.get_recipient_display()} {timezone.localtime(self.reported_at):%Y-%m-%d %H:%M}"
        )


class NoticeChannel(models.TextChoices):
    """Where a notice went (seed 003 通报制度 (1))."""

    NEWSPAPER = "newspaper", _("Newspapers")
    TELEVISION = "television", _("Television")
    RADIO = "radio", _("Radio")
    WEB = "web", _("Web media (114, information port)")
    COMMUNITY = "community", _("Community offices")
    FIRE_BRIGADE = "fire_brigade", _("119 fire brigade")
    PORTAL = "portal", _("This portal's public page")


class PublicNotice(AppendOnlyModel):
    """A public notice of an outage, with the channels it went through."""

    event = models.ForeignKey(
        OutageEvent, verbose_name=_("outage"), on_delete=models.PROTECT, related_name="notices"
    )
    obligation = models.ForeignKey(
        Obligation,
        verbose_name=_("meets"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="notices",
    )
    published_at = models.DateTimeField(_("published at"))
    channels = models.JSONField(_("channels"), default=list)
    text = models.TextField(_("text"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        verbose_name = _("public notice")
        verbose_name_plural = _("public notices")
        ordering: ClassVar = ["published_at", "id"]

    def __str__(self) -> str:
        return f"{self.event_id} {timezone.localtime(self.published_at):%Y-%m-%d %H:%M}"

    def channel_labels(self) -> list[str]:
        labels = dict(NoticeChannel.choices)
        return [str(labels.get(code, code)) for code in self.channels]


class BreachKind(models.TextChoices):
    # seed 003 (二)7 i: 缓报 (late) or 隐瞒 (not at all); one kind for both, the
    # obligation says which report and whether it came later.
    REPORT_NOT_IN_TIME = "report_not_in_time", _("Outage report late or missing")
    NOTICE_NOT_IN_TIME = "notice_not_in_time", _("Public notice late or missing")


class OutageBreach(BreachRecord):
    """An obligation not met by its due moment (``moment``); once per obligation. The
    sanctions app turns these rows into violations (``responsible``, ``department``,
    ``moment``, ``kind``, with the obligation and the event)."""

    obligation = models.OneToOneField(
        Obligation, verbose_name=_("obligation"), on_delete=models.PROTECT, related_name="breach"
    )
    event = models.ForeignKey(
        OutageEvent, verbose_name=_("outage"), on_delete=models.PROTECT, related_name="breaches"
    )
    kind = models.CharField(_("kind"), max_length=30, choices=BreachKind.choices)

    class Meta:
        verbose_name = _("outage breach")
        verbose_name_plural = _("outage breaches")
        ordering: ClassVar = ["-moment", "-id"]
        indexes: ClassVar = [
            models.Index(fields=["detected_at", "id"], name="outage_breach_detected")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {timezone.localtime(self.moment):%Y-%m-%d %H:%M}"


class OutageContact(models.Model):
    """A citizen's contact (a case) about an outage, linked at the front desk: the
    citizen heard the outage's information instead of a new matter being opened."""

    event = models.ForeignKey(
        OutageEvent, verbose_name=_("outage"), on_delete=models.PROTECT, related_name="contacts"
    )
    case = models.OneToOneField(
        "deadlines.Case",
        verbose_name=_("case"),
        on_delete=models.PROTECT,
        related_name="outage_link",
    )
    linked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("linked by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    linked_at = models.DateTimeField(_("linked at"), default=timezone.now)

    class Meta:
        verbose_name = _("contact about an outage")
        verbose_name_plural = _("contacts about outages")
        ordering: ClassVar = ["-linked_at", "-id"]

    def __str__(self) -> str:
        return f"{self.event_id} ← {self.case_id}"
