"""What the decision services share: the fields their audit rows snapshot, the state move
that turns a stale state into a conflict, and the check of the sanctions chosen.

Private to the package: proposing, deciding, serving and appeals build on it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django_fsm import can_proceed

from accountability import audit
from sanctions.models import SanctionDecision, SanctionKind
from sanctions.services.common import state_conflict

if TYPE_CHECKING:
    pass

FIELDS = [
    "state",
    "referred_to",
    "referred_at",
    "referral_outcome_at",
    "chosen_kinds",
    "departure_reason",
    "decided_by",
    "decided_at",
    "notice_number",
    "served_at",
    "self_criticism_received_at",
    "self_criticism_late",
    "completed_at",
]


def _state(decision: SanctionDecision) -> dict[str, Any]:
    return audit.snapshot(decision, fields=FIELDS)


def _move(decision: SanctionDecision, transition: str) -> str:
    method = getattr(decision, transition)
    if not can_proceed(method):
        raise state_conflict(decision.get_state_display())
    before = decision.state
    method()
    return before


def _clean_kinds(kinds: list[str] | tuple[str, ...], field: str) -> list[str]:
    chosen = list(dict.fromkeys(kinds))  # unique, in the order given
    if not chosen:
        raise ValidationError({field: _("Choose at least one sanction.")})
    unknown = [kind for kind in chosen if kind not in SanctionKind.values]
    if unknown:
        raise ValidationError({field: _("Choose sanctions from the list.")})
    return chosen
