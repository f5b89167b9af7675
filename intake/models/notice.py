"""The one-time notice (一次性告知书) and the materials asked for after it (补正)."""

from __future__ import annotations

from typing import ClassVar, Final

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accountability.models import AppendOnlyModel, BreachRecord
from intake.models.catalogue import ServiceItem


class MaterialStatus(models.TextChoices):
    """What the first responder found for each material of the item."""

    PRESENT = "present", _("Present")
    MISSING = "missing", _("Missing")
    # Handed in but not as the form requirements ask (a copy for an original, unsigned…).
    DEFICIENT = "deficient", _("Deficient")


# The statuses a notice asks the citizen to supply or correct.
TO_SUPPLY: Final = (MaterialStatus.MISSING, MaterialStatus.DEFICIENT)


class OneTimeNotice(AppendOnlyModel):
    """A written one-time notice (一次性告知书) as handed to the citizen: a snapshot of the
    service item and the checklist, numbered, never changed afterwards (seed 002 附件6 §3,
    §7). Append-only: a database trigger refuses changes on PostgreSQL."""

    number = models.CharField(_("notice number"), max_length=30, unique=True)
    case = models.ForeignKey(
        "deadlines.Case", verbose_name=_("case"), on_delete=models.PROTECT, related_name="notices"
    )
    service_item = models.ForeignKey(
        ServiceItem,
        verbose_name=_("service item"),
        on_delete=models.PROTECT,
        related_name="notices",
        help_text=_("The version in force when the notice was issued."),
    )
    # Everything the notice states, as printed: the item's fields and, per material, its
    # name, form requirements, whether it may be deficient and the status found.
    content = models.JSONField(_("content"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("issued by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    issued_at = models.DateTimeField(_("issued at"), default=timezone.now)

    class Meta:
        verbose_name = _("one-time notice")
        verbose_name_plural = _("one-time notices")
        ordering: ClassVar = ["-issued_at", "-id"]

    def __str__(self) -> str:
        return self.number

    @property
    def materials(self) -> list[dict[str, object]]:
        return list(self.content.get("materials", []))

    @property
    def materials_to_supply(self) -> list[dict[str, object]]:
        return [m for m in self.materials if m.get("status") in TO_SUPPLY]


class MaterialRequest(AppendOnlyModel):
    """A material asked of the citizen after a one-time notice (补正). Asking for one the
    notice did not list as missing or deficient is a one-time-notice breach."""

    case = models.ForeignKey(
        "deadlines.Case",
        verbose_name=_("case"),
        on_delete=models.PROTECT,
        related_name="material_requests",
    )
    notice = models.ForeignKey(
        OneTimeNotice,
        verbose_name=_("one-time notice"),
        on_delete=models.PROTECT,
        related_name="later_requests",
    )
    material = models.CharField(_("material"), max_length=120)
    note = models.TextField(_("note"), blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)

    class Meta:
        verbose_name = _("later material request")
        verbose_name_plural = _("later material requests")
        ordering: ClassVar = ["-requested_at", "-id"]

    def __str__(self) -> str:
        return self.material


class NoticeBreachKind(models.TextChoices):
    # A material asked for after a one-time notice that did not list it as missing or
    # deficient (违反一次性告知制, seed 002 附件6 §9).
    NOTICE_INCOMPLETE = "notice_incomplete", _("One-time-notice breach")


class NoticeBreach(BreachRecord):
    """A one-time-notice breach (违反一次性告知制) against the notice's issuer, for the
    inspection office (seed 002 附件6 §9; seed 004 一). One per later request; the
    sanctions app raises one violation per notice, from its first breach (DOMAIN §7).

    A notice has no deadline: ``moment`` is the later request's (when asking for the
    material showed the notice had left it out), ``department`` the issuer's, or else
    the case's, when the breach was recorded."""

    request = models.OneToOneField(
        MaterialRequest,
        verbose_name=_("later material request"),
        on_delete=models.PROTECT,
        related_name="breach",
    )
    notice = models.ForeignKey(
        OneTimeNotice, verbose_name=_("one-time notice"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(
        _("kind"),
        max_length=30,
        choices=NoticeBreachKind.choices,
        default=NoticeBreachKind.NOTICE_INCOMPLETE,
    )
    moment = models.DateTimeField(
        _("at"), help_text=_("When the material the notice left out was asked for.")
    )
    # Always named: the notice's issuer.
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responsible"),
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The issuer of the notice that left the material out."),
    )

    class Meta:
        verbose_name = _("one-time-notice breach")
        verbose_name_plural = _("one-time-notice breaches")
        ordering: ClassVar = ["-moment", "-id"]

    def __str__(self) -> str:
        return f"{self.notice.number}: {self.request.material}"
