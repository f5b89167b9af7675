"""The organisation: departments, staff, the efficiency leading group, the utility's own
details for its printed papers, and absences with substitutes."""

from __future__ import annotations

from datetime import time
from typing import TYPE_CHECKING, ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django.contrib.auth.models import User


class Department(models.Model):
    """A node of the organisation tree (group → company → department → team)."""

    class Kind(models.TextChoices):
        GROUP = "group", _("Group")
        COMPANY = "company", _("Company")
        DEPARTMENT = "department", _("Department")
        TEAM = "team", _("Team")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.DEPARTMENT)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    head = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("head"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="headed_departments",
    )
    supervising_leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("supervising leader"),
        help_text=_("The leader the head answers to; inherited from the parent when empty."),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="supervised_departments",
    )
    is_dispatch = models.BooleanField(
        _("dispatch centre"),
        default=False,
        help_text=_("Takes urgent matters at night and on holidays (生产调度部)."),
    )
    handles_cases = models.BooleanField(
        _("handles cases"),
        default=True,
        help_text=_(
            "Cases may be transferred to it and its staff offered as handlers. Off for "
            "units that oversee instead (leadership, the inspection office, the office)."
        ),
    )
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    # Business hours on working days (seed 003 值班制度: 8:00–16:30); units on 24-hour
    # duty (dispatch, the repair company) count every hour of every day.
    opens_at = models.TimeField(_("opens at"), default=time(8, 0))
    closes_at = models.TimeField(_("closes at"), default=time(16, 30))
    round_the_clock = models.BooleanField(
        _("on duty round the clock"),
        default=False,
        help_text=_("24-hour duty: every hour of every day is working time."),
    )

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering: ClassVar = ["code"]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=Q(closes_at__gt=models.F("opens_at")),
                name="department_closes_after_opening",
                violation_error_message=_("Closing time must be after opening time."),
            )
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.pk is not None and self.pk in {a.pk for a in self.ancestors()}:
            raise ValidationError({"parent": _("A department cannot be placed under itself.")})

    def ancestors(self) -> list[Department]:
        """Parents from the nearest up to the root (the tree is a few levels deep)."""
        chain: list[Department] = []
        node = self.parent
        seen: set[int] = set()
        while node is not None and node.pk not in seen:
            seen.add(node.pk)
            chain.append(node)
            node = node.parent
        return chain

    def leader(self) -> User | None:
        """The supervising leader, inherited from the nearest ancestor that names one."""
        for node in [self, *self.ancestors()]:
            if node.supervising_leader_id is not None:
                return node.supervising_leader
        return None


