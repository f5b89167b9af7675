"""Rejection filing (否定备案, seed 002 附件1) and the materials returned after it."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accountability.models import AppendOnlyModel


class RejectionFiling(AppendOnlyModel):
    """A refusal on the record (否定备案台账, seed 002 附件1): reason and legal basis, the
    written notice to the citizen within 3 working days (§8) carrying the right to
    administrative review or litigation (附件6 §6), materials returned on request (§9,
    a row of its own: the filing is history and never changes)."""

    case = models.OneToOneField(
        "deadlines.Case",
        verbose_name=_("case"),
        on_delete=models.PROTECT,
        related_name="rejection_filing",
    )
    reason = models.TextField(_("reason"))
    legal_basis = models.TextField(_("legal basis"))
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("filed by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    filed_at = models.DateTimeField(_("filed at"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("rejection filing")
        verbose_name_plural = _("rejection filings")
        ordering: ClassVar = ["-filed_at", "-id"]

    def __str__(self) -> str:
        return str(self.case_id)

    @property
    def materials_returned_at(self) -> datetime | None:
        """When the materials went back, from the filing's MaterialsReturn (select it with
        the filing: ``select_related("materials_return")``)."""
        try:
            return self.materials_return.returned_at
        except MaterialsReturn.DoesNotExist:
            return None


class MaterialsReturn(AppendOnlyModel):
    """The application materials of a refused application handed back on the citizen's
    request (seed 002 附件1 §9): once per filing."""

    filing = models.OneToOneField(
        RejectionFiling,
        verbose_name=_("rejection filing"),
        on_delete=models.PROTECT,
        related_name="materials_return",
    )
    returned_at = models.DateTimeField(_("materials returned at"), default=timezone.now)
    returned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("returned by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Empty for a return recorded before returns had rows of their own."),
    )

    class Meta:
        verbose_name = _("materials returned")
        verbose_name_plural = _("materials returned")

    def __str__(self) -> str:
        return str(self.filing_id)
