"""Accept with deficiency (容缺受理, seed 002 附件4): the citizen's pledge."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition

from intake.models.notice import OneTimeNotice


class Pledge(FSMModelMixin, models.Model):
    """The citizen's signed pledge to hand in deficient materials by a deadline no later
    than the item's promised limit (容缺承诺书, seed 002 附件4). A broken pledge is the
    record that bars the citizen from 容缺 for a year (§13)."""

    class State(models.TextChoices):
        OPEN = "open", _("Open")
        KEPT = "kept", _("Kept")
        BROKEN = "broken", _("Broken")

    case = models.ForeignKey(
        "deadlines.Case", verbose_name=_("case"), on_delete=models.PROTECT, related_name="pledges"
    )
    notice = models.ForeignKey(
        OneTimeNotice,
        verbose_name=_("one-time notice"),
        on_delete=models.PROTECT,
        related_name="pledges",
        help_text=_("The notice that lists the materials pledged."),
    )
    materials = models.JSONField(_("materials pledged"))
    citizen_name = models.CharField(_("citizen"), max_length=60)
    citizen_phone = models.CharField(_("phone"), max_length=30, blank=True)
    citizen_account = models.CharField(_("water account"), max_length=30, blank=True)
    due_at = models.DateTimeField(_("due at"))
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("taken by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    taken_at = models.DateTimeField(_("taken at"), default=timezone.now)
    state = FSMField(
        _("state"),
        max_length=10,
        choices=State.choices,
        default=State.OPEN,
        protected=True,
    )
    settled_at = models.DateTimeField(_("settled at"), null=True, blank=True)

    class Meta:
        verbose_name = _("deficiency pledge")
        verbose_name_plural = _("deficiency pledges")
        ordering: ClassVar = ["-taken_at", "-id"]
        indexes: ClassVar = [
            # The scan for missed pledges reads only open ones, by deadline.
            models.Index(fields=["due_at"], condition=Q(state="open"), name="pledge_open_due_idx"),
            models.Index(
                fields=["citizen_phone", "settled_at"],
                condition=Q(state="broken"),
                name="pledge_broken_phone_idx",
            ),
            models.Index(
                fields=["citizen_account", "settled_at"],
                condition=Q(state="broken"),
                name="pledge_broken_account_idx",
            ),
        ]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["case"], condition=Q(state="open"), name="pledge_one_open_per_case"
            ),
            models.CheckConstraint(
                condition=Q(state="open", settled_at__isnull=True)
                | (~Q(state="open") & Q(settled_at__isnull=False)),
                name="pledge_settled_when_not_open",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.get_state_display()}"

    # -- transitions: state only; intake.services.pledge checks people, the deadline and
    # the case, and writes the case's history.

    @transition(field=state, source=State.OPEN, target=State.KEPT)
    def keep(self) -> None:
        """The pledged materials came in time."""

    @transition(field=state, source=State.OPEN, target=State.BROKEN)
    def lapse(self) -> None:
        """The deadline passed without them: the record that bars the citizen for a year."""
