from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntakeConfig(AppConfig):
    name = "intake"
    verbose_name = _("Front desk")

    def ready(self) -> None:
        from deadlines.bell import bell_register
        from intake.bell import SOURCE

        bell_register(SOURCE)
