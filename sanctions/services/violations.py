"""Every change to a violation: raised by hand (founded complaint, inspection finding),
taken up for review, confirmed or dismissed with a reason, responsibility assigned.

Each service locks the violation row, refuses a stale copy, checks the actor (the
inspection office; never the accused: recusal), moves the state, appends a
ViolationEvent and an audit row, all in one transaction. Confirming also runs the
aggregate rules for the people and the department concerned.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import can_proceed

from accountability import audit
from accountability.models import Department, StaffProfile
from deadlines.models import Case
from sanctions.models import (
    DismissalReason,
    Responsibility,
    ResponsibilityKind,
    Severity,
    SourceKind,
    Violation,
    ViolationState,
    ViolationType,
)
from sanctions.models.violations import AGGREGATE_FAMILIES
from sanctions.services.aggregates import aggregates_fire
from sanctions.services.common import (
    SanctionConflict,
    history_append,
    lock_violation,
    require,
    state_conflict,
    user_or_none,
)
from sanctions.services.rulebook import rulebook_current

FIELDS = ["type", "staff", "department", "occurred_at", "severity", "state", "dismissal_reason"]


def _state(violation: Violation) -> dict[str, Any]:
    return audit.snapshot(violation, fields=FIELDS)


def _department_of(user: Any) -> Department | None:
    profile = StaffProfile.objects.select_related("department").filter(user=user).first()
    return profile.department if profile is not None else None


def _clean_severity(severity: str | None, default: str) -> str:
    severity = severity or default
    if severity not in Severity.values:
        raise ValidationError({"severity": _("Choose a severity from the list.")})
    return severity


def _clean_type(violation_type: ViolationType) -> None:
    if violation_type.family in AGGREGATE_FAMILIES:
        raise ValidationError(
            {"type": _("This type is raised only by the rulebook's aggregate rules.")}
        )


def _raise(actor: Any, violation: Violation) -> Violation:
    violation.full_clean(exclude=["state"])
    try:
        with transaction.atomic():
            violation.save()
    except IntegrityError as error:
        raise ValidationError(
            _("This violation has been raised already; look it up in the queue.")
        ) from error
    violation.version -= 1  # history_append bumps it back to 1
    history_append(violation, actor=actor, action="raise", from_state="")
    audit.record(actor=actor, action="violation.raise", obj=violation, after=_state(violation))
    return violation


@transaction.atomic
def violation_raise_complaint(
    *,
    actor: Any,
    case: Case,
    staff: Any,
    type: ViolationType,
    occurred_at: datetime | None = None,
    summary: str = "",
    severity: str | None = None,
) -> Violation:
    """A complaint (or report) about a staff member, for the office to review: one per
    (case, staff member, type), so the same complaint is never counted twice."""
    require(actor, "sanctions.raise_violation")
    if staff is not None and staff.pk == actor.pk:
        raise PermissionDenied(
            _("You are named in this matter, so you cannot act on it (recusal).")
        )
    _clean_type(type)
    violation = Violation(
        type=type,
        staff=staff,
        department=_department_of(staff) or case.department,
        occurred_at=occurred_at or case.opened_at,
        severity=_clean_severity(severity, type.default_severity),
        summary=summary,
        source_kind=SourceKind.COMPLAINT,
        case=case,
        rulebook_version=rulebook_current(),
        raised_by=user_or_none(actor),
    )
    return _raise(actor, violation)


@transaction.atomic
def violation_raise_finding(
    *,
    actor: Any,
    type: ViolationType,
    finding: str,
    staff: Any = None,
    department: Department | None = None,
    case: Case | None = None,
    occurred_at: datetime | None = None,
    severity: str | None = None,
    summary: str = "",
) -> Violation:
    """What an inspection found, about a staff member (or a department), optionally
    about a case."""
    require(actor, "sanctions.raise_violation")
    if staff is not None and staff.pk == actor.pk:
        raise PermissionDenied(
            _("You are named in this matter, so you cannot act on it (recusal).")
        )
    _clean_type(type)
    if not finding.strip():
        raise ValidationError({"finding": _("Write down what the inspection found.")})
    department = department or (_department_of(staff) if staff is not None else None)
    if department is None:
        department = case.department if case is not None else None
    if department is None:
        raise ValidationError({"department": _("Name the staff member or the department.")})
    violation = Violation(
        type=type,
        staff=staff,
        department=department,
        occurred_at=occurred_at or timezone.now(),
        severity=_clean_severity(severity, type.default_severity),
        summary=summary,
        source_kind=SourceKind.FINDING,
        finding=finding.strip(),
        case=case,
        rulebook_version=rulebook_current(),
        raised_by=user_or_none(actor),
    )
    return _raise(actor, violation)


def _move(violation: Violation, transition: str) -> str:
    method = getattr(violation, transition)
    if not can_proceed(method):
        raise state_conflict(violation.get_state_display())
    before = violation.state
    method()
    return before


@transaction.atomic
def violation_review(*, actor: Any, violation: Violation) -> Violation:
    """The inspection office takes the violation up (raised → under review)."""
    violation = lock_violation(violation)
    require(actor, "sanctions.review_violation", violation)
    before = _state(violation)
    from_state = _move(violation, "start_review")
    violation.reviewer = actor
    history_append(violation, actor=actor, action="review", from_state=from_state)
    audit.record(
        actor=actor,
        action="violation.review",
        obj=violation,
        before=before,
        after=_state(violation),
    )
    return violation


@transaction.atomic
def violation_confirm(
    *, actor: Any, violation: Violation, severity: str | None = None, note: str = ""
) -> Violation:
    """Founded (under review → confirmed), at the severity the office found. The
    aggregate rules then run for the staff member and the department: a third founded
    complaint in the month, a head's third serious error in three months, …"""
    violation = lock_violation(violation)
    require(actor, "sanctions.review_violation", violation)
    before = _state(violation)
    from_state = _move(violation, "confirm")
    violation.severity = _clean_severity(severity, violation.severity)
    violation.decided_by = actor
    violation.decided_at = timezone.now()
    history_append(
        violation,
        actor=actor,
        action="confirm",
        from_state=from_state,
        reason=note,
        severity=violation.severity,
    )
    audit.record(
        actor=actor,
        action="violation.confirm",
        obj=violation,
        before=before,
        after=_state(violation),
        reason=note,
    )
    aggregates_fire(
        via="confirm",
        persons=[violation.staff_id] if violation.staff_id else [],
        departments=[violation.department_id],
    )
    return violation


