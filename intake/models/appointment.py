"""Appointments (办事预约, seed 002 附件3; seed 004 办事预约制)."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition


class Appointment(FSMModelMixin, models.Model):
    """An appointment a citizen leaves when the staff member needed is away, or for a time
    the citizen chooses (seed 002 附件3; seed 004 办事预约制). It is routed to the named
    substitute of an absent staff member, who must call the citizen back in time; a
    citizen 30 minutes late forfeits it (附件3 §9)."""

    class State(models.TextChoices):
        BOOKED = "booked", _("Booked")
        CALLED_BACK = "called_back", _("Called back")
        KEPT = "kept", _("Kept")
        FORFEITED = "forfeited", _("Forfeited")
        CANCELLED = "cancelled", _("Cancelled")

    class Reason(models.TextChoices):
        AWAY = "away", _("The staff member needed is away")
        CHOSEN_TIME = "chosen_time", _("At a time the citizen chooses")

    case = models.ForeignKey(
        "deadlines.Case",
        verbose_name=_("case"),
        on_delete=models.PROTECT,
        related_name="appointments",
    )
    reason = models.CharField(_("reason"), max_length=20, choices=Reason.choices)
    wanted = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("staff member asked for"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    routed_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("routed to"),
        on_delete=models.PROTECT,
        related_name="appointments",
        help_text=_("The staff member asked for, or their named substitute while they are away."),
    )
    scheduled_for = models.DateTimeField(_("scheduled for"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("booked by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    booked_at = models.DateTimeField(_("booked at"), default=timezone.now)
    state = FSMField(
        _("state"),
        max_length=20,
        choices=State.choices,
        default=State.BOOKED,
        protected=True,
    )
    settled_at = models.DateTimeField(_("settled at"), null=True, blank=True)

    class Meta:
        verbose_name = _("appointment")
        verbose_name_plural = _("appointments")
        ordering: ClassVar = ["scheduled_for", "booked_at", "id"]
        indexes: ClassVar = [
            # The forfeiture scan reads only appointments still waiting, by time.
            models.Index(
                fields=["scheduled_for"],
                condition=Q(state__in=["booked", "called_back"]),
                name="appointment_waiting_idx",
            ),
            models.Index(fields=["routed_to", "state"], name="appointment_routed_idx"),
        ]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=~Q(reason="chosen_time") | Q(scheduled_for__isnull=False),
                name="appointment_chosen_time_has_time",
                violation_error_message=_("An appointment for a chosen time needs the time."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.get_state_display()}"

    # -- transitions: state only; intake.services.appointment checks people, stops the
    # callback clock and writes the case's history. The forfeiture scan claims its rows
    # with one UPDATE of its own.

    @transition(field=state, source=State.BOOKED, target=State.CALLED_BACK)
    def call_back(self) -> None:
        """The citizen was called back: the appointment still waits for the visit."""

    @transition(field=state, source=[State.BOOKED, State.CALLED_BACK], target=State.KEPT)
    def keep(self) -> None:
        """The citizen came."""

    @transition(field=state, source=[State.BOOKED, State.CALLED_BACK], target=State.CANCELLED)
    def cancel(self) -> None:
        """Called off, with a reason."""
