"""The register of regulations (规章制度) the portal cites."""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.utils.translation import gettext_lazy as _


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
