"""A clock's colour in a template that lists clocks as they are stored."""

from __future__ import annotations

from datetime import datetime

from django import template

from deadlines.models import Clock
from deadlines.selectors.clocks import Colour, clock_status

register = template.Library()


@register.filter
def colour_at(clock: Clock, now: datetime) -> Colour:
    """``{{ clock|colour_at:now }}``: the clock's colour at `now`, by the one rule
    (deadlines.selectors.clocks.clock_colour)."""
    return clock_status(clock, now).colour
