"""Working calendar, time-limit policies and clocks.

The arithmetic itself lives in deadlines.worktime and never touches the database.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accountability.regulations import Basis, cite
from accountability.versioning import VersionedModel
from deadlines.worktime import EndRule, Unit


class CalendarYear(models.Model):
    """A year of China's official holiday schedule, once the State Council publishes it.

    Days of a year without a published row are provisional: weekends and the fixed-date
    holidays only (DOMAIN §3).
    """

    year = models.PositiveSmallIntegerField(
        _("year"), unique=True, validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    published = models.BooleanField(
        _("official schedule entered"),
        default=False,
        help_text=_("Tick once every holiday and make-up working day of the year is entered."),
    )
    source = models.CharField(_("source"), max_length=200, blank=True)
    changed_at = models.DateTimeField(_("changed at"), default=timezone.now)

    class Meta:
        verbose_name = _("calendar year")
        verbose_name_plural = _("calendar years")
        ordering: ClassVar = ["-year"]

    def __str__(self) -> str:
        return str(self.year)


class CalendarDay(models.Model):
    """A day that departs from the weekday rule: a holiday on a weekday, a make-up working
    day (调休) on a weekend, or an administrator's correction of a single day."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("Statutory holiday")
        MAKEUP = "makeup", _("Make-up working day")
        CORRECTION = "correction", _("Correction")

    date = models.DateField(_("date"), unique=True)
    is_working_day = models.BooleanField(_("working day"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=60, blank=True, help_text=_("e.g. 春节"))
    source = models.CharField(_("source"), max_length=200, blank=True)
    changed_at = models.DateTimeField(_("changed at"), default=timezone.now)

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")
        ordering: ClassVar = ["-date"]

    def __str__(self) -> str:
        state = _("working day") if self.is_working_day else _("rest day")
        return f"{self.date:%Y-%m-%d} {self.name or self.get_kind_display()} ({state})"


class UnitChoices(models.TextChoices):
    """deadlines.worktime.Unit with labels for forms and pages."""

    MINUTES = Unit.MINUTES.value, _("minutes")
    HOURS = Unit.HOURS.value, _("hours (elapsed)")
    BUSINESS_HOURS = Unit.BUSINESS_HOURS.value, _("business hours")
    CALENDAR_DAYS = Unit.CALENDAR_DAYS.value, _("calendar days")
    WORKING_DAYS = Unit.WORKING_DAYS.value, _("working days")


class EndRuleChoices(models.TextChoices):
    MIDNIGHT = EndRule.MIDNIGHT.value, _("at 24:00 of the last day")
    CLOSE_OF_BUSINESS = EndRule.CLOSE_OF_BUSINESS.value, _("at close of business of the last day")


class MatterKind(models.TextChoices):
    """The kinds of contact registered at first contact (DOMAIN §5)."""

    CONSULTATION = "consultation", _("Consultation")
    HELP_REQUEST = "help_request", _("Help request")
    COMPLAINT = "complaint", _("Complaint")
    REPORT = "report", _("Report")
    SUGGESTION = "suggestion", _("Suggestion")
    APPLICATION = "application", _("Application")
    PETITION = "petition", _("Petition")


class Urgency(models.TextChoices):
    NORMAL = "normal", _("Normal")
    URGENT = "urgent", _("Urgent")


class Channel(models.TextChoices):
    """How a contact reached the utility (DOMAIN §5); the limit depends on it (§3)."""

    VISIT = "visit", _("Visit")
    PHONE = "phone", _("Phone call")
    LETTER = "letter", _("Letter")
    WEB = "web", _("Web message")
    HOTLINE = "hotline", _("12345 hotline transfer")


def validate_channels(value: str) -> None:
    """A policy's channels: channel codes separated by commas, each known, none twice."""
    codes = value.split(",") if value else []
    unknown = [code for code in codes if code not in Channel.values]
    if unknown or len(set(codes)) != len(codes):
        raise ValidationError(
            _("Choose channels from the list, each once: %(known)s.")
            % {"known": ", ".join(str(label) for label in Channel.labels)}
        )


class Circumstance(models.TextChoices):
    """What the first responder records at registration that selects a narrower limit
    (stored as the case's variant; the policies name it in theirs)."""

    REAL_NAME_REPORT = "real_name", _("Real-name report, single and simple in content")
    TRANSFERRED_PETITION = (
        "transferred",
        _("Petition transferred by a superior body or assigned by a leader"),
    )

    @classmethod
    def kind_of(cls, value: str) -> str:
        """The kind of matter a circumstance belongs to."""
        return {
            cls.REAL_NAME_REPORT: MatterKind.REPORT,
            cls.TRANSFERRED_PETITION: MatterKind.PETITION,
        }[cls(value)]


class ExtensionApprover(models.TextChoices):
    """Who approves more time on a clock (DOMAIN §3): the handling department's head, or
    its supervising leader where the regulation names the leader (a complaint beyond its
    7 days, seed 003 投诉工作程序 (2)e; a petition a superior body transferred, seed 001
    限时办结制 第五条(六)5). Blank: the regulation allows no extension."""

    HEAD = "head", _("the handling department's head")
    SUPERVISING_LEADER = "supervising_leader", _("the handling department's supervising leader")


class ClockKind(models.TextChoices):
    """What a running time limit measures (DOMAIN §3, §6)."""

    FIRST_FEEDBACK = "first_feedback", _("First feedback to the citizen")
    UNIT_TO_FIRST_RESPONDER = "unit_to_first_responder", _("Handling unit to first responder")
    RESULT = "result", _("Result")
    CLOSURE = "closure", _("Closure")
    # One clause sets one limit for both outcomes: the receiving head accepts the
    # transfer, or returns it as misrouted with a reason (seed 001 限时办结制 §6(二)).
    TRANSFER_ACCEPTANCE = "transfer_acceptance", _("Transfer accepted or returned")
    PROGRESS_REPORT = "progress_report", _("Progress report")
    WRITTEN_NOTICE = "written_notice", _("Written notice to the citizen")
    REVIEW = "review", _("Review")
    # The staff member an appointment is routed to calls the citizen back (seed 004 办事预约制 三).
    CALLBACK = "callback", _("Appointment callback")
    # The callback after closing (回访): the first responder asks the citizen how it went
    # and for a rating (intake.services.callback).
    FOLLOW_UP = "follow_up", _("Callback after closing")


class TimeLimitPolicy(VersionedModel):
    """One time limit as data, with the regulation it comes from.

    Versioned: a change creates a new row with the next version and retires the old one,
    so clocks already started keep the version they started under.
    """

    # Room for "promised-" and a catalogue item's code (intake.services.catalogue).
    code = models.SlugField(_("code"), max_length=80)
    name = models.CharField(_("name"), max_length=120)
    clock_kind = models.CharField(_("clock"), max_length=40, choices=ClockKind.choices)
    # What the policy applies to; blank means "any".
    matter_kind = models.CharField(
        _("kind of matter"), max_length=20, choices=MatterKind.choices, blank=True
    )
    urgency = models.CharField(_("urgency"), max_length=10, choices=Urgency.choices, blank=True)
    channels = models.CharField(
        _("channels"),
        max_length=100,
        blank=True,
        validators=[validate_channels],
        help_text=_("The channels the limit applies to; empty: any channel."),
    )
    service_item_code = models.SlugField(
        _("service item"), max_length=60, blank=True, help_text=_("Code of a catalogue item.")
    )
    variant = models.SlugField(
        _("variant"),
        max_length=40,
        blank=True,
        help_text=_("A narrower case the regulation names, such as 'complex' or 'joint'."),
    )
    amount = models.PositiveIntegerField(_("amount"), validators=[MinValueValidator(1)])
    unit = models.CharField(_("unit"), max_length=20, choices=UnitChoices.choices)
    end_rule = models.CharField(
        _("period ends"),
        max_length=20,
        choices=EndRuleChoices.choices,
        default=EndRuleChoices.MIDNIGHT,
    )
    roll_off_rest_days = models.BooleanField(
        _("a last day on a rest day moves to the next working day"), default=True
    )
    is_statutory = models.BooleanField(_("statutory limit"), default=True)
    warn_share = models.DecimalField(
        _("warn at share elapsed"),
        max_digits=3,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(1)],
        help_text=_("e.g. 0.80 gives the yellow card once 80 per cent of the time is used."),
    )
    warn_lead_amount = models.PositiveIntegerField(
        _("warn this long before the deadline"), null=True, blank=True
    )
    warn_lead_unit = models.CharField(
        _("unit of the warning lead"),
        max_length=20,
        choices=UnitChoices.choices,
        blank=True,
    )
    extension_approver = models.CharField(
        _("extension approved by"),
        max_length=20,
        choices=ExtensionApprover.choices,
        blank=True,
        help_text=_("Empty: the regulation allows no extension."),
    )
    max_extension_amount = models.PositiveIntegerField(
        _("longest extension"),
        null=True,
        blank=True,
        help_text=_("Empty on an extendable limit: the regulation sets no bound."),
    )
    max_extension_unit = models.CharField(
        _("unit of the longest extension"),
        max_length=20,
        choices=UnitChoices.choices,
        blank=True,
        help_text=_("Empty: the policy's own unit. Petitions: 60 working days on a 30-day limit."),
    )
    regulation = models.ForeignKey(
        "accountability.Regulation",
        verbose_name=_("regulation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Empty only for a practice that no regulation of the register states."),
    )
    article = models.CharField(
        _("article"),
        max_length=200,
        help_text=_("The article of the regulation, such as 投诉反馈制度 (1)."),
    )
    # A figure no regulation sets (DOMAIN §10 practice, or a demo value where the
    # regulation names no limit) is marked wherever the policy is cited.
    basis = models.CharField(
        _("basis"),
        max_length=20,
        choices=Basis.choices,
        default=Basis.REGULATION,
        help_text=_(
            "Regulation: the regulation sets this figure. Practice or demo value: it does not, "
            "and every citation of the policy says so."
        ),
    )
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("time-limit policy")
        verbose_name_plural = _("time-limit policies")
        ordering: ClassVar = ["code", "-version"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["code", "version"], name="policy_code_version"),
            models.UniqueConstraint(
                fields=["code"],
                condition=Q(retired_at__isnull=True),
                name="policy_one_current_version",
            ),
            models.CheckConstraint(
                condition=Q(warn_lead_amount__isnull=True) | ~Q(warn_lead_unit=""),
                name="policy_warn_lead_has_unit",
                violation_error_message=_("A warning lead needs its unit."),
            ),
            models.CheckConstraint(
                condition=Q(max_extension_amount__isnull=True) | ~Q(extension_approver=""),
                name="policy_extension_bound_has_approver",
                violation_error_message=_(
                    "A longest extension is set on an extendable limit: say who approves it."
                ),
            ),
            models.CheckConstraint(
                condition=Q(regulation__isnull=False) | ~Q(basis=Basis.REGULATION),
                name="policy_regulation_basis_names_one",
                violation_error_message=_(
                    "A limit without a regulation is practice or a demo value: say which."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"

    @property
    def channel_list(self) -> list[str]:
        return self.channels.split(",") if self.channels else []

    @property
    def extendable(self) -> bool:
        return bool(self.extension_approver)

    @property
    def citation(self) -> str:
        """《title》article, or the mark of a figure no regulation sets
        (accountability.regulations.cite)."""
        return cite(self.regulation, self.article, self.basis)


class Clock(models.Model):
    """One running time limit of a case. Its due moment is stored so that "what is overdue
    now" is one indexed query; only deadlines.worktime computes it (see services).

    While a pause is open the clock has no due moment (``due_at`` is empty) and no scan
    sees it; resuming computes it again with the paused time left out.
    """

    case = models.ForeignKey(
        "deadlines.Case",
        verbose_name=_("case"),
        on_delete=models.PROTECT,
        related_name="clocks",
    )
    kind = models.CharField(_("clock"), max_length=40, choices=ClockKind.choices)
    # No index on the policy, the department or the responsible person: no reader looks
    # clocks up by them (the readers go by case, by the running-clock index or by the
    # scans' work lists, Meta.indexes), and the scans' marking UPDATE cannot be HOT (it
    # changes a column of the work lists' predicates), so every index costs it one
    # insert per clock marked (issue 24). Only deleting a policy, a department or a
    # user would look for their clocks, and none is ever deleted (retired, deactivated).
    policy = models.ForeignKey(
        TimeLimitPolicy,
        verbose_name=_("policy"),
        on_delete=models.PROTECT,
        related_name="clocks",
        db_index=False,
    )
    department = models.ForeignKey(
        "accountability.Department",
        verbose_name=_("department"),
        on_delete=models.PROTECT,
        related_name="clocks",
        help_text=_("Whose business hours count."),
        db_index=False,
    )
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responsible"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="clocks",
        help_text=_("Who must act before the deadline; empty: the department's head."),
        db_index=False,
    )
    # A leader's instruction (呈办) sets its own limit; otherwise the policy's applies.
    amount = models.PositiveIntegerField(
        _("amount set by instruction"), null=True, blank=True, validators=[MinValueValidator(1)]
    )
    unit = models.CharField(
        _("unit set by instruction"), max_length=20, choices=UnitChoices.choices, blank=True
    )
    started_at = models.DateTimeField(_("started at"))
    extension_amount = models.PositiveIntegerField(
        _("approved extensions"),
        default=0,
        help_text=_("In the clock's own unit."),
    )
    due_at = models.DateTimeField(_("due at"), null=True, blank=True)
    due_is_provisional = models.BooleanField(_("due moment is provisional"), default=False)
    # The yellow-card moment, stored with due_at (deadlines.services.clocks) so that the
    # warning scan is an index range scan like the breach scan.
    warn_at = models.DateTimeField(_("warning from"), null=True, blank=True)
    warned_at = models.DateTimeField(_("warned at"), null=True, blank=True)
    breached_at = models.DateTimeField(_("breached at"), null=True, blank=True)
    stopped_at = models.DateTimeField(_("stopped at"), null=True, blank=True)

    class Meta:
        verbose_name = _("clock")
        verbose_name_plural = _("clocks")
        ordering: ClassVar = ["due_at"]
        indexes: ClassVar = [
            # "Due before T and still running" is one scan of this partial index.
            models.Index(
                fields=["due_at"], name="clock_running_due", condition=Q(stopped_at__isnull=True)
            ),
            # The scans' work lists (deadlines.services.scans): running clocks not yet
            # warned, by warning moment, and not yet breached on a firm deadline, by due
            # moment. A marked clock leaves its index, so a scan reads only what is due
            # now, however many clocks run or stay overdue.
            models.Index(
                fields=["warn_at", "id"],
                name="clock_warning_pending",
                condition=Q(stopped_at__isnull=True, warned_at__isnull=True, warn_at__isnull=False),
            ),
            models.Index(
                fields=["due_at", "id"],
                name="clock_breach_pending",
                condition=Q(
                    stopped_at__isnull=True,
                    breached_at__isnull=True,
                    due_at__isnull=False,
                    due_is_provisional=False,
                ),
            ),
            # The dashboard's callback figures (intake.selectors.callback): the follow-up
            # clocks started in a period. Partial, so no other clock's write keeps it.
            models.Index(
                fields=["started_at"],
                include=["case"],
                condition=Q(kind="follow_up"),
                name="clock_follow_up_started",
            ),
        ]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=Q(amount__isnull=True, unit="") | Q(amount__isnull=False) & ~Q(unit=""),
                name="clock_instructed_limit_complete",
                violation_error_message=_("An instructed limit needs both its amount and unit."),
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.get_kind_display()} → {timezone.localtime(self.due_at):%Y-%m-%d %H:%M}"
            if self.due_at
            else self.get_kind_display()
        )

    @property
    def limit_amount(self) -> int:
        return self.amount or self.policy.amount

    @property
    def limit_unit(self) -> Unit:
        return Unit(self.unit or self.policy.unit)

    @property
    def extension_unit(self) -> Unit:
        """Extensions count in the clock's own unit: a number is never read in another
        unit. The policy's bound may be set in another (petitions: at most 60 working days
        more on 30 calendar days, seed 001 §5(六)1); see clock_extension_room."""
        return self.limit_unit


class ClockPause(models.Model):
    """An interval during which a clock does not run (a suspension for a special procedure)."""

    clock = models.ForeignKey(
        Clock, verbose_name=_("clock"), on_delete=models.CASCADE, related_name="pauses"
    )
    started_at = models.DateTimeField(_("paused at"))
    ended_at = models.DateTimeField(_("resumed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("pause")
        verbose_name_plural = _("pauses")
        ordering: ClassVar = ["started_at"]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gte=models.F("started_at")),
                name="pause_ends_after_start",
            ),
            models.UniqueConstraint(
                fields=["clock"],
                condition=Q(ended_at__isnull=True),
                name="one_open_pause_per_clock",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.started_at:%Y-%m-%d %H:%M}–{self.ended_at or '…'}"
