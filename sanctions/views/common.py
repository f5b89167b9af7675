"""What the inspection office's pages share: who sees them, the sanction kinds' labels
and the words for each entry of a history."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from accountability.actions import Action
from accountability.rules import may
from sanctions.models import SanctionDecision, SanctionKind

PAGE_SIZE = 25


def require_view(request: HttpRequest) -> None:
    if not may(request.user, "sanctions.view_violation"):
        raise PermissionDenied(_("Only the inspection office and leadership see violations."))


def require_view_decision(request: HttpRequest, decision: SanctionDecision) -> None:
    """The office and leadership, and whoever decides this decision."""
    if not may(request.user, "sanctions.view_violation") and not may(
        request.user, "sanctions.approve_sanction", decision
    ):
        raise PermissionDenied(_("Only the inspection office and leadership see violations."))


def kind_labels(kinds: list[str] | tuple[str, ...]) -> list[str]:
    labels = dict(SanctionKind.choices)
    return [str(labels.get(kind, kind)) for kind in kinds]


# What the history of a violation or a decision says for each action its services record.
ACTION_LABELS: dict[str, str | Promise] = {
    "raise": _("Raised"),
    "review": _("Taken up for review"),
    "confirm": _("Confirmed"),
    "dismiss": _("Dismissed"),
    "set_aside": _("Dismissed on review"),
    "counted_record_set_aside": _("A record it counted no longer stands"),
    "assign_responsibility": _("Responsibility assigned"),
    "propose": _("Proposed"),
    "approve": _("Approved"),
    "refuse": _("Refused"),
    "serve": _("Served"),
    "self_criticism": _("Written self-criticism received"),
    "complete": _("Completed"),
    "refer": _("Referred out"),
    "referral_outcome": _("Outcome of the referral recorded"),
    "appeal": _("Appeal recorded"),
    "review_record": _("Review recorded"),
}


def history(events: Any) -> list[tuple[Any, str]]:
    return [(event, str(ACTION_LABELS.get(event.action, event.action))) for event in events]


def step_form_kwargs(action: Action, obj: Any) -> dict[str, Any]:
    """A step's form carries the version of the violation or decision shown."""
    return {"obj": obj, "auto_id": f"id_{action.name}_%s"}
