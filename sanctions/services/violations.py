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
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import can_proceed

from accountability import audit
from accountability.models import Department, StaffProfile
from deadlines.models import Case
from deadlines.services.cases import ABOUT_STAFF_KINDS, case_name_accused
from sanctions.models import (
    DismissalReason,
    Responsibility,
    ResponsibilityKind,
    Severity,
    SourceKind,
    Violation,
    ViolationFamily,
    ViolationState,
    ViolationType,
)
from sanctions.models.violations import AGGREGATE_FAMILIES
from sanctions.services.aggregates import aggregates_fire, aggregates_reconcile
from sanctions.services.common import (
    SanctionConflict,
    history_append,
    lock_violation,
    require,
    state_conflict,
)
from sanctions.services.facts import SET_ASIDE_ACTION
from sanctions.services.ingest import violations_raise_for_case
from sanctions.services.rulebook import rulebook_current

if TYPE_CHECKING:
    from django.contrib.auth.models import User

FIELDS = [
    "type",
    "staff",
    "department",
    "occurred_at",
    "severity",
    "state",
    "dismissal_reason",
    "adverse_effect",
]


def _state(violation: Violation) -> dict[str, Any]:
    return audit.snapshot(violation, fields=FIELDS)


def _department_of(user: User) -> Department | None:
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


def _raise(actor: User, violation: Violation) -> Violation:
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


def _refuse_the_accused(actor: User, staff: User | None, case: Case | None) -> None:
    named = set(case.accused_ids) if case is not None else set()
    if (staff is not None and staff.pk == actor.pk) or actor.pk in named:
        raise PermissionDenied(
            _("You are named in this matter, so you cannot act on it (recusal).")
        )


def _protect_the_complainant(actor: User, case: Case, staff: User, type: ViolationType) -> None:
    """A founded complaint names the staff member on a complaint or report case, so the
    complainant's identity is hidden from them from now on (deadlines.rules
    may_see_complainant). A contact of another kind (a consultation answered with a
    refusal) is the citizen the staff member served: there is nobody to hide."""
    if case.matter_kind in ABOUT_STAFF_KINDS and staff.pk not in case.accused_ids:
        # Naming adds to the case and changes nothing the caller looked at: the current
        # row is named, and the caller's copy follows its version.
        named = case_name_accused(
            actor=actor,
            case=Case.objects.select_related("department").get(pk=case.pk),
            accused=[staff],
            reason=_("Founded complaint recorded by the inspection office: %(type)s")
            % {"type": type.name},
        )
        case.version = named.version
        if hasattr(case, "_prefetched_objects_cache"):
            case._prefetched_objects_cache.pop("accused", None)


@transaction.atomic
def violation_raise_complaint(
    *,
    actor: User,
    case: Case,
    staff: User,
    type: ViolationType,
    occurred_at: datetime | None = None,
    summary: str = "",
    severity: str | None = None,
    evidence: str = "",
) -> Violation:
    """A founded complaint (or report) about a staff member, for the office to review:
    one per (case, staff member, type), so the same complaint is never counted twice.
    ``evidence`` is what the investigation found. It caused a complaint by definition
    (``adverse_effect``). The staff member is named on a complaint case (identity
    protection), and the case's refusal-phrase flags become violations at once."""
    require(actor, "sanctions.raise_violation")
    _refuse_the_accused(actor, staff, case)
    _clean_type(type)
    _protect_the_complainant(actor, case, staff, type)
    violation = Violation(
        type=type,
        staff=staff,
        department=_department_of(staff) or case.department,
        occurred_at=occurred_at or case.opened_at,
        severity=_clean_severity(severity, type.default_severity),
        summary=summary,
        source_kind=SourceKind.COMPLAINT,
        finding=evidence.strip(),
        adverse_effect=True,
        case=case,
        rulebook_version=rulebook_current(),
        raised_by=audit.user_or_none(actor),
    )
    violation = _raise(actor, violation)
    violations_raise_for_case(case=case)
    return violation


