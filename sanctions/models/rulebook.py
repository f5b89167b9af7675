"""The rulebook as versioned data (DOMAIN §7: rules are data with reasons), and the
record of each aggregate rule firing.

A version is loaded from a file (fixtures/rulebook.json) and never changed: loading a
changed file makes a new version, loading the same file again makes none (the digest of
its content is unique). A decision keeps the version and the rule it came from, so a new
version never changes a decision already taken.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accountability.models import AppendOnlyModel
from accountability.regulations import cite


class RulebookVersion(AppendOnlyModel):
    label = models.CharField(_("label"), max_length=40)
    title = models.CharField(_("title"), max_length=200)
    digest = models.CharField(
        _("content digest"),
        max_length=64,
        unique=True,
        help_text=_("SHA-256 of the rules as loaded: the same file never makes a new version."),
    )
    source = models.CharField(_("loaded from"), max_length=200, blank=True)
    loaded_at = models.DateTimeField(_("loaded at"), default=timezone.now)
    loaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("loaded by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("rulebook version")
        verbose_name_plural = _("rulebook versions")
        ordering: ClassVar = ["-loaded_at", "-id"]

    def __str__(self) -> str:
        return f"{self.title} ({self.label})"


class RuleTrigger(models.TextChoices):
    VIOLATION = "violation", _("A confirmed violation")
    AGGREGATE = "aggregate", _("A count over a period")
    CONSEQUENCE = "consequence", _("A consequence of a sanction")


class Rule(AppendOnlyModel):
    """One rule of a rulebook version: when it applies, what it proposes, its source.

    ``params`` is what the engine (sanctions.engine) reads: for a violation rule, its
    clauses (the families and severities it matches, the history it needs, the kinds it
    proposes); for an aggregate rule, what it counts, the threshold and the period."""

    version = models.ForeignKey(
        RulebookVersion,
        verbose_name=_("rulebook version"),
        on_delete=models.PROTECT,
        related_name="rules",
    )
    number = models.PositiveSmallIntegerField(_("number"))
    title = models.CharField(_("title"), max_length=200)
    condition = models.TextField(_("when"))
    proposes = models.TextField(_("proposes"))
    regulation = models.ForeignKey(
        "accountability.Regulation",
        verbose_name=_("regulation"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    article = models.CharField(_("article"), max_length=200)
    trigger = models.CharField(_("trigger"), max_length=20, choices=RuleTrigger.choices)
    params = models.JSONField(_("parameters"), default=dict)

    class Meta:
        verbose_name = _("rule")
        verbose_name_plural = _("rules")
        ordering: ClassVar = ["version", "number"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["version", "number"], name="rule_number_once"),
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.title}"

    @property
    def citation(self) -> str:
        """《title》article, as every page shows it (accountability.regulations.cite)."""
        return cite(self.regulation, self.article)


class AggregateFiring(AppendOnlyModel):
    """An aggregate rule that fired: for whom, for which period, and the records it
    counted. The unique constraints make each (rule, person or department, period)
    fire once, whether the confirmation or the monthly task gets there first."""

    rulebook_version = models.ForeignKey(
        RulebookVersion,
        verbose_name=_("rulebook version"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    rule = models.ForeignKey(
        Rule, verbose_name=_("rule"), on_delete=models.PROTECT, related_name="firings"
    )
    rule_number = models.PositiveSmallIntegerField(_("rule number"))
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    department = models.ForeignKey(
        "accountability.Department",
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    period = models.CharField(
        _("period"), max_length=10, help_text=_("A calendar month (2026-03) or year (2026).")
    )
    counted = models.JSONField(
        _("records counted"),
        default=list,
        help_text=_("The violations or decisions that made the count."),
    )
    not_counted = models.JSONField(
        _("records not counted"),
        default=list,
        blank=True,
        help_text=_("Records looked at and left out, each with the reason."),
    )
    fired_at = models.DateTimeField(_("fired at"), default=timezone.now)
    via = models.CharField(_("found by"), max_length=20)
    # How many firings of the same key were withdrawn before this one: a key fires once
    # per round, and a withdrawal (FiringWithdrawal) opens the next round.
    round = models.PositiveSmallIntegerField(_("round"), default=0)

    class Meta:
        verbose_name = _("aggregate rule firing")
        verbose_name_plural = _("aggregate rule firings")
        ordering: ClassVar = ["-fired_at", "-id"]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=Q(person__isnull=False, department__isnull=True)
                | Q(person__isnull=True, department__isnull=False),
                name="firing_person_or_department",
            ),
            models.UniqueConstraint(
                fields=["rule_number", "person", "period", "round"],
                condition=Q(person__isnull=False),
                name="firing_once_per_person",
            ),
            models.UniqueConstraint(
                fields=["rule_number", "department", "period", "round"],
                condition=Q(department__isnull=False),
                name="firing_once_per_department",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.rule_number} {self.period}"


class FiringWithdrawal(AppendOnlyModel):
    """An aggregate firing that no longer holds, because a record it counted was
    dismissed on review or quashed or reduced on review or appeal. The firing itself is
    never changed (DOMAIN §7: a correction is a new record pointing at the old)."""

    firing = models.OneToOneField(
        AggregateFiring,
        verbose_name=_("aggregate rule firing"),
        on_delete=models.PROTECT,
        related_name="withdrawal",
    )
    reason = models.TextField(_("reason"))
    no_longer_counted = models.JSONField(
        _("records no longer counted"),
        default=list,
        help_text=_("The records the firing counted that no longer stand."),
    )
    withdrawn_at = models.DateTimeField(_("withdrawn at"), default=timezone.now)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("withdrawn by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Whoever set aside the record it counted; empty when the system did."),
    )

    class Meta:
        verbose_name = _("withdrawn rule firing")
        verbose_name_plural = _("withdrawn rule firings")
        ordering: ClassVar = ["-withdrawn_at", "-id"]

    def __str__(self) -> str:
        return f"#{self.firing.rule_number} {self.firing.period}"
