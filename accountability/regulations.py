"""The register of regulations: how a citation is shown (writes: services_regulations).

A citation is shown one way everywhere (pages, printed papers, exports, API answers,
explanations): the regulation's title in 《》 followed by the article, e.g.
《济南水务集团损害营商环境行为追责问责办法》第十二条. The internal code of a regulation is
for data files only and never reaches a user.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from accountability.models import Regulation


def cite(regulation: Regulation | None, article: str = "") -> str:
    """《title》article; the article alone when no regulation is named (a practice that no
    regulation of the register states)."""
    article = (article or "").strip()
    if regulation is None:
        return article
    return f"《{regulation.title}》{article}"


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
