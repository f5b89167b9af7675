"""Callback and rating after closing (回访, 好差评; DOMAIN §10).

A closing starts a callback clock (deadlines' ``case-callback`` policy). The citizen
rates the service on five grades through a one-time link in the callback message, or
staff record the grade from the callback call. A poor grade is looked at by the head of
the handling department, who decides, with a reason, whether it is the unit's fault; if
it is, the case reopens for rework (deadlines.services.cases.case_rework) and its next
closing owes a second callback. A citizen may have a mistaken grade corrected (误评)
once per case: the correction is a new rating pointing at the one it corrects.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accountability.models import AppendOnlyModel


class Grade(models.IntegerChoices):
    """The five grades (好差评): 5 best."""

    VERY_SATISFIED = 5, _("Very satisfied")
    SATISFIED = 4, _("Satisfied")
    FAIR = 3, _("Fair")
    DISSATISFIED = 2, _("Dissatisfied")
    VERY_DISSATISFIED = 1, _("Very dissatisfied")


# A grade at or below this is poor: the head decides whether it is the unit's fault
# (deadlines.services.cases.POOR_RATING is the same line).
POOR_GRADE = Grade.DISSATISFIED
# A grade at or above this counts as satisfied in the dashboard's satisfaction rate.
SATISFIED_GRADE = Grade.SATISFIED


class RatingLink(models.Model):
    """A one-time link that lets the citizen rate without signing in. Only a digest of its
    token is stored; it works once, until it expires (RATING_LINK_DAYS)."""

    case = models.ForeignKey(
        "deadlines.Case",
        verbose_name=_("case"),
        on_delete=models.PROTECT,
        related_name="rating_links",
    )
    clock = models.ForeignKey(
        "deadlines.Clock",
        verbose_name=_("callback time limit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    token_digest = models.CharField(_("token digest"), max_length=64, unique=True, editable=False)
    issued_at = models.DateTimeField(_("issued at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"))
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("issued by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Empty when the system issued it with the callback message."),
    )

    class Meta:
        verbose_name = _("rating link")
        verbose_name_plural = _("rating links")
        indexes: ClassVar = [models.Index(fields=["case", "issued_at"], name="rating_link_case")]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=models.F("issued_at")),
                name="rating_link_expires_after_issue",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.issued_at:%Y-%m-%d %H:%M}"


class RatingSource(models.TextChoices):
    LINK = "link", _("By the citizen through the rating link")
    CALL = "call", _("From the callback call")
    CORRECTION = "correction", _("Correction of a mistaken grade")


class Rating(AppendOnlyModel):
    """One grade the citizen gave for one closing. Append-only: a correction is a new row
    that points at the one it corrects (``corrects``), once per case."""

    case = models.ForeignKey(
        "deadlines.Case", verbose_name=_("case"), on_delete=models.PROTECT, related_name="ratings"
    )
    clock = models.ForeignKey(
        "deadlines.Clock",
        verbose_name=_("callback time limit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The callback this grade answers (one for each closing)."),
    )
    grade = models.PositiveSmallIntegerField(
        _("grade"),
        choices=Grade.choices,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    source = models.CharField(_("how it was given"), max_length=20, choices=RatingSource.choices)
    comment = models.TextField(_("citizen's comment"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Empty when the citizen rated through the link."),
    )
    link = models.OneToOneField(
        RatingLink,
        verbose_name=_("rating link"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="rating",
    )
    corrects = models.OneToOneField(
        "self",
        verbose_name=_("corrects"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="correction",
    )
    correction_reason = models.TextField(_("why the grade was mistaken"), blank=True)
    at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("satisfaction rating")
        verbose_name_plural = _("satisfaction ratings")
        ordering: ClassVar = ["at", "id"]
        indexes: ClassVar = [models.Index(fields=["case", "at"], name="rating_case_at")]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=Q(grade__gte=1, grade__lte=5), name="rating_grade_one_to_five"
            ),
            # 误评: a citizen may have a grade corrected once per case.
            models.UniqueConstraint(
                fields=["case"],
                condition=Q(corrects__isnull=False),
                name="rating_one_correction_per_case",
                violation_error_message=_("A grade on this case has been corrected already."),
            ),
            models.CheckConstraint(
                condition=Q(corrects__isnull=True) | ~Q(correction_reason=""),
                name="rating_correction_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.grade}/5"

    @property
    def is_poor(self) -> bool:
        return self.grade <= POOR_GRADE


class CallbackOutcome(models.TextChoices):
    RATED = "rated", _("Reached; the citizen gave a grade")
    DECLINED = "declined", _("Reached; the citizen declined to rate")
    NOT_REACHED = "not_reached", _("Not reached")


class CallbackCall(AppendOnlyModel):
    """A callback call after closing, as staff recorded it."""

    case = models.ForeignKey(
        "deadlines.Case",
        verbose_name=_("case"),
        on_delete=models.PROTECT,
        related_name="callback_calls",
    )
    clock = models.ForeignKey(
        "deadlines.Clock",
        verbose_name=_("callback time limit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    outcome = models.CharField(_("outcome"), max_length=20, choices=CallbackOutcome.choices)
    rating = models.OneToOneField(
        Rating,
        verbose_name=_("grade given"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="call",
    )
    note = models.TextField(_("note"), blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("callback call")
        verbose_name_plural = _("callback calls")
        ordering: ClassVar = ["at", "id"]
        indexes: ClassVar = [models.Index(fields=["case", "at"], name="callback_call_case_at")]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=Q(outcome="rated", rating__isnull=False)
                | (~Q(outcome="rated") & Q(rating__isnull=True)),
                name="callback_call_rated_has_rating",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.outcome}"


class RatingReview(AppendOnlyModel):
    """The head's finding on a poor grade: the unit's fault (the case is reworked) or not,
    with the reason."""

    rating = models.OneToOneField(
        Rating, verbose_name=_("rating"), on_delete=models.PROTECT, related_name="review"
    )
    unit_at_fault = models.BooleanField(_("the unit's fault"))
    reason = models.TextField(_("reason"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("poor-grade review")
        verbose_name_plural = _("poor-grade reviews")
        constraints: ClassVar = [
            models.CheckConstraint(condition=~Q(reason=""), name="rating_review_has_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.rating_id} {'fault' if self.unit_at_fault else 'no fault'}"
