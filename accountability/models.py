"""The organisation: departments, staff, absences with substitutes, and the audit log."""

from __future__ import annotations

from datetime import time
from typing import Any, ClassVar

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


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

    def leader(self) -> Any:
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

    def supervisor_chain(self) -> list[Any]:
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


class AppendOnlyModel(models.Model):
    """History that is written once and never changed in place (ARCHITECTURE: history is
    append-only): saving an existing row is refused. On PostgreSQL a trigger
    (accountability_audit_append_only) refuses UPDATE and DELETE of the table too."""

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise PermissionError(f"{self._meta.verbose_name} rows are append-only.")
        super().save(*args, **kwargs)


class HistoryEvent(AppendOnlyModel):
    """One step in a record's history: who acted (no one: the system), what they did and
    why, and when; the record's state before and after it are the concrete model's
    fields (each its own states). Shared by a case's, a violation's and a sanction
    decision's events, so that every history reads the same way."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Empty when the system acted."),
    )
    action = models.CharField(_("action"), max_length=40)
    reason = models.TextField(_("reason"), blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)
    at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action}"


class AuditQuerySet(models.QuerySet["AuditEntry"]):
    def update(self, **kwargs: Any) -> int:
        raise PermissionError("The audit log is append-only.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise PermissionError("The audit log is append-only.")


class AuditEntry(AppendOnlyModel):
    """One row per write: who did what to which object, the state before and after, and why.

    Append-only: the ORM refuses updates and deletes, the admin offers neither, and on
    PostgreSQL a trigger refuses them too.
    """

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Empty when the system acted (a scheduled scan, an import)."),
    )
    action = models.CharField(_("action"), max_length=80)
    content_type = models.ForeignKey(
        ContentType, verbose_name=_("object type"), on_delete=models.PROTECT
    )
    object_id = models.CharField(_("object id"), max_length=64)
    object_repr = models.CharField(_("object"), max_length=200)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)
    # The hash chain (accountability.audit): each row's hash covers its content and the
    # hash of the row before it, so a row changed, removed or slipped in afterwards breaks
    # the chain from there on (`manage.py audit_verify`).
    prev_hash = models.CharField(_("previous entry's hash"), max_length=64, blank=True)
    row_hash = models.CharField(_("hash"), max_length=64, blank=True)

    objects = AuditQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")
        ordering: ClassVar = ["-at", "-id"]
        indexes: ClassVar = [models.Index(fields=["content_type", "object_id", "at"])]
        constraints: ClassVar = [
            # One successor per row (and one first row, whose prev_hash is empty): two
            # writers that chained onto the same row cannot both commit, and a row
            # written past accountability.audit (unchained) is refused.
            models.UniqueConstraint(fields=["prev_hash"], name="audit_chain_never_forks"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.object_repr}"

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise PermissionError("The audit log is append-only.")


class Regulation(models.Model):
    """A row of the register of regulations (规章制度) the portal implements: every
    time-limit policy, rule, violation type and outage obligation points at one and names
    an article. Users see the title in 《》 and the article, never the internal code
    (accountability.regulations.cite). An administrator maintains the register; a utility
    that adopts the portal replaces the rows with its own regulations."""

    code = models.SlugField(
        _("code"),
        max_length=60,
        unique=True,
        help_text=_("Internal identifier that the data files refer to; never shown to users."),
    )
    title = models.CharField(
        _("document title"),
        max_length=200,
        help_text=_("Without the 《》 marks, which are added."),
    )
    issuing_body = models.CharField(_("issuing body"), max_length=200, blank=True)
    document_number = models.CharField(_("document number"), max_length=100, blank=True)
    issued_on = models.DateField(_("issued on"), null=True, blank=True)
    articles = models.TextField(
        _("articles"),
        blank=True,
        help_text=_("The headings of the articles the portal cites, one a line."),
    )
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("regulation")
        verbose_name_plural = _("regulations")
        ordering: ClassVar = ["code"]

    def __str__(self) -> str:
        return f"《{self.title}》"


class ApiScope(models.TextChoices):
    """What a REST client may do (README "REST API"). Read scopes never include protected
    identities: no API field carries them, whatever the scope."""

    CASES_READ = "cases:read", _("Read cases, their deadlines and public timelines")
    CATALOGUE_READ = "catalogue:read", _("Read the service catalogue and departments")
    OPEN311_WRITE = "open311:write", _("File hotline contacts through Open311")


class ApiClient(models.Model):
    """Another system that calls the REST API (the 12345 hotline platform, billing, a
    report tool), with its own token, scopes and request rate.

    Only a SHA-256 digest of the token is stored: the token is shown once, when the client
    is created, and a lost token is replaced by revoking the client and creating another.
    """

    name = models.CharField(_("name"), max_length=100, unique=True)
    token_prefix = models.CharField(
        _("token starts with"),
        max_length=12,
        editable=False,
        help_text=_("The first characters of the token, to tell tokens apart."),
    )
    token_digest = models.CharField(_("token digest"), max_length=64, unique=True, editable=False)
    scopes = models.JSONField(_("scopes"), default=list, blank=True)
    throttle_rate = models.CharField(
        _("request rate"),
        max_length=20,
        blank=True,
        help_text=_("Such as 600/min or 20/s; empty: the API_THROTTLE_RATE setting."),
        validators=[
            RegexValidator(
                r"^\d+/(s|sec|m|min|h|hour|d|day)$",
                _("Write a rate as a number of requests per s, min, hour or day, e.g. 600/min."),
            )
        ],
    )
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True, editable=False)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("revoked by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("API client")
        verbose_name_plural = _("API clients")
        ordering: ClassVar = ["name"]

    def __str__(self) -> str:
        return self.name

    # DRF treats the authenticated principal as request.user.
    is_authenticated = True
    is_anonymous = False

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    def allows(self, scope: str) -> bool:
        return self.is_active and scope in (self.scopes or [])


class OutboxMessage(models.Model):
    """A Celery task owed by a committed transaction (accountability.outbox): written in
    the same transaction as the work it is for, sent once that commits, and sent again by
    beat until a worker takes it, so that a broker down at commit time strands nothing."""

    task = models.CharField(_("task"), max_length=200)
    kwargs = models.JSONField(_("arguments"), default=dict)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    sent_at = models.DateTimeField(_("last sent at"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("send attempts"), default=0)
    taken_at = models.DateTimeField(_("taken at"), null=True, blank=True)
    # The Celery id of the delivery that took it: a later copy of the message (sent again
    # while the first still waited in the queue) is told apart and skipped, while the same
    # delivery redelivered after its worker was lost (acks_late) runs again.
    taken_by = models.CharField(_("taken by"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox messages")
        indexes: ClassVar = [
            models.Index(
                fields=["created_at"],
                condition=Q(taken_at__isnull=True),
                name="outbox_waiting",
            )
        ]

    def __str__(self) -> str:
        return f"{self.task} #{self.pk}"


# Evidence files (issue 23): defined in their own module, registered here with the app.
from accountability.attachments.models import Attachment  # noqa: E402, F401
