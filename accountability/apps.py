from axes.apps import AppConfig as AxesConfig
from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class AccountabilityConfig(AppConfig):
    # The module holds other AppConfig classes (django-axes' below, and the one it
    # imports): this is the one "accountability" in INSTALLED_APPS means.
    default = True
    name = "accountability"
    verbose_name = _("Organisation")

    def ready(self) -> None:
        from accountability.history import install_history_triggers

        # Once per `migrate` (the signal is sent for every app): the history tables'
        # triggers, a table added by this run included.
        post_migrate.connect(install_history_triggers, sender=self)


class SignInThrottleConfig(AxesConfig):
    """django-axes (accountability.signin), under a name the administration shows."""

    verbose_name = _("Sign-in throttling")
