"""How far the periodic raising of violations (sanctions.services.ingest) has looked
into each source table, so that an idle run reads only the rows recorded since."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from sanctions.models.violations import SourceKind


class RaiseWatermark(models.Model):
    """One row per source table the raising follows by id.

    ``through_id``: every source row with an id up to it has been looked at by a run
    that started after the row was committed (it has its violation, or never will).
    Ids are handed out when a row is inserted but become visible when its transaction
    commits, so a run cannot trust the highest id it sees: it notes it as
    ``pending_id`` with the moment it saw it, and a run starting a safety window later
    (sanctions.services.ingest.WATERMARK_SAFETY), by when the transactions then open
    have ended, checks the rows above ``through_id`` and only then moves it up to
    ``pending_id``."""

    source_kind = models.CharField(
        _("source"), max_length=30, choices=SourceKind.choices, primary_key=True
    )
    through_id = models.BigIntegerField(_("checked through id"), default=0)
    pending_id = models.BigIntegerField(_("highest id seen"), null=True, blank=True)
    pending_at = models.DateTimeField(_("seen at"), null=True, blank=True)

    class Meta:
        verbose_name = _("violation raising watermark")
        verbose_name_plural = _("violation raising watermarks")

    def __str__(self) -> str:
        return f"{self.source_kind} ≤ {self.through_id}"
