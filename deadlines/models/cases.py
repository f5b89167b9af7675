"""Cases (办件): their states and numbers, and the state machine. What happens to a case
besides its state (its events, transfers, extensions, suspensions and the feedback log)
is in deadlines.models.case_history.

The transitions here only move the state; deadlines.services.cases calls them after
locking the row and checking the actor, and does everything else (events, clocks) in
the same transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition

from accountability.rules import may
from deadlines.models.working_time import Channel, MatterKind, Urgency


class CaseState(models.TextChoices):
    REGISTERED = "registered", _("Registered")
    ACCEPTED = "accepted", _("Accepted")
    IN_PROGRESS = "in_progress", _("In progress")
    AWAITING_TRANSFER = "awaiting_transfer", _("Awaiting transfer acceptance")
    SUSPENDED = "suspended", _("Suspended")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed (archived)")
    REJECTED = "rejected", _("Rejected")
    TERMINATED = "terminated", _("Terminated")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    REOPENED = "reopened", _("Reopened for review or rework")


S = CaseState
# Where no more work happens; a closed case may still be reopened by a review request or
# a poor rating, the others are final.
ENDED_STATES = frozenset({S.CLOSED, S.REJECTED, S.TERMINATED, S.WITHDRAWN})
# The others, in a fixed order: a partial index's condition and the queries it serves
# must spell the list alike for PostgreSQL to match them.
OPEN_STATES = tuple(sorted(state.value for state in S if state not in ENDED_STATES))
# Where the handling department works the case.
WORKING_STATES = (S.ACCEPTED, S.IN_PROGRESS, S.REOPENED)


class HandlingMode(models.TextChoices):
    """The four handling modes (seed 003 投诉工作程序 (2))."""

    DIRECT = "direct", _("Direct (直办)")
    TRANSFER = "transfer", _("Transferred (转办)")
    SUPERVISED = "supervised", _("Supervised (督办)")
    ESCALATED = "escalated", _("Escalated (呈办)")


class CaseSequence(models.Model):
    """The last case number handed out in a year; bumped atomically by the services."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("case number sequence")
        verbose_name_plural = _("case number sequences")

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


CASE_NUMBER = RegexValidator(r"^\d{4}-\d{6,}$", _("A case number looks like 2026-000123."))


def rule(perm: str) -> Callable[[Any, Any], bool]:
    """A transition's permission, asked of the rules (accountability.rules.may): an
    administrator's superuser flag moves no case."""
    return lambda case, user: may(user, perm, case)


