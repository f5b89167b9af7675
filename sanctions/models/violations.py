"""Violation types (违规情形), violations (违规记录) with the evidence they came from, and
who answers for them (responsibility, seed 000 §10).

A violation comes from exactly one source. Source rows of other apps (a breach, a
one-time-notice breach, a refusal-phrase flag, an outage report or notice missed) and
of this one (an aggregate rule firing) are foreign keys with a partial unique
constraint each, so the database, not a check in Python, keeps one violation per source
row however many ingestions run at once. A founded complaint is unique per (case, staff
member, type); an inspection finding is its own evidence (free text, optionally about a
case).

To add a source: add a nullable foreign key, add it to FK_SOURCES and SourceKind, and
run makemigrations (the check constraint built by ``_one_source`` and the partial
unique constraint follow from FK_SOURCES); then give the owning app a selector of its
rows not yet turned into violations (as deadlines.selectors.breaches does), add a Source
entry to sanctions.services.ingest and its violation types to
fixtures/violation_types.json.
"""

from __future__ import annotations

from typing import Any, ClassVar, Final

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition

from accountability.models import HistoryEvent
from accountability.regulations import cite


class ViolationFamily(models.TextChoices):
    """The situation a violation type belongs to; the rulebook matches on it."""

    FIRST_CONTACT = "first_contact", _("First contact (首问负责)")
    ONE_TIME_NOTICE = "one_time_notice", _("One-time notice (一次性告知)")
    SUBSTITUTE = "substitute", _("Substitute on absence (同岗替代)")
    APPOINTMENT = "appointment", _("Appointment (办事预约)")
    ATTITUDE = "attitude", _("Service attitude")
    OVERDUE = "overdue", _("Time limit missed without good reason")
    INTEGRITY = "integrity", _("Soliciting favours or obstruction")
    COMPETENCE = "competence", _("Unfamiliar with the work")
    CONFIDENTIALITY = "confidentiality", _("Complainant's identity disclosed")
    LEAK = "leak", _("Leak not reported, cut off or repaired in time; man-made leak or pollution")
    CARELESS_SERVICE = (
        "careless_service",
        _("A unit that neglected quality service or handled citizens' problems carelessly"),
    )
    OTHER = "other", _("Other breach of the service rules")
    # Raised by an aggregate rule firing, never by hand.
    REPEATED_COMPLAINTS = "repeated_complaints", _("Repeated founded complaints")
    DEPARTMENT_WARNINGS = "department_warnings", _("Department's staff warned repeatedly")
    LEADERSHIP = "leadership", _("Staff's repeated serious errors")


AGGREGATE_FAMILIES: Final = frozenset(
    {
        ViolationFamily.REPEATED_COMPLAINTS,
        ViolationFamily.DEPARTMENT_WARNINGS,
        ViolationFamily.LEADERSHIP,
    }
)


class Severity(models.TextChoices):
    MINOR = "minor", _("Minor")
    SERIOUS = "serious", _("Serious (larger impact, media attention)")
    GRAVE = "grave", _("Grave (grave loss or harm to the group's image)")


