"""Serving the decision (the warning notice's number, the signature, the unit head told),
the written self-criticism due 7 days later and the decision's completion."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accountability import audit
from accountability.rawsql import next_in_year
from accountability.roles import Role
from accountability.rules import has_role
from deadlines.selectors.calendar import calendar_snapshot
from deadlines.worktime import EndRule, Unit, compute_due
from sanctions import authority
from sanctions.engine import LOCAL_TZ
from sanctions.models import (
    DecisionState,
    SanctionDecision,
    SanctionKind,
    SanctionNotification,
    SanctionNotificationKind,
    WarningNoticeSequence,
)
from sanctions.services.common import SanctionConflict, history_append, lock_decision, require

if TYPE_CHECKING:
    from django.contrib.auth.models import User
from sanctions.services.decisions._common import _move, _state

# Seed 004 告诫程序 3: the written self-criticism within 7 days of the warning notice.
SELF_CRITICISM_DAYS = 7


def self_criticism_due(served_at: datetime) -> datetime:
    """When the written self-criticism is due: 7 days counted as the Civil Code counts a
    period (民法典 §201–§203, DOMAIN §3) by the working-time engine: from the day after
    the notice is received, to 24:00 of the seventh day, rolled to the next working day
    when that day is a rest day (a weekend or holiday that is not a make-up day)."""
    return compute_due(
        calendar_snapshot(),
        start=served_at,
        amount=SELF_CRITICISM_DAYS,
        unit=Unit.CALENDAR_DAYS,
        end=EndRule.MIDNIGHT,
        roll_off_rest_days=True,
    ).at


# -- serving and the self-criticism -----------------------------------------------------------


def _next_notice_number(year: int) -> str:
    """The next warning notice number of `year` (GJ2026-0001), safe when two are served
    at once: one upsert bumps the year's counter under its row lock."""
    return f"GJ{year}-{next_in_year(WarningNoticeSequence, year):04d}"


def unit_head_of(decision: SanctionDecision) -> User | None:
    """The head of the person's unit (办、站负责人): the violation's department head, or
    the supervising leader when the person is the head."""
    department = decision.violation.department
    if department.head_id is not None and department.head_id != decision.person_id:
        return department.head
    return department.leader()


@transaction.atomic
def sanction_serve(
    *,
    actor: User,
    decision: SanctionDecision,
    signed_by: User | None,
    served_at: datetime | None = None,
) -> SanctionDecision:
    """Hand the decision to the person: a written warning gets the next warning notice
    number (告诫通知书), signed by the leading group's principal leader (seed 004 告诫程序
    3); another decision is signed by whoever decided it or a leader (the decider when
    none is named). The unit head is told; a written self-criticism falls due 7 days
    later."""
    decision = lock_decision(decision)
    require(actor, "sanctions.serve_sanction", decision)
    if SanctionKind.WRITTEN_WARNING in decision.chosen_kinds:
        principal = authority.principal_leader()
        if principal is None:
            raise ValidationError(
                {
                    "signed_by": _(
                        "The efficiency leading group has no principal leader to sign the "
                        "warning notice: ask the administrator to name the group."
                    )
                }
            )
        if signed_by is None or signed_by.pk != principal.pk:
            raise ValidationError(
                {
                    "signed_by": _(
                        "The written warning notice is signed by the efficiency leading "
                        "group's principal leader, %(name)s."
                    )
                    % {"name": principal.get_full_name() or principal.get_username()}
                }
            )
    else:
        signed_by = signed_by or decision.decided_by
        if signed_by is None or (
            signed_by.pk != decision.decided_by_id and not has_role(signed_by, Role.LEADERSHIP)
        ):
            raise ValidationError(
                {"signed_by": _("The decision is signed by whoever decided it or a leader.")}
            )
    if signed_by.pk == decision.person_id:
        raise ValidationError({"signed_by": _("Nobody signs a notice addressed to themselves.")})
    before = _state(decision)
    from_state = _move(decision, "serve")
    served_at = served_at or timezone.now()
    if SanctionKind.WRITTEN_WARNING in decision.chosen_kinds:
        decision.notice_number = _next_notice_number(timezone.localtime(served_at, LOCAL_TZ).year)
    decision.signed_by = signed_by
    decision.served_at = served_at
    decision.served_by = actor
    decision.unit_head = unit_head_of(decision)
    decision.unit_head_told_at = served_at if decision.unit_head is not None else None
    if decision.needs_self_criticism:
        decision.self_criticism_due_at = self_criticism_due(served_at)
    if decision.unit_head is not None:
        SanctionNotification.objects.get_or_create(
            recipient=decision.unit_head,
            decision=decision,
            kind=SanctionNotificationKind.UNIT_HEAD_TOLD,
            defaults={"created_at": served_at},
        )
    history_append(
        decision,
        actor=actor,
        action="serve",
        from_state=from_state,
        at=served_at,
        notice_number=decision.notice_number,
        unit_head=decision.unit_head.pk if decision.unit_head is not None else None,
    )
    audit.record(
        actor=actor, action="sanction.serve", obj=decision, before=before, after=_state(decision)
    )
    return decision


@transaction.atomic
def self_criticism_record(
    *,
    actor: User,
    decision: SanctionDecision,
    countersigned_by: User | None,
    received_at: datetime | None = None,
) -> SanctionDecision:
    """The written self-criticism reached the office, countersigned by the unit head;
    after the 7 days it is recorded as late."""
    decision = lock_decision(decision)
    require(actor, "sanctions.record_self_criticism", decision)
    if not decision.needs_self_criticism:
        raise ValidationError(_("No written self-criticism is owed on this decision."))
    if countersigned_by is None or countersigned_by.pk != decision.unit_head_id:
        raise ValidationError(
            {"countersigned_by": _("The unit head countersigns the written self-criticism.")}
        )
    before = _state(decision)
    from_state = _move(decision, "receive_self_criticism")
    received_at = received_at or timezone.now()
    decision.self_criticism_received_at = received_at
    decision.self_criticism_countersigned_by = countersigned_by
    decision.self_criticism_late = bool(
        decision.self_criticism_due_at and received_at > decision.self_criticism_due_at
    )
    history_append(
        decision,
        actor=actor,
        action="self_criticism",
        from_state=from_state,
        at=received_at,
        late=decision.self_criticism_late,
    )
    audit.record(
        actor=actor,
        action="sanction.self_criticism",
        obj=decision,
        before=before,
        after=_state(decision),
    )
    return decision


@transaction.atomic
def sanction_complete(*, actor: User, decision: SanctionDecision) -> SanctionDecision:
    """Done: served, and the written self-criticism received where one is owed."""
    decision = lock_decision(decision)
    require(actor, "sanctions.serve_sanction", decision)
    if decision.state == DecisionState.SERVED and decision.needs_self_criticism:
        raise SanctionConflict(_("The written self-criticism has not been received yet."))
    before = _state(decision)
    from_state = _move(decision, "complete")
    decision.completed_at = timezone.now()
    history_append(decision, actor=actor, action="complete", from_state=from_state)
    audit.record(
        actor=actor, action="sanction.complete", obj=decision, before=before, after=_state(decision)
    )
    return decision
