"""Back-office screens of the deadlines app, one module per topic. Writes go through the
services. Django's admin autodiscovery imports this package only, so it imports every
module that registers a screen."""

from deadlines.admin import calendar, cases, clocks, messages, policies

__all__ = ["calendar", "cases", "clocks", "messages", "policies"]