class StaffProfile(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="staff",
    )
    department = models.ForeignKey(
        Department, verbose_name=_("department"), on_delete=models.PROTECT, related_name="staff"
    )
    title = models.CharField(_("title"), max_length=60, blank=True)
    desk_phone = models.CharField(_("desk phone"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("staff member")
        verbose_name_plural = _("staff")
        ordering: ClassVar = ["department__code", "user__username"]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.user.get_full_name() or self.user.get_username()

    def supervisor_chain(self) -> list[User]:
        """Who answers for this person: the department head, then the leader (seed 000 §10)."""
        chain = []
        head = self.department.head
        if head is not None and head.pk != self.user_id:
            chain.append(head)
        leader = self.department.leader()
        if leader is not None and leader.pk != self.user_id and leader not in chain:
            chain.append(leader)
        return chain


class LeadingGroup(models.Model):
    """The efficiency leading group (效能建设领导小组, seed 004 告诫程序 1–3): a standing
    committee, named by an administrator, that decides (审定) proposed oral and written
    warnings; its principal leader (主要领导) signs the written warning notice. One group
    for the utility; the principal leader is one of its members."""

    # Always true and unique: at most one row.
    singleton = models.BooleanField(default=True, unique=True, editable=False)
    name = models.CharField(_("name"), max_length=100, default="效能建设领导小组")
    principal_leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("principal leader"),
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Signs the written warning notices; a member of the group."),
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("members"),
        related_name="leading_groups",
        help_text=_("Any member who neither proposed a warning nor is named in it decides it."),
    )

    class Meta:
        verbose_name = _("efficiency leading group")
        verbose_name_plural = _("efficiency leading group")
        constraints: ClassVar = [
            models.CheckConstraint(condition=Q(singleton=True), name="leading_group_singleton"),
        ]

    def __str__(self) -> str:
        return self.name


class OrganisationProfile(models.Model):
    """The utility as its printed papers name it (receipt, one-time notice, written
    refusal, warning notice, reminder notice): its name, the letterhead and the caption
    under which the papers are sealed. One row, kept by an administrator; until there is
    one, the field defaults stand (accountability.selectors.organisation_profile)."""

    # Always true and unique: at most one row.
    singleton = models.BooleanField(default=True, unique=True, editable=False)
    name = models.CharField(
        _("full name"),
        max_length=200,
        default="某某市自来水有限公司",
        help_text=_("As registered, such as 某某市自来水有限公司; heads every printed paper."),
    )
    short_name = models.CharField(_("short name"), max_length=60, default="自来水公司")
    address = models.CharField(_("address"), max_length=200, blank=True)
    postcode = models.CharField(
        _("postcode"),
        max_length=6,
        blank=True,
        validators=[RegexValidator(r"^\d{6}$", _("A postcode has six digits."))],
    )
    hotline = models.CharField(_("service hotline"), max_length=40, blank=True)
    website = models.CharField(_("website"), max_length=200, blank=True)
    letterhead_extra = models.TextField(
        _("further letterhead lines"),
        blank=True,
        help_text=_("Printed under the address line, one a line (a fax number, an email)."),
    )
    seal_caption = models.CharField(
        _("seal caption"),
        max_length=200,
        blank=True,
        help_text=_(
            "Where the papers are sealed, such as 某某市自来水有限公司（盖章）; empty: "
            "the full name followed by （盖章）."
        ),
    )

    class Meta:
        verbose_name = _("organisation settings")
        verbose_name_plural = _("organisation settings")
        constraints: ClassVar = [
            models.CheckConstraint(condition=Q(singleton=True), name="organisation_singleton"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def letterhead_lines(self) -> list[str]:
        """The lines under the name: address and postcode, hotline and website, then the
        further lines, each left out when empty."""
        place = "　".join(
            part
            for part in (
                _("Address: %(address)s") % {"address": self.address} if self.address else "",
                _("Postcode: %(postcode)s") % {"postcode": self.postcode} if self.postcode else "",
            )
            if part
        )
        contact = "　".join(
            part
            for part in (
                _("Service hotline: %(hotline)s") % {"hotline": self.hotline}
                if self.hotline
                else "",
                _("Website: %(website)s") % {"website": self.website} if self.website else "",
            )
            if part
        )
        extra = [line.strip() for line in self.letterhead_extra.splitlines() if line.strip()]
        return [line for line in (place, contact, *extra) if line]

    @property
    def seal(self) -> str:
        """The caption where a paper is sealed: the one set, or the full name."""
        return self.seal_caption.strip() or _("%(name)s (seal)") % {"name": self.name}


class Absence(models.Model):
    """Leave with a named substitute (同岗替代, seed 004)."""

    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("staff member"),
        on_delete=models.PROTECT,
        related_name="absences",
    )
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    substitute = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("substitute"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="substitutions",
    )
    reason = models.CharField(_("reason"), max_length=200)
    handover_note = models.TextField(
        _("handover note"), blank=True, help_text=_("Pending items handed to the substitute.")
    )
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("absence")
        verbose_name_plural = _("absences")
        ordering: ClassVar = ["-starts_at"]
        indexes: ClassVar = [models.Index(fields=["staff", "starts_at", "ends_at"])]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")),
                name="absence_ends_after_start",
                violation_error_message=_("An absence must end after it starts."),
            ),
            models.CheckConstraint(
                condition=~Q(substitute=models.F("staff")),
                name="absence_substitute_not_self",
                violation_error_message=_("Nobody can be their own substitute."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.staff} {self.starts_at:%Y-%m-%d %H:%M}–{self.ends_at:%Y-%m-%d %H:%M}"
