from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SanctionsConfig(AppConfig):
    name = "sanctions"
    verbose_name = _("Accountability")

    def ready(self) -> None:
        from deadlines.bell import bell_register
        from sanctions.bell import SOURCE

        bell_register(SOURCE)
