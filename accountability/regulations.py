"""The register of regulations: how a citation is shown (writes: services.regulations).

A citation is shown one way everywhere (pages, printed papers, exports, API answers,
explanations): the regulation's title in 《》 followed by the article, e.g.
《济南水务集团损害营商环境行为追责问责办法》第十二条. The internal code of a regulation is
for data files only and never reaches a user.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from accountability.models import Regulation


class Basis(models.TextChoices):
    """Where a figure comes from. A regulation's figure is cited as 《title》article; one
    that no regulation sets (DOMAIN §10 practice, or a *demo* value filling a gap the
    regulation leaves) says so wherever it is cited, so nobody mistakes it for regulation."""

    REGULATION = "regulation", pgettext_lazy("policy basis", "Regulation")
    PRACTICE = "practice", pgettext_lazy("policy basis", "Practice")
    DEMO = "demo", pgettext_lazy("policy basis", "Demo value")


BASIS_MARKS = {
    Basis.PRACTICE: gettext_lazy("practice, not set by a regulation"),
    Basis.DEMO: gettext_lazy("demo value, not set by a regulation"),
}


def cite(regulation: Regulation | None, article: str = "", basis: str = Basis.REGULATION) -> str:
    """《title》article; the article alone when no regulation is named (a practice that no
    regulation of the register states). A figure no regulation sets (`basis` practice or
    demo) reads as such, e.g. 演示数值，非规章规定（参照《title》article）."""
    article = (article or "").strip()
    source = article if regulation is None else f"《{regulation.title}》{article}"
    mark = BASIS_MARKS.get(Basis(basis or Basis.REGULATION))
    if mark is None:
        return source
    if not source:
        return str(mark)
    if regulation is None:
        return _("%(mark)s (%(source)s)") % {"mark": mark, "source": source}
    return _("%(mark)s (cf. %(source)s)") % {"mark": mark, "source": source}


def cite_code(code: str, article: str = "") -> str:
    """The citation of an article of the regulation with this internal code, for texts
    written in the code (validation messages, printed papers). One query; the article
    alone if the register has no such regulation."""
    return cite(Regulation.objects.filter(code=code).first(), article)


def regulation_for_code(code: Any, *, where: str) -> Regulation:
    """The regulation a data file names by its code, or a ValidationError saying which
    entry named an unknown one (`where` names the file and the entry)."""
    regulation = Regulation.objects.filter(code=str(code or "")).first() if code else None
    if regulation is None:
        known = ", ".join(Regulation.objects.order_by("code").values_list("code", flat=True))
        raise ValidationError(
            _(
                "%(where)s: unknown regulation %(code)s. Known regulations: %(known)s "
                "(fixtures/regulations.json, loaded by manage.py load_defaults)."
            )
            % {"where": where, "code": code or "—", "known": known or "—"}
        )
    return regulation