@transaction.atomic
def founded_complaint_record(
    *,
    actor: User,
    case: Case,
    staff: User,
    types: list[ViolationType],
    evidence: str,
    occurred_at: datetime | None = None,
    severity: str | None = None,
    summary: str = "",
) -> list[Violation]:
    """The inspection office's page for a founded complaint: one complaint may be founded
    on several types (attitude and efficiency...), one violation per type, all on the
    same case and staff member, so the rulebook counts the complaint once (DOMAIN §7)."""
    if not types:
        raise ValidationError({"types": _("Choose at least one violation type.")})
    if not evidence.strip():
        raise ValidationError({"evidence": _("Write down what the investigation found.")})
    unique = list({t.pk: t for t in types}.values())
    return [
        violation_raise_complaint(
            actor=actor,
            case=case,
            staff=staff,
            type=violation_type,
            occurred_at=occurred_at,
            summary=summary,
            severity=severity,
            evidence=evidence,
        )
        for violation_type in sorted(unique, key=lambda t: t.code)
    ]


@transaction.atomic
def violation_raise_finding(
    *,
    actor: User,
    type: ViolationType,
    finding: str,
    staff: User | None = None,
    department: Department | None = None,
    case: Case | None = None,
    occurred_at: datetime | None = None,
    severity: str | None = None,
    summary: str = "",
) -> Violation:
    """What an inspection found, about a staff member (or a department), optionally
    about a case. A finding about a complaint case caused a complaint
    (``adverse_effect``); otherwise the question is asked on confirming."""
    require(actor, "sanctions.raise_violation")
    _refuse_the_accused(actor, staff, case)
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
        adverse_effect=(
            True if case is not None and case.matter_kind in ABOUT_STAFF_KINDS else None
        ),
        case=case,
        rulebook_version=rulebook_current(),
        raised_by=audit.user_or_none(actor),
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
def violation_review(*, actor: User, violation: Violation) -> Violation:
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


def _clean_adverse_effect(violation: Violation, answer: bool | None) -> bool | None:
    """The review question of an overdue violation (seed 000 §7(二): a missed limit is
    accountable when it caused complaints or adverse effect): did it? Required for the
    overdue family unless already known; a founded complaint caused one by definition."""
    if answer is None:
        if violation.type.family == ViolationFamily.OVERDUE and violation.adverse_effect is None:
            raise ValidationError(
                {
                    "adverse_effect": _(
                        "Say whether the missed time limit caused a complaint or an adverse effect."
                    )
                }
            )
        return violation.adverse_effect
    if not answer and violation.source_kind == SourceKind.COMPLAINT:
        raise ValidationError(
            {"adverse_effect": _("A founded complaint is a complaint: the answer is yes.")}
        )
    return answer


@transaction.atomic
def violation_confirm(
    *,
    actor: User,
    violation: Violation,
    severity: str | None = None,
    note: str = "",
    adverse_effect: bool | None = None,
    adverse_effect_note: str = "",
) -> Violation:
    """Founded (under review → confirmed), at the severity the office found, with the
    answer to "did it cause a complaint or adverse effect?" (required for an overdue
    violation; without it the rulebook proposes rule 5 at most). The aggregate rules
    then run for the staff member and the department: a third founded complaint in the
    month, a head's third serious error in three months, …"""
    violation = lock_violation(violation)
    require(actor, "sanctions.review_violation", violation)
    before = _state(violation)
    from_state = _move(violation, "confirm")
    violation.severity = _clean_severity(severity, violation.severity)
    violation.adverse_effect = _clean_adverse_effect(violation, adverse_effect)
    violation.decided_by = actor
    violation.decided_at = timezone.now()
    history_append(
        violation,
        actor=actor,
        action="confirm",
        from_state=from_state,
        reason=note,
        severity=violation.severity,
        adverse_effect=violation.adverse_effect,
        adverse_effect_note=adverse_effect_note.strip(),
    )
    audit.record(
        actor=actor,
        action="violation.confirm",
        obj=violation,
        before=before,
        after=_state(violation),
        reason="\n".join(text for text in (note, adverse_effect_note.strip()) if text),
    )
    aggregates_fire(
        via="confirm",
        persons=[violation.staff_id] if violation.staff_id else [],
        departments=[violation.department_id],
    )
    return violation


