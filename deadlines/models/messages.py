"""Messages to the citizen (SMS, or email where the citizen gave one), as records that
count: a delivered message is the "citizen told" evidence a suspension or an extension
requires (DOMAIN §3).

A message is history: written once (to whom, which template with which parameters, the
case and clock it serves) and never changed. What happens to it afterwards (each attempt,
the provider's acceptance, delivery or failure) is a MessageEvent, appended too; the
message's status is that of its latest event. The unique constraints below, not checks in
Python, make a message exist once per step that owes it (``key``), be sent at most once
per attempt, accepted once and settled (delivered or failed) once.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accountability.models import AppendOnlyModel


class MessageKind(models.TextChoices):
    RECEIPT = "receipt", _("Receipt")
    SUSPENSION = "suspension", _("Suspension")
    EXTENSION = "extension", _("Extension")
    RESULT = "result", _("Result")
    CALLBACK = "callback", _("Callback request")
    OUTAGE_START = "outage_start", _("Outage start")
    OUTAGE_RESTORED = "outage_restored", _("Supply restored")


class MessageChannel(models.TextChoices):
    SMS = "sms", _("Text message")
    EMAIL = "email", _("Email")


class MessageStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    ATTEMPT = "attempt", _("Sending")
    ERROR = "error", _("Attempt failed, to be retried")
    SENT = "sent", _("Sent")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed")


class MessageTemplate(models.Model):
    """The wording of one kind of message, and its codes at the SMS providers (which
    send only registered templates under a registered signature). Data: edited in the
    administration, seeded by migration deadlines 0016."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    body = models.TextField(
        _("text"),
        help_text=_("The message text, with parameters in braces, such as {number}."),
    )
    param_names = models.JSONField(
        _("parameters"),
        default=list,
        blank=True,
        help_text=_("The parameters in the order the provider's template numbers them."),
    )
    alibaba_code = models.CharField(_("Alibaba Cloud template code"), max_length=40, blank=True)
    tencent_id = models.CharField(_("Tencent Cloud template ID"), max_length=40, blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("message template")
        verbose_name_plural = _("message templates")
        ordering: ClassVar = ["code"]

    def __str__(self) -> str:
        return self.name


class CitizenMessage(AppendOnlyModel):
    """One message to a citizen. History: never changed; its fate is its events."""

    # Who owes it and for what, such as "suspension:12:sms": the second attempt to owe
    # the same message (a task run twice, a step retried) meets this constraint.
    key = models.CharField(_("key"), max_length=120, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=MessageKind.choices)
    channel = models.CharField(_("channel"), max_length=10, choices=MessageChannel.choices)
    to = models.CharField(_("to"), max_length=254)
    template = models.ForeignKey(
        MessageTemplate, verbose_name=_("template"), on_delete=models.PROTECT, related_name="+"
    )
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    # Parameters that must not be readable from the database (the receipt's lookup
    # secret, of which only a digest is kept): encrypted with a key derived from
    # SECRET_KEY (deadlines.messaging.sealing).
    sealed = models.TextField(_("sealed parameters"), blank=True, editable=False)
    case = models.ForeignKey(
        "deadlines.Case",
        verbose_name=_("case"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="messages",
    )
    clock = models.ForeignKey(
        "deadlines.Clock",
        verbose_name=_("clock"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="messages",
    )
    suspension = models.ForeignKey(
        "deadlines.Suspension",
        verbose_name=_("suspension"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="messages",
    )
    extension = models.ForeignKey(
        "deadlines.ExtensionRequest",
        verbose_name=_("extension"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="messages",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    # Quiet hours: an SMS owed at night waits until this moment.
    not_before = models.DateTimeField(_("not before"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("message to the citizen")
        verbose_name_plural = _("messages to citizens")
        ordering: ClassVar = ["-created_at", "-id"]
        indexes: ClassVar = [
            models.Index(fields=["not_before", "id"], name="message_not_before"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} → {self.to}"


class MessageEvent(AppendOnlyModel):
    """What happened to a message: an attempt, its error, the provider's acceptance, the
    delivery receipt. History: never changed."""

    message = models.ForeignKey(
        CitizenMessage,
        verbose_name=_("message"),
        on_delete=models.PROTECT,
        related_name="events",
        db_index=False,  # message_event_order starts with it
    )
    status = models.CharField(_("status"), max_length=20, choices=MessageStatus.choices)
    attempt = models.PositiveSmallIntegerField(_("attempt"), default=0)
    at = models.DateTimeField(_("at"), default=timezone.now)
    provider_ref = models.CharField(_("provider reference"), max_length=100, blank=True)
    detail = models.CharField(_("detail"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("message event")
        verbose_name_plural = _("message events")
        ordering: ClassVar = ["at", "id"]
        indexes: ClassVar = [
            models.Index(fields=["message", "id"], name="message_event_order"),
            models.Index(
                fields=["provider_ref"],
                name="message_event_provider_ref",
                condition=Q(status="sent"),
            ),
        ]
        constraints: ClassVar = [
            # One sender per attempt: two workers running the same task both try to
            # claim it; the second is refused before it calls the provider.
            models.UniqueConstraint(
                fields=["message", "attempt"],
                condition=Q(status="attempt"),
                name="message_one_claim_per_attempt",
            ),
            models.UniqueConstraint(
                fields=["message"], condition=Q(status="sent"), name="message_sent_once"
            ),
            models.UniqueConstraint(
                fields=["message"],
                condition=Q(status__in=["delivered", "failed"]),
                name="message_settled_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.message_id} {self.get_status_display()}"


class MessageOptOut(models.Model):
    """A phone number or email address that asked not to receive messages: nothing is
    sent to it, outage messages included (quiet hours spare outages; an opt-out does
    not)."""

    address = models.CharField(_("phone or email"), max_length=254, unique=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("message opt-out")
        verbose_name_plural = _("message opt-outs")
        ordering: ClassVar = ["address"]

    def __str__(self) -> str:
        return self.address