class ViolationType(models.Model):
    """A situation the rules punish, with the regulation that names it. Reference data
    loaded from fixtures/violation_types.json (sanctions.services.rulebook)."""

    code = models.SlugField(_("code"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=120)
    family = models.CharField(_("situation"), max_length=30, choices=ViolationFamily.choices)
    regulation = models.ForeignKey(
        "accountability.Regulation",
        verbose_name=_("regulation"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    article = models.CharField(_("article"), max_length=200)
    default_severity = models.CharField(
        _("default severity"), max_length=10, choices=Severity.choices, default=Severity.MINOR
    )
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("violation type")
        verbose_name_plural = _("violation types")
        ordering: ClassVar = ["code"]

    def __str__(self) -> str:
        return self.name

    @property
    def citation(self) -> str:
        """《title》article, as every page shows it (accountability.regulations.cite)."""
        return cite(self.regulation, self.article)


class SourceKind(models.TextChoices):
    BREACH = "breach", _("Time limit breached")
    NOTICE_BREACH = "notice_breach", _("One-time-notice breach")
    REFUSAL_FLAG = "refusal_flag", _("Refusal phrase")
    COMPLAINT = "complaint", _("Founded complaint")
    FINDING = "finding", _("Inspection finding")
    AGGREGATE = "aggregate", _("Aggregate rule")
    OUTAGE_BREACH = "outage_breach", _("Outage report or notice missed")


# Sources that are a row of their own: the source kind and its foreign key on Violation.
FK_SOURCES: Final[dict[str, str]] = {
    SourceKind.BREACH: "breach",
    SourceKind.NOTICE_BREACH: "notice_breach",
    SourceKind.REFUSAL_FLAG: "refusal_flag",
    SourceKind.AGGREGATE: "firing",
    SourceKind.OUTAGE_BREACH: "outage_breach",
}


def _one_source() -> Q:
    """Exactly the source field of the violation's kind is set, and no other."""
    none: dict[str, bool] = {f"{field}__isnull": True for field in FK_SOURCES.values()}
    condition = Q()
    for kind, field in FK_SOURCES.items():
        condition |= Q(source_kind=kind, **{**none, f"{field}__isnull": False})
    condition |= Q(
        source_kind=SourceKind.COMPLAINT, case__isnull=False, staff__isnull=False, **none
    )
    condition |= Q(Q(source_kind=SourceKind.FINDING, **none) & ~Q(finding=""))
    return condition


class ViolationState(models.TextChoices):
    RAISED = "raised", _("Raised")
    UNDER_REVIEW = "under_review", _("Under review")
    CONFIRMED = "confirmed", _("Confirmed")
    DISMISSED = "dismissed", _("Dismissed")


class DismissalReason(models.TextChoices):
    """Good reasons (seed 000 §11(1) 无正当理由; seed 002 附件12 §4 容错)."""

    EXTENSION = "extension", _("Approved extension")
    SUSPENSION = "suspension", _("Suspended for a special procedure")
    FORCE_MAJEURE = "force_majeure", _("Force majeure")
    CITIZEN_DELAY = "citizen_delay", _("The citizen's own delay")
    FAULT_TOLERANCE = "fault_tolerance", _("Fault tolerance (容错)")
    NOT_FOUNDED = "not_founded", _("Not founded on the facts")
    # Set by the system when the aggregate firing the violation was raised on is withdrawn.
    BASIS_WITHDRAWN = "basis_withdrawn", _("The records it was raised on no longer stand")
    OTHER = "other", _("Other reason (written out)")


V = ViolationState


class Violation(FSMModelMixin, models.Model):
    """One occurrence of a violation type: who, where, when, and its evidence.

    The state is a protected FSM field: sanctions.services.violations moves it (locking
    the row) and appends a ViolationEvent for each move; the history is the events."""

    type = models.ForeignKey(
        ViolationType, verbose_name=_("type"), on_delete=models.PROTECT, related_name="violations"
    )
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("staff member"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="violations",
        help_text=_("Empty when nobody answered for the clock; responsibility names people."),
    )
    department = models.ForeignKey(
        "accountability.Department",
        verbose_name=_("department"),
        on_delete=models.PROTECT,
        related_name="violations",
    )
    occurred_at = models.DateTimeField(_("occurred at"))
    severity = models.CharField(
        _("severity"), max_length=10, choices=Severity.choices, default=Severity.MINOR
    )
    summary = models.TextField(_("summary"), blank=True)

    source_kind = models.CharField(_("source"), max_length=20, choices=SourceKind.choices)
    # The case the evidence is about (the breach's, the notice's, the complaint's...).
    case = models.ForeignKey(
        "deadlines.Case",
        verbose_name=_("case"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="violations",
    )
    breach = models.ForeignKey(
        "deadlines.Breach",
        verbose_name=_("breach"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="violations",
        db_index=False,  # the partial unique constraint indexes it
    )
    notice_breach = models.ForeignKey(
        "intake.NoticeBreach",
        verbose_name=_("one-time-notice breach"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="violations",
        db_index=False,
    )
    refusal_flag = models.ForeignKey(
        "intake.RefusalFlag",
        verbose_name=_("refusal phrase flag"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="violations",
        db_index=False,
    )
    outage_breach = models.ForeignKey(
        "outages.OutageBreach",
        verbose_name=_("outage breach"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="violations",
        db_index=False,
    )
    firing = models.ForeignKey(
        "sanctions.AggregateFiring",
        verbose_name=_("aggregate rule firing"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="violations",
        db_index=False,
    )
    finding = models.TextField(
        _("inspection finding"), blank=True, help_text=_("What the inspection found.")
    )
    # Whether it caused a complaint or an adverse effect (seed 000 §7(二)): asked when an
    # overdue violation is confirmed; set when raised as a founded complaint (or a finding
    # about a complaint). None: not asked.
    adverse_effect = models.BooleanField(
        _("caused a complaint or adverse effect"), null=True, blank=True
    )

    state = FSMField(
        _("state"),
        max_length=20,
        choices=ViolationState.choices,
        default=ViolationState.RAISED,
        protected=True,
    )
    rulebook_version = models.ForeignKey(
        "sanctions.RulebookVersion",
        verbose_name=_("rulebook version"),
        on_delete=models.PROTECT,
        related_name="violations",
        help_text=_("The rulebook in force when the violation was raised; proposals use it."),
    )
    dismissal_reason = models.CharField(
        _("dismissal reason"), max_length=20, choices=DismissalReason.choices, blank=True
    )
    dismissal_note = models.TextField(_("dismissal note"), blank=True)
    raised_at = models.DateTimeField(_("raised at"), default=timezone.now)
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("raised by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Empty when raised by the system from a breach or flag."),
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("confirmed or dismissed at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("confirmed or dismissed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # Bumped by every service that changes the violation (stale pages get a conflict).
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        verbose_name = _("violation")
        verbose_name_plural = _("violations")
        ordering: ClassVar = ["-occurred_at", "-id"]
        constraints: ClassVar = [
            models.CheckConstraint(condition=_one_source(), name="violation_one_source"),
            *(
                models.UniqueConstraint(
                    fields=[field],
                    condition=Q(**{f"{field}__isnull": False}),
                    name=f"violation_once_per_{field}",
                )
                for field in FK_SOURCES.values()
            ),
            models.UniqueConstraint(
                fields=["case", "staff", "type"],
                condition=Q(source_kind=SourceKind.COMPLAINT),
                name="violation_once_per_complaint",
            ),
            models.CheckConstraint(
                condition=Q(state=ViolationState.DISMISSED, dismissal_reason__gt="")
                | (~Q(state=ViolationState.DISMISSED) & Q(dismissal_reason="")),
                name="violation_dismissed_with_reason",
            ),
        ]
        indexes: ClassVar = [
            models.Index(fields=["state", "raised_at"], name="violation_queue"),
            # The queue's pages in its order (sanctions.selectors.PickedThenJoined): the
            # violations to review, and all of them, oldest raised first, read from the
            # index down to the page asked for rather than sorted.
            models.Index(
                fields=["raised_at", "id"],
                name="violation_to_review",
                condition=Q(state__in=[ViolationState.RAISED, ViolationState.UNDER_REVIEW]),
            ),
            models.Index(fields=["raised_at", "id"], name="violation_raised"),
            models.Index(fields=["staff", "state", "occurred_at"], name="violation_staff"),
            models.Index(
                fields=["department", "state", "occurred_at"], name="violation_department"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.type} {timezone.localtime(self.occurred_at):%Y-%m-%d}"

    @property
    def source(self) -> Any:
        """The evidence row (breach, notice breach, flag, firing); None for a complaint or
        a finding, whose evidence is the case and the text."""
        field = FK_SOURCES.get(self.source_kind)
        return getattr(self, field) if field else None

    @property
    def is_open(self) -> bool:
        return self.state in (V.RAISED, V.UNDER_REVIEW)

    @property
    def is_confirmed(self) -> bool:
        """Founded and standing: responsibility is assigned and sanctions proposed on it."""
        return self.state == V.CONFIRMED

    # -- transitions: state only; the services check people and write the history --

    @transition(field=state, source=V.RAISED, target=V.UNDER_REVIEW)
    def start_review(self) -> None:
        """The inspection office takes the violation up."""

    @transition(field=state, source=V.UNDER_REVIEW, target=V.CONFIRMED)
    def confirm(self) -> None:
        """Founded: responsibility and sanctions follow."""

    @transition(field=state, source=[V.RAISED, V.UNDER_REVIEW], target=V.DISMISSED)
    def dismiss(self) -> None:
        """Justified (a good reason) or not founded."""

    @transition(field=state, source=V.CONFIRMED, target=V.DISMISSED)
    def set_aside(self) -> None:
        """Dismissed on review after it was confirmed: it stops counting at once."""


class ViolationEvent(HistoryEvent):
    """One step in a violation's history (append-only; a trigger refuses changes on
    PostgreSQL). Responsibility assignments are events too, with the state unchanged."""

    violation = models.ForeignKey(
        Violation, verbose_name=_("violation"), on_delete=models.PROTECT, related_name="events"
    )
    from_state = models.CharField(
        _("from"), max_length=20, choices=ViolationState.choices, blank=True
    )
    to_state = models.CharField(_("to"), max_length=20, choices=ViolationState.choices)

    class Meta:
        verbose_name = _("violation event")
        verbose_name_plural = _("violation events")
        ordering: ClassVar = ["at", "id"]
        indexes: ClassVar = [
            models.Index(fields=["violation", "at"], name="violation_event_at"),
        ]


class ResponsibilityKind(models.TextChoices):
    """Seed 000 §10."""

    DIRECT = "direct", _("Direct responsibility")
    PRIMARY_LEADERSHIP = "primary_leadership", _("Primary leadership responsibility")
    IMPORTANT_LEADERSHIP = "important_leadership", _("Important leadership responsibility")


class Responsibility(models.Model):
    """A person who answers for a confirmed violation, and how."""

    violation = models.ForeignKey(
        Violation,
        verbose_name=_("violation"),
        on_delete=models.PROTECT,
        related_name="responsibilities",
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        related_name="responsibilities",
    )
    kind = models.CharField(_("kind"), max_length=30, choices=ResponsibilityKind.choices)
    note = models.TextField(_("note"), blank=True)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    assigned_at = models.DateTimeField(_("assigned at"), default=timezone.now)

    class Meta:
        verbose_name = _("responsibility")
        verbose_name_plural = _("responsibilities")
        ordering: ClassVar = ["violation", "kind", "id"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["violation", "person"], name="responsibility_once_per_person"
            ),
        ]
        indexes: ClassVar = [models.Index(fields=["person"], name="responsibility_person")]

    def __str__(self) -> str:
        return f"{self.person} ({self.get_kind_display()})"
