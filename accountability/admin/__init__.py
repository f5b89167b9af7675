"""Back-office screens of the accountability app, one module per topic. Django's admin
autodiscovery imports this package only, so it imports every module that registers a
screen (versioned holds the base class of the versioned registers, registering nothing)."""

from accountability.admin import organisation, signin

__all__ = ["organisation", "signin"]
