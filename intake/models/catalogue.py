"""The service catalogue (服务事项目录): what a one-time notice must state about each item.

A service item is versioned like deadlines.TimeLimitPolicy: a change creates a new row
with the next version and retires the old one, so a notice or a case that points at a
version keeps what the citizen was told. Materials belong to one version and are never
edited in place either; a revision copies or replaces them.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar, Final

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from django.utils import formats
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accountability.regulations import cite_code
from accountability.versioning import VersionedModel
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


class ServiceItem(VersionedModel):
    """One version of a catalogue entry: everything seed 002 附件6 §3(一) says a one-time
    notice states, except the materials, which are rows of their own."""

    code = models.SlugField(_("code"), max_length=60)
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
