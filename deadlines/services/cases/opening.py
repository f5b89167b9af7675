"""Opening a case: registering a matter with its first responder and its clocks
(case_open), a new receipt secret, the first responder's answer on the spot, and the
staff a complaint or report is about, with the log of who was shown the protected
complainant.

clocks_start_missing belongs here too: on cases opened before the limit selection
changed, it starts the clocks their registration (and acceptance) would start today.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accountability import audit
from accountability.models import Department
from accountability.rawsql import next_in_year
from accountability.roles import Role
from accountability.rules import has_role
from deadlines import lookup
from deadlines.models import (
    ENDED_STATES,
    Case,
    CaseEvent,
    ClockKind,
    EventAction,
    MatterKind,
    NotificationKind,
)
from deadlines.models.cases import CaseSequence
from deadlines.rules import sees_complainant
from deadlines.services.cases._common import (
    ACCEPTED,
    _allowed,
    _department_of,
    _hand_clocks_to,
    _move,
    _name,
    _record,
    _required,
    _start,
    _stop,
    case_lock,
)
from deadlines.services.messages import message_for_receipt
from deadlines.services.notifications import handover_notify

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def _next_number(year: int) -> str:
    """The next number of `year`, safe when two cases open at once: one upsert bumps the
    year's counter under its row lock, and the counter is part of the transaction."""
    return f"{year}-{next_in_year(CaseSequence, year):06d}"


@transaction.atomic
def case_open(
    *,
    actor: User,
    department: Department,
    channel: str,
    matter_kind: str,
    subject: str,
    content: str,
    citizen_name: str,
    urgency: str = "normal",
    variant: str = "",
    service_item_code: str = "",
    citizen_phone: str = "",
    citizen_address: str = "",
    citizen_account: str = "",
    citizen_email: str = "",
) -> Case:
    """Register a case with the actor as its first responder (首问负责制) and start the
    clocks its policies call for: feedback to the citizen (the first responder's), and
    result and closure (the handling department's).

    The returned case carries ``lookup_secret`` for the receipt; it is not stored. The
    receipt also goes to the citizen by SMS (and email), its secret sealed."""
    if not (
        has_role(actor, Role.FRONT_DESK)
        or has_role(actor, Role.HANDLER)
        or has_role(actor, Role.DEPARTMENT_HEAD)
    ):
        raise PermissionDenied(_("You are not allowed to do this."))
    own_department = _department_of(actor)
    at = timezone.now()
    case = Case(
        opened_at=at,
        channel=channel,
        matter_kind=matter_kind,
        urgency=urgency,
        variant=variant,
        service_item_code=service_item_code,
        subject=subject.strip(),
        content=content.strip(),
        citizen_name=citizen_name.strip(),
        citizen_phone=citizen_phone.strip(),
        citizen_address=citizen_address.strip(),
        citizen_account=citizen_account.strip(),
        citizen_email=citizen_email.strip(),
        first_responder=actor,
        department=department,
    )
    # The state is the machine's (a protected field that full_clean would reassign).
    case.full_clean(exclude=["number", "state"])
    case.number = _next_number(timezone.localtime(at).year)
    case.lookup_secret = lookup.new_secret()  # for the receipt; only its digest is kept
    case.lookup_digest = lookup.digest(case.number, case.lookup_secret)
    case.save()
    event = CaseEvent.objects.create(
        case=case, actor=actor, action="open", from_state="", to_state=case.state, at=at
    )
    _start(case, ClockKind.FIRST_FEEDBACK, at=at, department=own_department, responsible=actor)
    for kind in (ClockKind.RESULT, ClockKind.CLOSURE):
        _start(case, kind, at=at, department=department, responsible=None)
    if department.pk != own_department.pk:
        # Handed at once to another unit (urgent matters go to dispatch): that unit owes
        # the first responder word within 40 minutes (seed 003 投诉反馈制度 (1)).
        _start(
            case,
            ClockKind.UNIT_TO_FIRST_RESPONDER,
            at=at,
            department=department,
            responsible=department.head,
        )
        handover_notify(event, NotificationKind.ARRIVED, department.head)
    message_for_receipt(actor=actor, case=case)
    return case


@transaction.atomic
def case_new_lookup_secret(*, actor: User, case: Case) -> str:
    """Issue a new receipt secret (the citizen lost the receipt); the old one stops working."""
    case = case_lock(case)
    _allowed(case, actor, "deadlines.log_feedback")
    secret = lookup.new_secret()
    case.lookup_digest = lookup.digest(case.number, secret)
    _record(case, actor=actor, action="new_lookup_secret", from_state=case.state, at=timezone.now())
    return secret


@transaction.atomic
def case_answer(*, actor: User, case: Case, answer: str, referred_to: str = "") -> Case:
    """The first responder answers on the spot, or, for a matter outside the utility's
    scope, records the guidance given: which body and how to reach it (seed 004 首问 三4).
    The case closes at once and still counts; the answer is the citizen's feedback."""
    case = case_lock(case)
    before = _move(case, actor, "answer")
    answer = _required(answer, _("Write down the answer given."))
    at = timezone.now()
    case.resolution, case.referred_to = answer, referred_to.strip()
    case.resolved_at = case.closed_at = at
    _stop(case, at)
    _record(
        case,
        actor=actor,
        action="answer",
        from_state=before,
        at=at,
        reason=answer,
        referred_to=case.referred_to,
    )
    return case


# -- complaints about staff -------------------------------------------------------------


# The kinds of matter that can be about a staff member (投诉, 举报).
ABOUT_STAFF_KINDS = frozenset({MatterKind.COMPLAINT, MatterKind.REPORT})