@transaction.atomic
def violation_dismiss(
    *, actor: User, violation: Violation, reason: str, note: str = ""
) -> Violation:
    """Justified or not founded, with the reason (seed 000 §11(1); seed 002 附件12 §4)."""
    violation = lock_violation(violation)
    require(actor, "sanctions.review_violation", violation)
    if reason not in DismissalReason.values:
        raise ValidationError({"reason": _("Choose the reason for dismissing.")})
    if reason == DismissalReason.OTHER and not note.strip():
        raise ValidationError({"note": _("Write the reason out.")})
    _record_dismissal(
        actor,
        violation,
        transition="dismiss",
        action="dismiss",
        reason=reason,
        note=note,
        audit_reason=note or str(DismissalReason(reason).label),
    )
    return violation


def _record_dismissal(
    actor: User,
    violation: Violation,
    *,
    transition: str,
    action: str,
    reason: str,
    note: str,
    audit_reason: str,
) -> None:
    """Dismiss the violation by `transition` with the reason and note, who and when: its
    history event (`action`) and the audit record ("violation.<transition>")."""
    before = _state(violation)
    from_state = _move(violation, transition)
    violation.dismissal_reason = reason
    violation.dismissal_note = note.strip()
    violation.decided_by = actor
    violation.decided_at = timezone.now()
    history_append(
        violation,
        actor=actor,
        action=action,
        from_state=from_state,
        reason=note,
        dismissal_reason=reason,
    )
    audit.record(
        actor=actor,
        action=f"violation.{transition}",
        obj=violation,
        before=before,
        after=_state(violation),
        reason=audit_reason,
    )


def _people_of(violation: Violation) -> list[int]:
    """The staff member and everyone responsible for the violation."""
    people = set(violation.responsibilities.values_list("person_id", flat=True))
    if violation.staff_id is not None:
        people.add(violation.staff_id)
    return sorted(people)


@transaction.atomic
def violation_set_aside(
    *, actor: User, violation: Violation, reason: str, note: str = ""
) -> Violation:
    """Dismiss a confirmed violation on review (confirmed → dismissed), with the reason:
    it stops counting at once. Every rule that counted it is evaluated again: firings
    that no longer hold are withdrawn with the reason, decisions on it stop counting,
    and award eligibility follows (sanctions.services.aggregates.aggregates_reconcile).
    Nothing is deleted: the history keeps the confirmation and the setting aside."""
    violation = lock_violation(violation)
    require(actor, "sanctions.review_violation", violation)
    if reason not in DismissalReason.values or reason == DismissalReason.BASIS_WITHDRAWN:
        raise ValidationError({"reason": _("Choose the reason for dismissing.")})
    if not note.strip():
        raise ValidationError({"note": _("Write down what the review found.")})
    _record_dismissal(
        actor,
        violation,
        transition="set_aside",
        action=SET_ASIDE_ACTION,
        reason=reason,
        note=note,
        audit_reason=note,
    )
    aggregates_reconcile(
        actor=actor,
        cause=_("violation #%(id)s dismissed on review: %(note)s")
        % {"id": violation.pk, "note": note.strip()},
        records=[("violation", violation.pk)],
        persons=_people_of(violation),
        departments=[violation.department_id],
    )
    return violation


# -- responsibility ------------------------------------------------------------------------


@dataclass(frozen=True)
class SuggestedResponsibility:
    person: User
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
    *, actor: User, violation: Violation, person: User, kind: str, note: str = ""
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
