from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OversightConfig(AppConfig):
    name = "oversight"
    verbose_name = _("Oversight")

    def ready(self) -> None:
        # The dashboard's permission, for whoever asks before the views are imported.
        from oversight import rules  # noqa: F401