@transaction.atomic
def case_name_accused(*, actor: User, case: Case, accused: Iterable[User], reason: str) -> Case:
    """Record the staff member(s) a complaint or report is about. From then on the
    complainant's identity and materials are protected (deadlines.rules.may_see_complainant)
    and the people named are recused: a named handler or supervisor is taken off the case,
    and none of them can be given it again (seed 002 附件10 §5–6).

    Named people are added to those named before; naming someone twice changes nothing."""
    case = case_lock(case)
    _allowed(case, actor, "deadlines.name_accused")
    if case.matter_kind not in ABOUT_STAFF_KINDS:
        raise ValidationError(
            _(
                "Only a complaint or a report can be about a staff member; "
                "case %(number)s is “%(kind)s”."
            )
            % {"number": case.number, "kind": case.get_matter_kind_display()}
        )
    reason = _required(reason, _("Say what the complaint says about them."))
    people = list({person.pk: person for person in accused}.values())
    if not people:
        raise ValidationError(_("Name at least one staff member."))
    for person in people:
        if getattr(person, "staff", None) is None:
            raise ValidationError(
                _("%(person)s is not a staff member.") % {"person": _name(person)}
            )
    before = sorted(case.accused_ids)
    new = [person for person in people if person.pk not in before]
    if not new:
        return case
    at = timezone.now()
    case.accused.add(*new)
    named = {person.pk for person in people} | set(before)
    recused: dict[str, Any] = {}
    if case.handler_id in named:
        # The clocks the handler answered for go back to the department (its head).
        recused["handler"] = case.handler_id
        case.handler = None
        _hand_clocks_to(case, None)
    if case.supervisor_id in named:
        recused["supervisor"] = case.supervisor_id
        case.supervisor = None
    if hasattr(case, "_prefetched_objects_cache"):
        case._prefetched_objects_cache.pop("accused", None)
    after = sorted(named)
    _record(
        case,
        actor=actor,
        action="name_accused",
        from_state=case.state,
        at=at,
        reason=reason,
        accused=[person.pk for person in new],
        recused=recused,
    )
    audit.record(
        actor=actor,
        action="case.name_accused",
        obj=case,
        before={"accused": before},
        after={"accused": after, "recused": recused},
        reason=reason,
    )
    return case


def case_log_complainant_view(*, actor: User, case: Case, where: str) -> None:
    """Log that `actor` was shown the protected identity of a complaint about staff (one
    audit row per page view, export or admin screen that showed it). Nothing is logged for
    other cases, whose identities are not protected."""
    if case.is_about_staff:
        audit.record(
            actor=actor,
            action="case.complainant_view",
            obj=case,
            after={"where": where},
        )


def case_identity_shown(*, actor: User, case: Case, where: str) -> bool:
    """Whether `actor` may be shown the complainant's identity on `case`
    (deadlines.rules.sees_complainant); when so, the showing is logged with
    case_log_complainant_view (a protected identity only). Call it once per page view,
    export or admin screen that shows the identity when allowed."""
    shown = sees_complainant(actor, case)
    if shown:
        case_log_complainant_view(actor=actor, case=case, where=where)
    return shown


# -- clocks the limit selection calls for on cases opened before it ---------------------


def _accepted_at(case: Case) -> datetime | None:
    """When the case was first accepted, from its prefetched events; None if never."""
    moments = [
        event.at
        for event in case.events.all()
        if event.action in (EventAction.ACCEPT, EventAction.ACCEPT_TRANSFER)
    ]
    return min(moments, default=None)


def clocks_start_missing() -> Counter[str]:
    """Start, on every open case, the clocks today's limit selection calls for and the
    case lacks: the clocks registration starts, and an accepted application's promised
    limit. Each starts from the case's acceptance (its registration if never accepted),
    so no time is gained or lost by the late start; each is a case event. Run after the
    policies and the catalogue are loaded; safe to repeat. Returns the count per policy."""
    started: Counter[str] = Counter()
    cases = (
        Case.objects.exclude(state__in=ENDED_STATES)
        .select_related("department", "first_responder__staff__department", "handler")
        .prefetch_related("clocks", "events")
        .order_by("pk")
    )
    for case in cases.iterator(chunk_size=200):
        present = {clock.kind for clock in case.clocks.all()}
        if {ClockKind.FIRST_FEEDBACK, ClockKind.RESULT, ClockKind.CLOSURE} <= present:
            continue
        accepted_at = _accepted_at(case)
        at = accepted_at or case.opened_at
        own = case.first_responder.staff.department
        wanted: list[tuple[str, str | None, Department, Any]] = [
            (ClockKind.FIRST_FEEDBACK, None, own, case.first_responder),
            (ClockKind.RESULT, None, case.department, case.handler),
            (ClockKind.CLOSURE, None, case.department, case.handler),
        ]
        if accepted_at is not None:
            wanted.append((ClockKind.CLOSURE, ACCEPTED, case.department, case.handler))
        with transaction.atomic():
            for kind, variant, department, responsible in wanted:
                if kind in present:
                    continue
                clock = _start(
                    case,
                    kind,
                    at=at,
                    department=department,
                    responsible=responsible,
                    variant=variant,
                    stage=variant is not None,
                )
                if clock is None:
                    continue
                present.add(kind)
                started[clock.policy.code] += 1
                _record(
                    case,
                    actor=None,
                    action=EventAction.START_CLOCK,
                    from_state=case.state,
                    at=timezone.now(),
                    reason=_("Started when the limit selection was brought up to date."),
                    clock=clock.pk,
                    started_at=at.isoformat(),
                )
    return started
