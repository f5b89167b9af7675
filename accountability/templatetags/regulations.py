"""Citations in templates, shown as everywhere else: 《title》article.

{% load regulations %}
{{ policy.regulation|cite:policy.article }}
{% cite_code "window-service-rules" "附件4 第十二条" as regulation %}
"""

from __future__ import annotations

from typing import Any

from django import template

from accountability.models import Regulation
from accountability.regulations import cite as cite_text

register = template.Library()


@register.filter
def cite(regulation: Regulation | None, article: str = "") -> str:
    return cite_text(regulation, article)


@register.simple_tag(takes_context=True)
def cite_code(context: template.Context, code: str, article: str = "") -> str:
    """The citation of an article of the regulation with this internal code. The register
    is read once per request, however many citations a page has."""
    request: Any = context.get("request")
    titles: dict[str, Regulation] | None = getattr(request, "_regulations", None)
    if titles is None:
        titles = {regulation.code: regulation for regulation in Regulation.objects.all()}
        if request is not None:
            request._regulations = titles
    return cite_text(titles.get(code), article)
