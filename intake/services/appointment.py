"""Appointments (办事预约, seed 002 附件3 预约服务制度; seed 004 办事预约制).

A citizen leaves an appointment when the staff member needed is away, or books a time
of their choosing. It is routed to whoever covers the person asked for (their named
substitute while they are away, seed 004 办事预约制 四), who owes the citizen a call
within the callback limit (三; the ``appointment-callback`` policy). A citizen who is
more than 30 minutes late forfeits the appointment (附件3 §9).

Every step is a case event written through deadlines.services.cases.case_log_step.

When a chosen time may be (a decision, documented here): 附件3 §4 takes appointments
"on working days and on weekends that are not statutory holidays", so a time is
bookable on a working day of the official calendar (make-up working days included) or
on a Saturday or Sunday that is not a holiday, within the business hours of the
department of the person it is routed to (opens_at ≤ time < closes_at). Statutory
holidays are never bookable, except for a department on duty round the clock.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Final

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from accountability import audit
from accountability.models import Department
from accountability.rules import may
from accountability.services import require_permission
from deadlines.models import (
    CalendarDay,
    Case,
    Clock,
    ClockKind,
    ClockPause,
    EventAction,
    FeedbackEntry,
)
from deadlines.selectors.calendar import calendar_snapshot
from deadlines.services.cases import CaseConflict, case_log_feedback, case_log_step
from deadlines.worktime import FIXED_DATE_HOLIDAYS, LOCAL_TZ
from intake.models import Appointment
from intake.selectors.appointments import (
    WAITING,
    Route,
    Routing,
    appointment_routing,
    callback_clock_filter,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import User

# 附件3 §9: "预约人超出预约时间三十分钟仍未到达的,视为自动放弃预约服务".
FORFEIT_AFTER: Final = timedelta(minutes=30)
# 附件3 §4: weekends that are not statutory holidays are appointment time too.
WEEKENDS_BOOKABLE: Final = True


def _name(user: User) -> str:
    return str(user.get_full_name() or user.get_username())


def _local(moment: datetime) -> str:
    return formats.date_format(timezone.localtime(moment, LOCAL_TZ), "DATETIME_FORMAT")


def routing_explanation(*, wanted: User, routed_to: User, route: str) -> str:
    """One sentence for the case history and the desk: where the appointment went, and why."""
    names = {"wanted": _name(wanted), "person": _name(routed_to)}
    if route == Route.SUBSTITUTE:
        return _("%(wanted)s is away; routed to the named substitute, %(person)s.") % names
    if route == Route.UP:
        return _("%(wanted)s is away and named no substitute; routed up to %(person)s.") % names
    if route == Route.NOBODY:
        return _("Nobody covering %(wanted)s is present; routed to %(person)s.") % names
    return _("Routed to %(person)s, the staff member asked for.") % names


# -- when an appointment may be -----------------------------------------------------


def _is_holiday(day: Any) -> bool:
    """A statutory holiday falling on a weekend: entered in the calendar as a rest day
    (chinesecalendar enters every day of a holiday period), or a fixed-date holiday."""
    if (day.month, day.day) in FIXED_DATE_HOLIDAYS:
        return True
    return CalendarDay.objects.filter(date=day, is_working_day=False).exists()


def is_appointment_time(moment: datetime, department: Department) -> bool:
    """Whether `moment` is a time the department takes appointments (see the module)."""
    if department.round_the_clock:
        return True
    calendar = calendar_snapshot()
    local = timezone.localtime(moment, LOCAL_TZ)
    day = local.date()
    if not calendar.first_day <= day <= calendar.last_day:
        return False
    # A weekday that is not worked is a holiday; a weekend may be booked unless it is one.
    if not calendar.is_working_day(day) and (
        day.weekday() < 5 or not WEEKENDS_BOOKABLE or _is_holiday(day)
    ):
        return False
    return department.opens_at <= local.time().replace(tzinfo=None) < department.closes_at


def _check_time(scheduled_for: datetime, department: Department, now: datetime) -> None:
    if timezone.is_naive(scheduled_for):
        raise ValidationError({"scheduled_for": _("Give the time with its time zone.")})
    if scheduled_for <= now:
        raise ValidationError({"scheduled_for": _("The appointment time must be in the future.")})
    if not is_appointment_time(scheduled_for, department):
        raise ValidationError(
            {
                "scheduled_for": _(
                    "%(time)s is outside appointment time. %(department)s takes appointments "
                    "on working days and on weekends that are not statutory holidays, from "
                    "%(opens)s to %(closes)s."
                )
                % {
                    "time": _local(scheduled_for),
                    "department": department.name,
                    "opens": department.opens_at.strftime("%H:%M"),
                    "closes": department.closes_at.strftime("%H:%M"),
                }
            }
        )


# -- the steps ------------------------------------------------------------------------


def _ended(case: Case) -> CaseConflict:
    return CaseConflict(
        _("Case %(number)s is “%(state)s” now, so this action no longer applies.")
        % {"number": case.number, "state": case.get_state_display()}
    )


@transaction.atomic
def appointment_book(
    *,
    actor: User,
    case: Case,
    wanted: User,
    reason: str,
    scheduled_for: datetime | None = None,
    note: str = "",
) -> Appointment:
    """Book an appointment on `case` with the staff member `wanted` and route it.

    The moment that decides the routing is the chosen time for a chosen-time appointment
    (whoever is there then serves the citizen) and now for one left because the person
    is away (whoever covers now owes the callback). The callback clock starts for the
    person it is routed to, in their department."""
    require_permission(actor, "intake.book_appointment", case)
    if case.is_ended:
        raise _ended(case)
    if reason not in Appointment.Reason.values:
        raise ValidationError({"reason": _("Choose why the appointment is booked.")})
    profile = getattr(wanted, "staff", None)
    if profile is None or not wanted.is_active:
        raise ValidationError(
            {"wanted": _("%(person)s is not on the staff.") % {"person": _name(wanted)}}
        )
    if reason == Appointment.Reason.CHOSEN_TIME and scheduled_for is None:
        raise ValidationError({"scheduled_for": _("Give the time the citizen chose.")})
    now = timezone.now()
    at = scheduled_for if reason == Appointment.Reason.CHOSEN_TIME and scheduled_for else now
    routing: Routing = appointment_routing(wanted=wanted, at=at)
    routed_to = routing.person
    if scheduled_for is not None:
        _check_time(scheduled_for, routed_to.staff.department, now)

    appointment = Appointment(
        case=case,
        reason=reason,
        wanted=wanted,
        routed_to=routed_to,
        scheduled_for=scheduled_for,
        note=note.strip(),
        booked_by=actor,
        booked_at=now,
    )
    # The state is the machine's (a protected field that full_clean would reassign).
    appointment.full_clean(exclude=["state"])
    appointment.save()
    explanation = routing_explanation(wanted=wanted, routed_to=routed_to, route=routing.route)
    case = case_log_step(
        actor=actor,
        case=case,
        action=EventAction.APPOINTMENT,
        reason="\n".join(part for part in (explanation, appointment.note) if part),
        start=ClockKind.CALLBACK,
        responsible=routed_to,
        appointment=appointment.pk,
        appointment_reason=reason,
        wanted=wanted.pk,
        routed_to=routed_to.pk,
        route=routing.route.value,
        absent=[person.pk for person in routing.absent],
        without_substitute=[person.pk for person in routing.without_substitute],
        scheduled_for=scheduled_for.isoformat() if scheduled_for else None,
    )
    # The booking moment is the moment the event and the callback clock carry, which is
    # how the appointment finds its clock (selectors_appointments.callback_clock_filter).
    appointment.booked_at = case.events.order_by("-id").values_list("at", flat=True)[0]
    appointment.save(update_fields=["booked_at"])
    return appointment


def _lock(appointment: Appointment, *states: str) -> tuple[Appointment, Case]:
    """The appointment and its case, locked in that order (as the forfeiture scan does);
    CaseConflict unless the appointment is in one of `states`."""
    current = (
        Appointment.objects.select_for_update(of=("self",))
        .select_related("routed_to__staff__department", "case")
        .get(pk=appointment.pk)
    )
    if current.state not in states:
        raise CaseConflict(
            _("This appointment is “%(state)s” now, so this action no longer applies.")
            % {"state": current.get_state_display()}
        )
    case = Case.objects.select_for_update().get(pk=current.case_id)
    return current, case


def _stop_callback(appointment: Appointment, at: datetime) -> int:
    """Stop this appointment's callback clock if it still runs. Only this one:
    case_log_step(stop=…) stops every clock of a kind, which would also stop the callback
    of another appointment on the same case."""
    clocks = Clock.objects.filter(callback_clock_filter(appointment), stopped_at__isnull=True)
    ClockPause.objects.filter(clock__in=clocks, ended_at__isnull=True).update(ended_at=at)
    return clocks.update(stopped_at=at)


def _settle(
    appointment: Appointment,
    case: Case,
    *,
    actor: User,
    move: Callable[[], None],
    action: str,
    reason: str = "",
) -> Case:
    """Stop the callback clock, fire the appointment's transition (`move`) and record the
    step on the case."""
    at = timezone.now()
    if case.is_ended:
        raise _ended(case)
    stopped = _stop_callback(appointment, at)
    move()
    if appointment.state != Appointment.State.CALLED_BACK:
        appointment.settled_at = at
    appointment.save(update_fields=["state", "settled_at"])
    return case_log_step(
        actor=actor,
        case=case,
        action=action,
        reason=reason,
        appointment=appointment.pk,
        clocks_stopped=stopped,
    )


@transaction.atomic
def appointment_call_back(
    *,
    actor: User,
    appointment: Appointment,
    note: str,
    channel: str = FeedbackEntry.Channel.PHONE,
) -> Appointment:
    """The person it is routed to (or their head) has contacted the citizen: the callback
    clock stops. The call is also logged as feedback to the citizen, which stops the
    case's feedback clocks, when the caller may log feedback on the case (a substitute
    from another department may not; the callback event records the call either way)."""
    appointment, case = _lock(appointment, Appointment.State.BOOKED)
    require_permission(actor, "intake.call_back_appointment", appointment)
    note = note.strip()
    if not note:
        raise ValidationError({"note": _("Write down what the citizen was told.")})
    case = _settle(
        appointment,
        case,
        actor=actor,
        move=appointment.call_back,
        action=EventAction.CALLBACK,
        reason=note,
    )
    if may(actor, "deadlines.log_feedback", case):
        case_log_feedback(
            actor=actor,
            case=case,
            audience=FeedbackEntry.Audience.CITIZEN,
            channel=channel,
            content=note,
        )
    return appointment


@transaction.atomic
def appointment_keep(*, actor: User, appointment: Appointment) -> Appointment:
    """The citizen came: the appointment is kept, and its callback no longer owed."""
    appointment, case = _lock(appointment, *WAITING)
    require_permission(actor, "intake.keep_appointment", appointment)
    _settle(
        appointment,
        case,
        actor=actor,
        move=appointment.keep,
        action=EventAction.APPOINTMENT_KEPT,
    )
    return appointment


@transaction.atomic
def appointment_cancel(*, actor: User, appointment: Appointment, reason: str) -> Appointment:
    """Cancel a waiting appointment, with the reason (the citizen called it off, say)."""
    appointment, case = _lock(appointment, *WAITING)
    require_permission(actor, "intake.cancel_appointment", appointment)
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the appointment is cancelled.")})
    _settle(
        appointment,
        case,
        actor=actor,
        move=appointment.cancel,
        action=EventAction.APPOINTMENT_CANCELLED,
        reason=reason,
    )
    return appointment


@transaction.atomic
def appointments_forfeit_due(*, now: datetime | None = None) -> int:
    """Forfeit every waiting appointment whose time passed more than 30 minutes ago (附件3
    §9) and return how many. The system acts (no actor).

    One UPDATE claims the rows: run twice, or twice at once, and each appointment is
    forfeited once (a second run waits for the first's row locks, then finds them no
    longer waiting). Each gets its event, and its callback clock stops: a forfeited
    appointment needs no callback (a callback already late stays a breach: the overdue
    scan has seen it). An appointment on a case that has ended gets an audit row instead,
    since an ended case takes no more events."""
    now = now or timezone.now()
    reason = _("The citizen did not come within 30 minutes of the appointment time.")
    table = Appointment._meta.db_table
    # Moments as the database stores them (SQLite compares datetimes as text).
    moment = connection.ops.adapt_datetimefield_value
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET state = %s, settled_at = %s "
            f"WHERE state IN (%s, %s) AND scheduled_for < %s RETURNING id",
            [
                Appointment.State.FORFEITED,
                moment(now),
                Appointment.State.BOOKED,
                Appointment.State.CALLED_BACK,
                moment(now - FORFEIT_AFTER),
            ],
        )
        ids = sorted(row[0] for row in cursor.fetchall())
    for appointment in Appointment.objects.filter(pk__in=ids).order_by("pk"):
        case = Case.objects.select_for_update().get(pk=appointment.case_id)
        stopped = _stop_callback(appointment, now)
        if case.is_ended:
            audit.record(
                actor=None,
                action="appointment.forfeit",
                obj=appointment,
                after=audit.snapshot(appointment),
                reason=reason,
            )
            continue
        case_log_step(
            actor=None,
            case=case,
            action=EventAction.APPOINTMENT_FORFEITED,
            reason=reason,
            appointment=appointment.pk,
            scheduled_for=appointment.scheduled_for.isoformat()
            if appointment.scheduled_for
            else None,
            clocks_stopped=stopped,
        )
    return len(ids)
