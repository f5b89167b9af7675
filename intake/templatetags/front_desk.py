"""The front desk's part of the case page: notices, pledges and refusal, appointments.

deadlines must not import intake (ARCHITECTURE: imports point one way), so the case page
loads this tag library and intake gathers its own records for it.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.db.models import prefetch_related_objects

from deadlines.models import Case
from intake.selectors_appointments import appointment_prefetch
from intake.selectors_desk import case_desk_for
from intake.selectors_notices import notice_prefetches

register = template.Library()


@register.inclusion_tag("intake/_case_front_desk.html", takes_context=True)
def case_front_desk(context: template.Context, case: Case) -> dict[str, Any]:
    """Six queries however many records the case has."""
    user = context["request"].user
    prefetch_related_objects([case], *notice_prefetches(), appointment_prefetch())
    return {"case": case, "user": user, "desk": case_desk_for(case=case, user=user)}
