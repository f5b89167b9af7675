from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SanctionsConfig(AppConfig):
    name = "sanctions"
    verbose_name = _("Accountability")

    def ready(self) -> None:
        from accountability.history import state_from_events_register
        from deadlines.bell import bell_register
        from sanctions.bell import SOURCE
        from sanctions.models import DecisionEvent, SanctionDecision, Violation, ViolationEvent

        bell_register(SOURCE)
        # A violation's and a decision's state is always their latest event's.
        state_from_events_register(Violation, ViolationEvent, "violation")
        state_from_events_register(SanctionDecision, DecisionEvent, "decision")
