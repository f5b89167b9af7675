"""The front desk's part of the case page: notices, pledges and refusal, appointments;
and the callback and rating after closing.

deadlines must not import intake (ARCHITECTURE: imports point one way), so the case page
loads this tag library and intake gathers its own records for it.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.db.models import prefetch_related_objects

from accountability.rules import may
from deadlines.models import Case, CaseState
from deadlines.rules import sees_complainant
from intake.forms.callback import CallbackForm, CorrectionForm, ReviewForm
from intake.selectors.appointments import appointment_prefetch
from intake.selectors.callback import case_callback_for
from intake.selectors.desk import case_desk_for
from intake.selectors.notices import notice_prefetches

register = template.Library()


@register.inclusion_tag("intake/_case_front_desk.html", takes_context=True)
def case_front_desk(context: template.Context, case: Case) -> dict[str, Any]:
    """Six queries however many records the case has."""
    user = context["request"].user
    prefetch_related_objects([case], *notice_prefetches(), appointment_prefetch())
    return {"case": case, "user": user, "desk": case_desk_for(case=case, user=user)}


@register.inclusion_tag("intake/_case_callback.html", takes_context=True)
def case_callback(context: template.Context, case: Case) -> dict[str, Any]:
    """The callback and rating after closing (回访, 好差评) with the viewer's forms: three
    queries however many ratings and calls the case has."""
    user = context["request"].user
    callback = case_callback_for(case)
    closed = case.state == CaseState.CLOSED
    may_record = closed and may(user, "intake.record_callback", case)
    current = callback.current
    return {
        "case": case,
        "callback": callback,
        "show_text": sees_complainant(user, case),
        "may_record": may_record and not callback.rated_since_close,
        "may_review": callback.awaiting_review is not None
        and closed
        and may(user, "intake.review_rating", case),
        "may_correct": closed
        and current is not None
        and callback.rated_since_close
        and not callback.correction_used
        and not callback.current_reviewed
        and may(user, "intake.record_callback", case),
        "callback_form": CallbackForm(),
        "review_form": ReviewForm(),
        "correction_form": CorrectionForm(),
    }
