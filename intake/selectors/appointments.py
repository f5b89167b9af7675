"""Reads of appointments (预约): where one is routed, the lists staff work from, a case's
appointments, and each appointment's callback clock."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from django.db.models import F, Prefetch, Q, QuerySet

from accountability.models import Absence, StaffProfile
from accountability.selectors import who_covers
from deadlines.models import CaseEvent, Clock, ClockKind, EventAction
from intake.models import Appointment
from intake.selectors.confidentiality import protected_flag

if TYPE_CHECKING:
    from django.contrib.auth.models import User

WAITING = (Appointment.State.BOOKED, Appointment.State.CALLED_BACK)


class Route(StrEnum):
    """How an appointment found the person it is routed to."""

    WANTED = "wanted"  # the staff member asked for is there
    SUBSTITUTE = "substitute"  # away: the substitute named for the absence (同岗替代)
    UP = "up"  # away with no substitute: up the chain, head first (seed 001 §7)
    NOBODY = "nobody"  # nobody in the chain is present: the head (or the person) anyway


@dataclass(frozen=True)
class Routing:
    person: User
    route: Route
    absent: tuple[User, ...] = ()
    without_substitute: tuple[User, ...] = ()


def _is_staff(user: User) -> bool:
    return getattr(user, "staff", None) is not None


def appointment_routing(*, wanted: User, at: datetime) -> Routing:
    """Who takes an appointment with `wanted` at moment `at`: `wanted` when present; while
    they are away, the substitute named for the absence (followed on if the substitute
    is away too); with no substitute, the head of their department, then the leader
    (accountability.selectors.who_covers). Only staff with a department can take it: the
    callback clock runs in their department's hours."""
    cover = who_covers(user=wanted, at=at)
    details = {"absent": cover.absent, "without_substitute": cover.without_substitute}
    if cover.user is not None and cover.user.pk == wanted.pk:
        return Routing(wanted, Route.WANTED)
    if cover.user is not None and _is_staff(cover.user):
        route = Route.UP if cover.without_substitute else Route.SUBSTITUTE
        return Routing(cover.user, route, **details)
    # Nobody present: the work still needs an owner ("unclear whose job" is never a
    # reason to leave it, seed 001 §8), so it goes to the head, or stays with the person.
    head = wanted.staff.department.head
    person = head if head is not None and head.pk != wanted.pk and _is_staff(head) else wanted
    return Routing(person, Route.NOBODY, **details)


def staff_with_absences(*, at: datetime) -> list[tuple[StaffProfile, Absence | None]]:
    """Every active staff member by department, each with the absence governing `at`
    (None when present): two queries, for the "staff member asked for" select."""
    profiles = list(
        StaffProfile.objects.filter(user__is_active=True)
        .select_related("user", "department")
        .order_by("department__code", "user__username")
    )
    absences: dict[int, Absence] = {}
    # Oldest first, so the absence that started last (the one that governs) wins.
    for absence in (
        Absence.objects.filter(starts_at__lte=at, ends_at__gt=at)
        .select_related("substitute")
        .order_by("starts_at", "created_at", "pk")
    ):
        absences[absence.staff_id] = absence
    return [(profile, absences.get(profile.user_id)) for profile in profiles]


def _listed(appointments: QuerySet[Appointment]) -> QuerySet[Appointment]:
    return appointments.select_related(
        "case__department",
        "wanted__staff__department",
        "routed_to__staff__department",
        "booked_by",
    )


def appointment_list_for(user: User, *, waiting_only: bool = True) -> QuerySet[Appointment]:
    """The appointments a staff member sees: routed to them, booked by them, or routed to
    anyone of their department. Waiting ones (booked or called back) by default, soonest
    first and callbacks without a time after; with `waiting_only=False`, all, newest first.
    Each carries ``case_protected``: on a complaint about staff the list shows neither the
    citizen nor the note (the case page does, to whom deadlines.rules allows)."""
    mine = Q(routed_to=user) | Q(booked_by=user)
    profile = getattr(user, "staff", None)
    if profile is not None:
        mine |= Q(routed_to__staff__department_id=profile.department_id)
    # The accused of each case too: the permissions of a row's actions refuse them.
    appointments = (
        _listed(Appointment.objects.filter(mine))
        .annotate(case_protected=protected_flag())
        .prefetch_related("case__accused")
    )
    if waiting_only:
        return appointments.filter(state__in=WAITING).order_by(
            F("scheduled_for").asc(nulls_last=True), "booked_at", "id"
        )
    return appointments.order_by("-booked_at", "-id")


def appointments_for_case(case: Any) -> QuerySet[Appointment]:
    """A case's appointments, oldest booking first, with the people on them."""
    return _listed(Appointment.objects.filter(case=case)).order_by("booked_at", "id")


def callback_clock_filter(appointment: Appointment) -> Q:
    """The callback clock an appointment started: the case's callback clock started at the
    booking moment for the person it was routed to (appointment_book stores the clock's
    start as ``booked_at``; the models have no direct link)."""
    return Q(
        case_id=appointment.case_id,
        kind=ClockKind.CALLBACK,
        started_at=appointment.booked_at,
        responsible_id=appointment.routed_to_id,
    )


def callback_clocks(appointments: list[Appointment]) -> dict[int, Clock]:
    """Each appointment's callback clock (its stored moments give its colour), by
    appointment id: one query whatever the number of appointments."""
    if not appointments:
        return {}
    clocks = {
        (clock.case_id, clock.started_at, clock.responsible_id): clock
        for clock in Clock.objects.filter(
            case_id__in={a.case_id for a in appointments}, kind=ClockKind.CALLBACK
        )
    }
    found = {}
    for appointment in appointments:
        clock = clocks.get((appointment.case_id, appointment.booked_at, appointment.routed_to_id))
        if clock is not None:
            found[appointment.pk] = clock
    return found


def appointment_route(appointment: Appointment) -> Route:
    """How the appointment was routed, as its booking event recorded it."""
    data = (
        CaseEvent.objects.filter(
            case_id=appointment.case_id,
            action=EventAction.APPOINTMENT,
            data__appointment=appointment.pk,
        )
        .values_list("data", flat=True)
        .first()
    )
    return Route((data or {}).get("route", Route.WANTED))


def appointment_prefetch() -> Prefetch:
    """For a case query, so ``case.appointments.all`` (the case page's appointments
    section, templates/intake/_case_appointments.html) is one query with its people."""
    return Prefetch(
        "appointments",
        queryset=_listed(Appointment.objects.all()).order_by("booked_at", "id"),
    )