@transaction.atomic
def violation_dismiss(
    *, actor: Any, violation: Violation, reason: str, note: str = ""
) -> Violation:
    """Justified or not founded, with the reason (seed 000 §11(1); seed 002 附件12 §4)."""
    violation = lock_violation(violation)
    require(actor, "sanctions.review_violation", violation)
    if reason not in DismissalReason.values:
        raise ValidationError({"reason": _("Choose the reason for dismissing.")})
    if reason == DismissalReason.OTHER and not note.strip():
        raise ValidationError({"note": _("Write the reason out.")})
    before = _state(violation)
    from_state = _move(violation, "dismiss")
    violation.dismissal_reason = reason
    violation.dismissal_note = note.strip()
    violation.decided_by = actor
    violation.decided_at = timezone.now()
    history_append(
        violation,
        actor=actor,
        action="dismiss",
        from_state=from_state,
        reason=note,
        dismissal_reason=reason,
    )
    audit.record(
        actor=actor,
        action="violation.dismiss",
        obj=violation,
        before=before,
        after=_state(violation),
        reason=note or str(DismissalReason(reason).label),
    )
    return violation


# -- responsibility ------------------------------------------------------------------------


@dataclass(frozen=True)
class SuggestedResponsibility:
    person: Any
    kind: str


def responsibility_suggest(*, violation: Violation) -> list[SuggestedResponsibility]:
    """Who answers for the violation along the organisation chain (seed 000 §10): the
    staff member directly; the department's head with primary leadership; the
    supervising leader with important leadership. A person appears once, in the
    nearest role; when the staff member is the head, the leader takes primary
    leadership."""
    department = violation.department
    chain = [violation.staff] if violation.staff is not None else []
    kinds = [ResponsibilityKind.DIRECT] if chain else []
    leadership = [ResponsibilityKind.PRIMARY_LEADERSHIP, ResponsibilityKind.IMPORTANT_LEADERSHIP]
    for person in (department.head, department.leader()):
        if person is None or any(p.pk == person.pk for p in chain) or not leadership:
            continue
        chain.append(person)
        kinds.append(leadership.pop(0))
    return [SuggestedResponsibility(p, k) for p, k in zip(chain, kinds, strict=True)]


@transaction.atomic
def responsibility_assign(
    *, actor: Any, violation: Violation, person: Any, kind: str, note: str = ""
) -> Responsibility:
    """Name a person who answers for a confirmed violation, or change how they do."""
    violation = lock_violation(violation)
    require(actor, "sanctions.assign_responsibility", violation)
    if person.pk == actor.pk:
        raise PermissionDenied(
            _("You are named in this matter, so you cannot act on it (recusal).")
        )
    if violation.state != ViolationState.CONFIRMED:
        raise SanctionConflict(_("Responsibility is assigned once the violation is confirmed."))
    if kind not in ResponsibilityKind.values:
        raise ValidationError({"kind": _("Choose the kind of responsibility.")})
    responsibility = Responsibility.objects.filter(violation=violation, person=person).first()
    before = audit.snapshot(responsibility) if responsibility is not None else None
    if responsibility is None:
        responsibility = Responsibility(violation=violation, person=person)
    elif responsibility.decisions.exists() and responsibility.kind != kind:
        raise SanctionConflict(
            _("A sanction was proposed on this responsibility; it can no longer change.")
        )
    responsibility.kind = kind
    responsibility.note = note
    responsibility.assigned_by = actor
    responsibility.assigned_at = timezone.now()
    responsibility.save()
    history_append(
        violation,
        actor=actor,
        action="assign_responsibility",
        from_state=violation.state,
        person=person.pk,
        kind=kind,
    )
    audit.record(
        actor=actor,
        action="responsibility.assign",
        obj=responsibility,
        before=before,
        after=audit.snapshot(responsibility),
        reason=note,
    )
    return responsibility
