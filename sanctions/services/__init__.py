"""Every write of the sanctions app (see the modules for the rules each one keeps)."""

from sanctions.services.aggregates import (
    aggregates_fire,
    aggregates_reconcile,
    aggregates_run_monthly,
)
from sanctions.services.common import SanctionConflict
from sanctions.services.decisions import (
    appeal_record,
    deciders_notify,
    referral_outcome_record,
    review_record,
    sanction_approve,
    sanction_complete,
    sanction_proposal,
    sanction_propose,
    sanction_refer,
    sanction_refuse,
    sanction_serve,
    self_criticism_record,
    unit_head_of,
)
from sanctions.services.ingest import RaiseResult, violations_raise_from_sources
from sanctions.services.notifications import (
    sanction_notification_read,
    sanction_notifications_mark_all_read,
)
from sanctions.services.rulebook import (
    rulebook_create,
    rulebook_current,
    rulebook_load,
    rulebook_spec,
    violation_types_load,
)
from sanctions.services.violations import (
    SuggestedResponsibility,
    founded_complaint_record,
    responsibility_assign,
    responsibility_suggest,
    violation_confirm,
    violation_dismiss,
    violation_raise_complaint,
    violation_raise_finding,
    violation_review,
    violation_set_aside,
)

__all__ = [
    "RaiseResult",
    "SanctionConflict",
    "SuggestedResponsibility",
    "aggregates_fire",
    "aggregates_reconcile",
    "aggregates_run_monthly",
    "appeal_record",
    "deciders_notify",
    "founded_complaint_record",
    "referral_outcome_record",
    "responsibility_assign",
    "responsibility_suggest",
    "review_record",
    "rulebook_create",
    "rulebook_current",
    "rulebook_load",
    "rulebook_spec",
    "sanction_approve",
    "sanction_complete",
    "sanction_notification_read",
    "sanction_notifications_mark_all_read",
    "sanction_proposal",
    "sanction_propose",
    "sanction_refer",
    "sanction_refuse",
    "sanction_serve",
    "self_criticism_record",
    "unit_head_of",
    "violation_confirm",
    "violation_dismiss",
    "violation_raise_complaint",
    "violation_raise_finding",
    "violation_review",
    "violation_set_aside",
    "violation_types_load",
    "violations_raise_from_sources",
]
