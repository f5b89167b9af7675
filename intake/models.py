"""The service catalogue (服务事项目录): what a one-time notice must state about each item.

A service item is versioned like deadlines.TimeLimitPolicy: a change creates a new row
with the next version and retires the old one, so a notice or a case that points at a
version keeps what the citizen was told. Materials belong to one version and are never
edited in place either; a revision copies or replaces them.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar, Final

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from django.utils import formats, timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accountability.models import AppendOnlyModel
from accountability.regulations import cite_code
from deadlines.models import UnitChoices
from deadlines.templatetags.moments import deadline_day, deadline_text
from deadlines.worktime import LOCAL_TZ, Unit, WorkCalendar, compute_due

# A limit longer than this is a typing error, and the comparison calendar must hold it.
MAX_LIMIT_AMOUNT: Final = 9999


class ItemKind(models.TextChoices):
    """即办件 / 承诺件 / 联办件 (seed 001 限时办结制度核心内容)."""

    ON_THE_SPOT = "on_the_spot", _("On-the-spot item")
    PROMISED = "promised", _("Promised item")
    JOINT = "joint", _("Joint item")


@dataclass(frozen=True)
class LimitOverrun:
    """Where a promised limit in one unit ends after a statutory limit in another."""

    start: datetime
    promised_due: datetime
    statutory_due: datetime


# Cross-unit limits are compared over each start of one ordinary week (no holiday near
# it), at 09:00: a promise in working days can outlast calendar days only when a weekend
# falls inside, so a single start would miss it.
_COMPARISON_WEEK: Final = tuple(
    datetime(2025, 3, 3 + day, 9, 0, tzinfo=LOCAL_TZ) for day in range(7)
)


@functools.cache
def _comparison_calendar() -> WorkCalendar:
    # Weekends and the fixed-date holidays only: the comparison must not depend on the
    # holiday schedule an administrator has entered so far.
    return WorkCalendar(first_year=2025, last_year=2100)


def promised_limit_overrun(
    *, promised_amount: int, promised_unit: str, statutory_amount: int, statutory_unit: str
) -> LimitOverrun | None:
    """The first start of the comparison week from which the promised limit falls due
    after the statutory one, or None when it never does. Pure: no database."""
    calendar = _comparison_calendar()
    for start in _COMPARISON_WEEK:
        promised = compute_due(
            calendar, start=start, amount=promised_amount, unit=Unit(promised_unit)
        )
        statutory = compute_due(
            calendar, start=start, amount=statutory_amount, unit=Unit(statutory_unit)
        )
        if promised.at > statutory.at:
            return LimitOverrun(start=start, promised_due=promised.at, statutory_due=statutory.at)
    return None


def _moment(at: datetime) -> str:
    """A deadline for a message, with the weekday of its last day: 24:00 of that day for
    a period ending at midnight."""
    return f"{deadline_text(at)} ({formats.date_format(deadline_day(at), 'l')})"


def _limit_label(amount: int, unit: str) -> str:
    return f"{amount} {UnitChoices(unit).label}"


_LIMIT_AMOUNT_VALIDATORS = [MinValueValidator(1), MaxValueValidator(MAX_LIMIT_AMOUNT)]


class ServiceItem(models.Model):
    """One version of a catalogue entry: everything seed 002 附件6 §3(一) says a one-time
    notice states, except the materials, which are rows of their own."""

    code = models.SlugField(_("code"), max_length=60)
    version = models.PositiveIntegerField(_("version"), default=1)
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=20, choices=ItemKind.choices)
    department = models.ForeignKey(
        "accountability.Department",
        verbose_name=_("handling department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="service_items",
    )
    legal_basis = models.TextField(_("legal basis"))
    conditions = models.TextField(_("conditions"))
    quantity_limit = models.TextField(
        _("quantity limits"), blank=True, help_text=_("Empty: no quantity limit.")
    )
    procedure = models.TextField(_("procedure"))
    fee_basis = models.TextField(_("fee basis"), blank=True, help_text=_("Empty when free."))
    fee_standard = models.TextField(
        _("fee standard"), help_text=_("The amount or how it is set; “free” when nothing is due.")
    )
    refusal_reasons = models.TextField(_("reasons for refusal"))
    statutory_limit_amount = models.PositiveIntegerField(
        _("statutory limit"), null=True, blank=True, validators=_LIMIT_AMOUNT_VALIDATORS
    )
    statutory_limit_unit = models.CharField(
        _("unit of the statutory limit"), max_length=20, choices=UnitChoices.choices, blank=True
    )
    promised_limit_amount = models.PositiveIntegerField(
        _("promised limit"), null=True, blank=True, validators=_LIMIT_AMOUNT_VALIDATORS
    )
    promised_limit_unit = models.CharField(
        _("unit of the promised limit"), max_length=20, choices=UnitChoices.choices, blank=True
    )
    allows_deficiency = models.BooleanField(
        _("accept with deficiency allowed"),
        default=False,
        help_text=_("容缺受理: accepted with a secondary material missing, on a signed pledge."),
    )
    touches_safety = models.BooleanField(
        _("touches safety, environment, health, life or property"),
        default=False,
        help_text=_("Such an item is never accepted with deficiency."),
    )
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    retired_at = models.DateTimeField(_("retired at"), null=True, blank=True)

    class Meta:
        verbose_name = _("service item")
        verbose_name_plural = _("service items")
        ordering: ClassVar = ["code", "-version"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["code", "version"], name="service_item_code_version"),
            models.UniqueConstraint(
                fields=["code"],
                condition=Q(retired_at__isnull=True),
                name="service_item_one_current_version",
            ),
            models.CheckConstraint(
                condition=Q(statutory_limit_amount__isnull=True, statutory_limit_unit="")
                | Q(statutory_limit_amount__isnull=False) & ~Q(statutory_limit_unit=""),
                name="service_item_statutory_limit_complete",
                violation_error_message=_("A statutory limit needs both its amount and unit."),
            ),
            models.CheckConstraint(
                condition=Q(promised_limit_amount__isnull=True, promised_limit_unit="")
                | Q(promised_limit_amount__isnull=False) & ~Q(promised_limit_unit=""),
                name="service_item_promised_limit_complete",
                violation_error_message=_("A promised limit needs both its amount and unit."),
            ),
            # The cross-unit case needs the calendar, so clean() checks it; the database
            # guards the common case of one unit.
            models.CheckConstraint(
                condition=Q(promised_limit_amount__isnull=True)
                | Q(statutory_limit_amount__isnull=True)
                | ~Q(promised_limit_unit=F("statutory_limit_unit"))
                | Q(promised_limit_amount__lte=F("statutory_limit_amount")),
                name="service_item_promised_within_statutory",
                violation_error_message=_(
                    "The promised limit is longer than the statutory limit; a promised "
                    "limit may only be shorter."
                ),
            ),
            models.CheckConstraint(
                condition=Q(kind=ItemKind.ON_THE_SPOT) | Q(promised_limit_amount__isnull=False),
                name="service_item_promised_limit_unless_on_the_spot",
                violation_error_message=_(
                    "Only an on-the-spot item may go without a promised limit."
                ),
            ),
            models.CheckConstraint(
                condition=Q(allows_deficiency=False) | Q(touches_safety=False),
                name="service_item_no_deficiency_when_safety",
                violation_error_message=_(
                    "An item touching public safety, the environment, health, life or "
                    "property cannot be accepted with deficiency."
                ),
            ),
            models.CheckConstraint(
                condition=Q(allows_deficiency=False) | Q(promised_limit_amount__isnull=False),
                name="service_item_deficiency_needs_promised_limit",
                violation_error_message=_(
                    "Accepting with deficiency needs a promised limit: the pledge may not "
                    "run longer."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"

    @property
    def statutory_limit_label(self) -> str:
        if self.statutory_limit_amount is None or not self.statutory_limit_unit:
            return ""
        return _limit_label(self.statutory_limit_amount, self.statutory_limit_unit)

    @property
    def promised_limit_label(self) -> str:
        if self.promised_limit_amount is None or not self.promised_limit_unit:
            return ""
        return _limit_label(self.promised_limit_amount, self.promised_limit_unit)

    def clean(self) -> None:
        """The rules between fields, each error on the field to change, with its reason.

        The check constraints above say the same for the database; an error here keeps
        full_clean from reporting it twice."""
        errors: dict[str, list[str]] = {}
        incomplete = {
            "statutory": (
                _("Give the unit of the statutory limit."),
                _("Give the amount of the statutory limit, or clear its unit."),
            ),
            "promised": (
                _("Give the unit of the promised limit."),
                _("Give the amount of the promised limit, or clear its unit."),
            ),
        }
        for prefix, (unit_missing, amount_missing) in incomplete.items():
            amount = getattr(self, f"{prefix}_limit_amount")
            unit = getattr(self, f"{prefix}_limit_unit")
            if amount is not None and not unit:
                errors.setdefault(f"{prefix}_limit_unit", []).append(str(unit_missing))
            if amount is None and unit:
                errors.setdefault(f"{prefix}_limit_amount", []).append(str(amount_missing))
        promised = self.promised_limit_amount if self.promised_limit_unit else None
        if self.kind and self.kind != ItemKind.ON_THE_SPOT and self.promised_limit_amount is None:
            errors.setdefault("promised_limit_amount", []).append(
                gettext(
                    "A promised or joint item needs a promised limit; only an on-the-spot "
                    "item may go without one."
                )
            )
        if self.allows_deficiency and self.touches_safety:
            errors.setdefault("allows_deficiency", []).append(
                gettext(
                    "An item touching public safety, the environment, health, life or "
                    "property cannot be accepted with deficiency (%(regulation)s)."
                )
                % {"regulation": cite_code("window-service-rules", "附件4 第四条")}
            )
        elif self.allows_deficiency and self.promised_limit_amount is None:
            errors.setdefault("allows_deficiency", []).append(
                gettext(
                    "Accepting with deficiency needs a promised limit: the pledge may not "
                    "run longer (%(regulation)s)."
                )
                % {"regulation": cite_code("window-service-rules", "附件4 第六条")}
            )
        if promised is not None and "promised_limit_amount" not in errors:
            message = self._promised_overrun_message()
            if message:
                errors.setdefault("promised_limit_amount", []).append(message)
        if errors:
            raise ValidationError(errors)

    def _promised_overrun_message(self) -> str | None:
        promised_amount, promised_unit = self.promised_limit_amount, self.promised_limit_unit
        statutory_amount, statutory_unit = self.statutory_limit_amount, self.statutory_limit_unit
        if promised_amount is None or statutory_amount is None:
            return None
        if promised_unit not in UnitChoices.values or statutory_unit not in UnitChoices.values:
            return None  # clean_fields reports the unknown unit
        if not all(
            1 <= amount <= MAX_LIMIT_AMOUNT for amount in (promised_amount, statutory_amount)
        ):
            return None  # and the amount out of range
        labels = {
            "promised": _limit_label(promised_amount, promised_unit),
            "statutory": _limit_label(statutory_amount, statutory_unit),
        }
        if promised_unit == statutory_unit:
            if promised_amount <= statutory_amount:
                return None
            return gettext(
                "The promised limit (%(promised)s) is longer than the statutory limit "
                "(%(statutory)s); a promised limit may only be shorter (%(regulation)s)."
            ) % {**labels, "regulation": _within_statutory_source()}
        overrun = promised_limit_overrun(
            promised_amount=promised_amount,
            promised_unit=promised_unit,
            statutory_amount=statutory_amount,
            statutory_unit=statutory_unit,
        )
        if overrun is None:
            return None
        return gettext(
            "The promised limit (%(promised)s) is longer than the statutory limit "
            "(%(statutory)s): counted from %(start)s, the promised limit falls due at "
            "%(promised_due)s but the statutory one at %(statutory_due)s. A promised limit "
            "may only be shorter (%(regulation)s)."
        ) % {
            **labels,
            "regulation": _within_statutory_source(),
            "start": _moment(overrun.start),
            "promised_due": _moment(overrun.promised_due),
            "statutory_due": _moment(overrun.statutory_due),
        }


def _within_statutory_source() -> str:
    """A promised limit may only be shorter than the statutory one (限时办结制度)."""
    return cite_code("window-service-rules", "附件7 第四条")


_single_line = RegexValidator(
    r"^[^\r\n]*$", message=_("Keep this on one line."), code="single_line"
)
_no_bar = RegexValidator(
    r"^[^|\r\n]*$",
    message=_("Keep this on one line and without a “|”: the spreadsheet uses it."),
    code="no_bar",
)


class ServiceItemMaterial(models.Model):
    """One material a version of a service item asks for, in the order the notice lists
    them. Rows are written once, with their version, and never changed."""

    item = models.ForeignKey(
        ServiceItem,
        verbose_name=_("service item"),
        on_delete=models.CASCADE,
        related_name="materials",
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    name = models.CharField(_("name"), max_length=120, validators=[_no_bar])
    form_requirements = models.CharField(
        _("form requirements"),
        max_length=300,
        blank=True,
        validators=[_single_line],
        help_text=_("Original or copy, how many copies, format: e.g. 原件核验，复印件1份（A4）."),
    )
    is_required = models.BooleanField(
        _("required"),
        default=True,
        help_text=_("Untick for a material asked only in some cases (e.g. a power of attorney)."),
    )
    may_be_deficient = models.BooleanField(
        _("may be deficient"),
        default=False,
        help_text=_("A secondary material that may be handed in later under a pledge (容缺)."),
    )

    class Meta:
        verbose_name = _("material")
        verbose_name_plural = _("materials")
        ordering: ClassVar = ["position", "pk"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["item", "name"], name="service_item_material_name"),
            models.CheckConstraint(
                condition=Q(may_be_deficient=False) | Q(is_required=True),
                name="service_item_material_deficient_is_required",
                violation_error_message=_(
                    "Only a required material can be missing: an optional one cannot be "
                    "marked as possibly deficient."
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.name


def material_errors(item: ServiceItem, materials: Sequence[ServiceItemMaterial]) -> list[str]:
    """What is wrong with `materials` as the list of `item`, for the rules that involve
    both: accept-with-deficiency needs main materials present and a secondary one missing
    (seed 002 附件4 §2), and an item that refuses it has no material that may be missing."""
    errors: list[str] = []
    seen: set[str] = set()
    for index, material in enumerate(materials, start=1):
        if material.name in seen:
            errors.append(
                gettext("Material %(index)s (%(name)s) is listed twice.")
                % {"index": index, "name": material.name}
            )
        seen.add(material.name)
    deficient = [material.name for material in materials if material.may_be_deficient]
    if deficient and not item.allows_deficiency:
        errors.append(
            gettext(
                "The item does not allow accepting with deficiency, so no material may be "
                "missing: %(names)s."
            )
            % {"names": "、".join(deficient)}
        )
    if item.allows_deficiency and not item.touches_safety:
        if not deficient:
            errors.append(
                gettext(
                    "Accepting with deficiency needs at least one secondary material that "
                    "may be missing."
                )
            )
        if not any(m.is_required and not m.may_be_deficient for m in materials):
            errors.append(
                gettext(
                    "Accepting with deficiency needs at least one main material, required "
                    "and never missing (%(regulation)s)."
                )
                % {"regulation": cite_code("window-service-rules", "附件4 第二条")}
            )
    return errors


# Phrases that refuse a citizen instead of serving them (seed 000 §8(1); seed 001 §10):
# "Unclear whose job" is never a reason to refuse (seed 001 §8).
REFUSAL_PHRASES: Final = (
    "不知道",
    "不清楚",
    "不归我管",
    "不是我管",
    "不关我事",
    "不关我的事",
    "不归我们管",
    "不是我们管",
    "找别人",
    "没办法",
)
# A phrase counts only as an expression of its own: the whole answer, or a clause of it
# between these marks (or line breaks), optionally led by who speaks or what is meant and
# trailed by a particle: "这个我不清楚的。", "你找别人吧!". Inside an ordinary sentence
# ("我不知道您是否方便明天上午在家") it is not a refusal and is never flagged.
REFUSAL_CLAUSE_MARKS: Final = "，。！？；：、,.!?;:…~～—\"'“”‘’「」『』()（）[]【】《》<>/|"
REFUSAL_LEAD_FILLERS: Final = (
    "这个事情",
    "这个事",
    "这件事",
    "这事儿",
    "这事",
    "这个",
    "那个",
    "这",
    "那",
    "我们",
    "咱们",
    "我",
    "俺",
    "咱",
    "你",
    "您",
    "嗯",
    "哦",
    "噢",
    "唉",
    "哎",
    "也",
    "都",
    "真",
    "就",
    "去",
)
REFUSAL_TAIL_FILLERS: Final = (
    "啊",
    "呀",
    "的",
    "了",
    "吧",
    "呢",
    "哦",
    "噢",
    "哈",
    "嘛",
    "啦",
    "喔",
    "哟",
    "去",
)


def _alternatives(words: Sequence[str]) -> str:
    return "|".join(re.escape(word) for word in sorted(words, key=len, reverse=True))


_REFUSAL_CLAUSE = re.compile(
    rf"(?:{_alternatives(REFUSAL_LEAD_FILLERS)})*"
    rf"(?P<phrase>{_alternatives(REFUSAL_PHRASES)})"
    rf"(?:{_alternatives(REFUSAL_TAIL_FILLERS)})*"
)
_CLAUSE_BOUNDARY = re.compile(rf"[{re.escape(REFUSAL_CLAUSE_MARKS)}\n\r]+")
_SPACE = re.compile(r"\s+")


def refusal_phrases_in(text: str) -> list[str]:
    """The refusal phrases that stand as an expression of their own in the text, in the
    list's order, each once. A clause is tried without its spaces ("不归我 管") and piece
    by piece between spaces ("不知道 找别人去")."""
    found: set[str] = set()
    for clause in _CLAUSE_BOUNDARY.split(unicodedata.normalize("NFKC", text)):
        for candidate in {_SPACE.sub("", clause), *clause.split()}:
            match = _REFUSAL_CLAUSE.fullmatch(candidate)
            if match is not None:
                found.add(match["phrase"])
    return [phrase for phrase in REFUSAL_PHRASES if phrase in found]


class RefusalFlag(models.Model):
    """A refusal phrase found in what a first responder wrote to or about a citizen. It
    is a flag for the head of the staff member's department to look at, not a violation:
    it becomes one only when a complaint about the same contact (case) is founded
    (seed 000 §8(1); sanctions.services.ingest)."""

    case = models.ForeignKey(
        "deadlines.Case", verbose_name=_("case"), on_delete=models.PROTECT, related_name="+"
    )
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("staff member"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The staff member's department when the phrase was used: its head looks at the flag.
    department = models.ForeignKey(
        "accountability.Department",
        verbose_name=_("department"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    phrase = models.CharField(_("phrase"), max_length=20)
    text = models.TextField(_("text"))
    at = models.DateTimeField(_("at"), default=timezone.now)
    # The head's look at it: what they found or did (talked to the staff member, ...).
    closed_at = models.DateTimeField(_("looked at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("looked at by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    head_note = models.TextField(_("head's note"), blank=True)

    class Meta:
        verbose_name = _("refusal phrase flag")
        verbose_name_plural = _("refusal phrase flags")
        ordering: ClassVar = ["-at", "-id"]
        indexes: ClassVar = [
            # A head's open flags; the ingestion's flags of a case use the case's index.
            models.Index(
                fields=["department", "at"],
                condition=Q(closed_at__isnull=True),
                name="refusal_flag_open",
            ),
        ]

    def __str__(self) -> str:
        # Not the text: on a complaint about staff it may carry the complainant's matter,
        # and the name shows in titles and the audit log.
        return f"{self.phrase} #{self.pk}"

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class RefusalFlagNotification(models.Model):
    """The head (or, for a head's own phrase, the leader they answer to) is told of a new
    flag. Like sanctions.SanctionNotification: once per recipient and flag."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="refusal_flag_notifications",
        db_index=False,  # the constraint's index starts with it
    )
    flag = models.ForeignKey(
        RefusalFlag,
        verbose_name=_("refusal phrase flag"),
        on_delete=models.PROTECT,
        related_name="notifications",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("refusal flag notification")
        verbose_name_plural = _("refusal flag notifications")
        ordering: ClassVar = ["-created_at", "-id"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["recipient", "flag"], name="refusal_flag_notification_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.flag} → {self.recipient}"


# -- the one-time notice (一次性告知) ------------------------------------------------------


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


class NoticeBreach(AppendOnlyModel):
    """A one-time-notice breach (违反一次性告知制) against the notice's issuer, for the
    inspection office (seed 002 附件6 §9; seed 004 一). One per later request."""

    request = models.OneToOneField(
        MaterialRequest,
        verbose_name=_("later material request"),
        on_delete=models.PROTECT,
        related_name="breach",
    )
    notice = models.ForeignKey(
        OneTimeNotice, verbose_name=_("one-time notice"), on_delete=models.PROTECT, related_name="+"
    )
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("staff member"),
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The issuer of the notice that left the material out."),
    )
    at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("one-time-notice breach")
        verbose_name_plural = _("one-time-notice breaches")
        ordering: ClassVar = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.notice.number}: {self.request.material}"


# -- accept with deficiency (容缺受理) ------------------------------------------------------


class Pledge(models.Model):
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
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.OPEN)
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


# -- rejection filing (否定备案) ------------------------------------------------------------


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


# -- appointments (办事预约) ----------------------------------------------------------------


class Appointment(models.Model):
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
    state = models.CharField(_("state"), max_length=20, choices=State.choices, default=State.BOOKED)
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


# Callback and rating after closing (回访, 好差评): their own module, found here by Django.
from intake.models_callback import (  # noqa: E402, F401
    CallbackCall,
    CallbackOutcome,
    Grade,
    Rating,
    RatingLink,
    RatingReview,
    RatingSource,
)