class Case(FSMModelMixin, models.Model):
    """A matter tracked until it is closed (办件)."""

    number = models.CharField(
        _("case number"), max_length=20, unique=True, validators=[CASE_NUMBER]
    )
    opened_at = models.DateTimeField(_("opened at"), default=timezone.now)
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    matter_kind = models.CharField(_("kind of matter"), max_length=20, choices=MatterKind.choices)
    urgency = models.CharField(
        _("urgency"), max_length=10, choices=Urgency.choices, default=Urgency.NORMAL
    )
    variant = models.SlugField(
        _("variant"),
        max_length=40,
        blank=True,
        help_text=_("Picks the narrower time limit a regulation names, such as 'complex'."),
    )
    service_item_code = models.SlugField(_("service item"), max_length=60, blank=True)
    subject = models.CharField(_("subject"), max_length=200)
    content = models.TextField(_("content"))

    citizen_name = models.CharField(_("citizen's name"), max_length=100)
    citizen_phone = models.CharField(_("citizen's phone"), max_length=30, blank=True)
    # Messages also go by email when the citizen gave an address (deadlines.services.messages).
    citizen_email = models.EmailField(_("citizen's email"), blank=True)
    citizen_address = models.CharField(_("address"), max_length=200, blank=True)
    citizen_account = models.CharField(_("water account number"), max_length=40, blank=True)

    first_responder = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("first responder"),
        on_delete=models.PROTECT,
        related_name="first_contact_cases",
    )
    department = models.ForeignKey(
        "accountability.Department",
        verbose_name=_("handling department"),
        on_delete=models.PROTECT,
        related_name="cases",
    )
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handler"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="handled_cases",
    )
    handling_mode = models.CharField(
        _("handling mode"),
        max_length=20,
        choices=HandlingMode.choices,
        default=HandlingMode.DIRECT,
    )
    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("supervisor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="supervised_cases",
        help_text=_("The person sent to drive a supervised case (督办)."),
    )
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("leader"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="escalated_cases",
        help_text=_("The leader an escalated case is reported to (呈办)."),
    )
    instruction = models.TextField(_("leader's instruction"), blank=True)
    # A complaint or report about staff names them here (recorded by
    # deadlines.services.cases.case_name_accused). It makes the complainant's identity and
    # materials protected (deadlines.rules.may_see_complainant) and bars the people named
    # from handling the case (recusal, seed 002 附件10 §5–6).
    accused = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("staff complained about"),
        blank=True,
        related_name="complaints_about",
    )
    referred_to = models.CharField(
        _("referred to"),
        max_length=200,
        blank=True,
        help_text=_("For a matter outside the utility's scope: which body, and how to reach it."),
    )

    state = FSMField(
        _("state"),
        max_length=20,
        choices=CaseState.choices,
        default=CaseState.REGISTERED,
        protected=True,
    )
    # A keyed digest of the receipt's lookup secret (deadlines.lookup), never the secret.
    lookup_digest = models.CharField(_("lookup digest"), max_length=64, blank=True, editable=False)
    # Bumped by every service that changes the case: a page posts the version it showed,
    # and a mismatch is a conflict rather than a silent overwrite.
    version = models.PositiveIntegerField(_("version"), default=1)
    # Every service saves the case when it changes it, so this is the moment of the last
    # change: REST clients sync with it (updated_since, cursor pagination).
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    resolution = models.TextField(_("result"), blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    rating = models.PositiveSmallIntegerField(
        _("satisfaction rating"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    rated_at = models.DateTimeField(_("rated at"), null=True, blank=True)
    # The earliest due moment and the earliest warning moment of the case's running clocks
    # (deadlines.selectors.clocks.running_clocks), kept by the database itself: triggers on
    # the clock table (migration 0018) recompute them whenever a clock's due or warning
    # moment, stop or case changes, whichever code wrote it, and a trigger on this table
    # puts back the truth if a save writes a stale copy. Lists sort and colour by them
    # without touching the clocks (deadlines.selectors.clocks.case_colour).
    next_due_at = models.DateTimeField(_("next deadline"), null=True, blank=True, editable=False)
    first_warn_at = models.DateTimeField(
        _("first warning moment"), null=True, blank=True, editable=False
    )

    # Set by case_open for the receipt; never stored (only its digest is).
    lookup_secret: str = ""

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering: ClassVar = ["-opened_at", "-id"]
        indexes: ClassVar = [
            # The lists (deadlines.selectors.cases): a department's cases, of one state or
            # all, and a person's as handler or first responder, in list order (next
            # deadline first, without one last, then newest), so that a page, however
            # deep, and the count are read from the index alone (on PostgreSQL, with the
            # columns the filters test included) rather than sorted from the table.
            models.Index(
                fields=["department", "next_due_at", "-opened_at", "-id"],
                name="case_department_listed",
                include=["state", "first_warn_at"],
            ),
            models.Index(
                fields=["department", "state", "next_due_at", "-opened_at", "-id"],
                name="case_department_state_listed",
                include=["first_warn_at"],
            ),
            models.Index(
                fields=["handler", "next_due_at", "-opened_at", "-id"],
                name="case_handler_listed",
                include=["state", "first_warn_at"],
            ),
            models.Index(
                fields=["first_responder", "next_due_at", "-opened_at", "-id"],
                name="case_first_responder_listed",
                include=["state", "first_warn_at", "handler", "supervisor", "leader"],
            ),
            models.Index(fields=["handler", "state"], name="case_handler_state"),
            models.Index(fields=["first_responder", "state"], name="case_first_responder_state"),
            models.Index(fields=["updated_at", "id"], name="case_updated"),
            # A citizen's earlier contacts, latest first
            # (intake.selectors.registration.earlier_contacts, by phone or by water
            # account): a few index entries, not every case
            # (migration 0020 builds them concurrently on PostgreSQL).
            models.Index(
                fields=["citizen_phone", "-opened_at", "-id"], name="case_citizen_phone_latest"
            ),
            models.Index(
                fields=["citizen_account", "-opened_at", "-id"],
                name="case_citizen_account_latest",
            ),
            # The newest cases first: a broad search (a common word of the subject) reads
            # its latest hits from here instead of sorting every hit
            # (deadlines.selectors.search).
            models.Index(fields=["-opened_at", "-id"], name="case_latest"),
            # The dashboard's live counts (oversight.selectors.dashboard): open, at-risk and overdue
            # cases per department and service item, read from this index alone.
            models.Index(
                fields=["department", "service_item_code", "matter_kind"],
                include=["next_due_at", "first_warn_at"],
                condition=Q(state__in=OPEN_STATES),
                name="case_open_figures",
            ),
        ]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5),
                name="case_rating_one_to_five",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.subject}"

    @property
    def is_ended(self) -> bool:
        return self.state in ENDED_STATES

    @property
    def accused_ids(self) -> frozenset[int]:
        """The ids of the staff complained about; read from the prefetch when there is one
        (deadlines.selectors.cases.case_get prefetches it)."""
        cache = getattr(self, "_prefetched_objects_cache", {})
        if "accused" in cache:
            return frozenset(person.pk for person in cache["accused"])
        if self.pk is None:
            return frozenset()
        return frozenset(self.accused.values_list("pk", flat=True))

    @property
    def is_about_staff(self) -> bool:
        """A complaint or report naming staff: its complainant's identity is protected."""
        return bool(self.accused_ids)

    # -- transitions: state only; permission is checked with the rules of the same name --

    @transition(
        field=state, source=S.REGISTERED, target=S.CLOSED, permission=rule("deadlines.answer_case")
    )
    def answer(self) -> None:
        """The first responder answers on the spot, or gives guidance to the competent body
        for a matter outside the utility's scope: closed at once, and still counted."""

    @transition(
        field=state,
        source=S.REGISTERED,
        target=S.ACCEPTED,
        permission=rule("deadlines.accept_case"),
    )
    def accept(self) -> None:
        """The department takes the case on and names its handler."""

    @transition(
        field=state,
        source=[S.REGISTERED, S.ACCEPTED, S.IN_PROGRESS, S.REOPENED],
        target=S.AWAITING_TRANSFER,
        permission=rule("deadlines.transfer_case"),
    )
    def transfer(self) -> None:
        """Sent to another department, whose head accepts or returns it."""

    @transition(
        field=state,
        source=S.AWAITING_TRANSFER,
        target=S.ACCEPTED,
        permission=rule("deadlines.decide_transfer"),
    )
    def accept_transfer(self) -> None:
        """The receiving head accepts the transfer and assigns a handler."""

    @transition(
        field=state,
        source=S.AWAITING_TRANSFER,
        target=S.REGISTERED,
        permission=rule("deadlines.decide_transfer"),
    )
    def return_transfer(self) -> None:
        """The receiving head returns a misrouted transfer to the sender, with a reason."""

    @transition(
        field=state,
        source=[S.ACCEPTED, S.REOPENED],
        target=S.IN_PROGRESS,
        permission=rule("deadlines.work_case"),
    )
    def start_work(self) -> None:
        """The handler starts working the case."""

    @transition(
        field=state,
        source=[S.ACCEPTED, S.IN_PROGRESS, S.REOPENED],
        target=S.SUSPENDED,
        permission=rule("deadlines.work_case"),
    )
    def suspend(self) -> None:
        """A special procedure pauses the case's clocks."""

    @transition(
        field=state,
        source=S.SUSPENDED,
        target=S.IN_PROGRESS,
        permission=rule("deadlines.work_case"),
    )
    def resume(self) -> None:
        """The special procedure is over; the clocks run again."""

    @transition(
        field=state,
        source=[S.ACCEPTED, S.IN_PROGRESS, S.REOPENED],
        target=S.RESOLVED,
        permission=rule("deadlines.work_case"),
    )
    def resolve(self) -> None:
        """The handler records the result; the head signs it off to close the case."""

    @transition(
        field=state, source=S.RESOLVED, target=S.CLOSED, permission=rule("deadlines.close_case")
    )
    def close(self) -> None:
        """The department head signs off and the case is archived."""

    @transition(
        field=state,
        source=S.RESOLVED,
        target=S.IN_PROGRESS,
        permission=rule("deadlines.close_case"),
    )
    def send_back(self) -> None:
        """The head refuses to sign off and sends the case back to the handler."""

    @transition(
        field=state, source=S.CLOSED, target=S.REOPENED, permission=rule("deadlines.reopen_case")
    )
    def reopen(self) -> None:
        """A review request or a poor rating caused by the unit reopens a closed case."""

    @transition(
        field=state,
        source=S.REGISTERED,
        target=S.REJECTED,
        permission=rule("deadlines.reject_case"),
    )
    def reject(self) -> None:
        """Refused with a legal reason (rejection filing, seed 002 附件1)."""

    @transition(
        field=state,
        source=[S.ACCEPTED, S.IN_PROGRESS, S.SUSPENDED, S.REOPENED],
        target=S.TERMINATED,
        permission=rule("deadlines.terminate_case"),
    )
    def terminate(self) -> None:
        """Ended without a result, such as a broken pledge (seed 002 附件4 §12)."""

    @transition(
        field=state,
        source=[
            S.REGISTERED,
            S.ACCEPTED,
            S.IN_PROGRESS,
            S.AWAITING_TRANSFER,
            S.SUSPENDED,
            S.REOPENED,
        ],
        target=S.WITHDRAWN,
        permission=rule("deadlines.withdraw_case"),
    )
    def withdraw(self) -> None:
        """The citizen withdraws the matter."""
