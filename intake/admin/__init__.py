"""Back-office screens of the intake app, one module per topic. Django's admin
autodiscovery imports this package only, so it imports every module that registers a
screen."""

from intake.admin import appointments, catalogue, desk, notices, refusals

__all__ = ["appointments", "catalogue", "desk", "notices", "refusals"]
