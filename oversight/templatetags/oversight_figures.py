"""One figure of the dashboard as a link to the list behind it.

A tag rather than an included template: a dashboard shows some three hundred figures,
and an include per figure costs more than all the SQL behind them."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

EMPTY = mark_safe('<span class="muted">—</span>')  # a constant, nothing from outside


@register.simple_tag
def figure(value: Any, href: str = "", suffix: str = "") -> SafeString:
    """``value`` as a link to ``href``; a dash when there is nothing to show (no case
    to take a share or an average of)."""
    if value is None:
        return EMPTY
    if not href:
        return format_html("{}{}", value, suffix)
    return format_html('<a href="{}">{}{}</a>', href, value, suffix)
