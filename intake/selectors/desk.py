"""Reads of the front desk's pledges (容缺受理) and rejection filings (否定备案): the
citizen's broken-pledge record, the notice a pledge is taken on, the rejection register
(否定备案台账) and what a case page shows of both."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any, Final

from django.db.models import OuterRef, QuerySet, Subquery

from accountability.models import Department
from accountability.rules import is_inspection_office, is_leadership, may
from deadlines.models import Case, CaseState, Clock, ClockKind, MatterKind, TimeLimitPolicy
from deadlines.selectors.policies import policy_for
from deadlines.services.cases import ACCEPTED
from deadlines.worktime import LOCAL_TZ
from intake.models import OneTimeNotice, Pledge, RejectionFiling
from intake.selectors.confidentiality import protected_flag

if TYPE_CHECKING:
    from django.contrib.auth.models import User
from intake.selectors.registration import citizen_match

# A broken pledge bars the citizen from 容缺 for one year (seed 002 附件4 §13).
BAR_PERIOD: Final = timedelta(days=365)

# A pledge accepts the case, so it is taken before or at acceptance.
PLEDGE_CASE_STATES: Final = (CaseState.REGISTERED, CaseState.ACCEPTED)

# The policy variant of the 3-working-day written refusal (seed 002 附件1 §8).
REJECTION_NOTICE_VARIANT: Final = "rejection"


def citizen_broken_pledge(phone: str, account: str, at: datetime) -> Pledge | None:
    """The citizen's latest pledge broken within BAR_PERIOD before `at`, matched by the
    same phone number or the same water account (an empty one matches nothing); None
    when the citizen is not barred. The bar lasts until its ``settled_at`` + BAR_PERIOD."""
    match = citizen_match(phone, account)
    if not match:
        return None
    return (
        Pledge.objects.filter(
            match,
            state=Pledge.State.BROKEN,
            settled_at__gt=at - BAR_PERIOD,
            settled_at__lte=at,
        )
        .select_related("case")
        .order_by("-settled_at", "-id")
        .first()
    )


def latest_notice(case: Case) -> OneTimeNotice | None:
    """The case's latest one-time notice, the one a pledge is taken on."""
    return (
        OneTimeNotice.objects.filter(case=case)
        .select_related("service_item")
        .order_by("-issued_at", "-id")
        .first()
    )


def pledgeable_materials(notice: OneTimeNotice) -> list[str]:
    """The names of the notice's materials that may be handed in later: listed as missing
    or deficient, and secondary (may be deficient)."""
    return [
        str(material["name"])
        for material in notice.materials_to_supply
        if material.get("may_be_deficient")
    ]


def rejection_notice_clock(case: Case) -> Clock | None:
    """The 3-working-day written-refusal clock of a rejected case."""
    return (
        Clock.objects.filter(
            case=case, kind=ClockKind.WRITTEN_NOTICE, policy__variant=REJECTION_NOTICE_VARIANT
        )
        .order_by("-started_at", "-id")
        .first()
    )


# -- the register ----------------------------------------------------------------------


@dataclass(frozen=True)
class RegisterScope:
    """Whose filings a person may read: every department, or the ones they head."""

    sees_all: bool
    departments: list[Department] = field(default_factory=list)


def register_scope(user: User) -> RegisterScope:
    if is_inspection_office(user) or is_leadership(user):
        return RegisterScope(sees_all=True, departments=list(Department.objects.order_by("code")))
    return RegisterScope(
        sees_all=False, departments=list(Department.objects.filter(head=user).order_by("code"))
    )


@dataclass(frozen=True)
class RegisterFilters:
    department: Department | None = None
    filed_from: date | None = None  # local dates, both included
    filed_to: date | None = None


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=LOCAL_TZ)


def rejection_register(*, scope: RegisterScope, filters: RegisterFilters) -> QuerySet[Any]:
    """The filings `scope` may read, newest first, each with its case, department, filer,
    the due, warning and stop moments of its written-refusal clock (for its colour,
    deadlines.selectors.clocks.clock_colour) and ``case_protected`` (a
    complaint about staff, whose citizen the register does not show): one query for any
    number of rows."""
    filings = RejectionFiling.objects.all()
    if filters.department is not None:
        filings = filings.filter(case__department=filters.department)
    elif not scope.sees_all:
        filings = filings.filter(case__department__in=scope.departments)
    if filters.filed_from is not None:
        filings = filings.filter(filed_at__gte=_local_midnight(filters.filed_from))
    if filters.filed_to is not None:
        filings = filings.filter(filed_at__lt=_local_midnight(filters.filed_to + timedelta(days=1)))
    notice = Clock.objects.filter(
        case=OuterRef("case"),
        kind=ClockKind.WRITTEN_NOTICE,
        policy__variant=REJECTION_NOTICE_VARIANT,
    ).order_by("-started_at", "-id")
    return (
        filings.select_related("case__department", "filed_by", "materials_return")
        .annotate(
            notice_due_at=Subquery(notice.values("due_at")[:1]),
            notice_warn_at=Subquery(notice.values("warn_at")[:1]),
            notice_given_at=Subquery(notice.values("stopped_at")[:1]),
            case_protected=protected_flag(),
        )
        .order_by("-filed_at", "-id")
    )


# -- a case's pledges and filing, for the case page --------------------------------------


@dataclass(frozen=True)
class CaseDesk:
    """What templates/intake/_case_desk.html shows of a case."""

    case: Case
    pledges: list[Pledge]
    filing: RejectionFiling | None
    notice: OneTimeNotice | None
    may_take_pledge: bool
    may_file_rejection: bool


def case_desk_for(*, case: Case, user: User) -> CaseDesk:
    """A case's pledges, its filing, its latest notice and what `user` may do: three
    queries."""
    pledges = list(
        Pledge.objects.filter(case=case).select_related("taken_by").order_by("-taken_at", "-id")
    )
    filing = (
        RejectionFiling.objects.filter(case=case)
        .select_related("filed_by", "materials_return")
        .first()
    )
    notice = latest_notice(case)
    open_pledge = any(pledge.state == Pledge.State.OPEN for pledge in pledges)
    return CaseDesk(
        case=case,
        pledges=pledges,
        filing=filing,
        notice=notice,
        may_take_pledge=(
            notice is not None
            and not open_pledge
            and case.state in PLEDGE_CASE_STATES
            and may(user, "intake.take_pledge", case)
        ),
        may_file_rejection=(
            filing is None
            and case.state == CaseState.REGISTERED
            and may(user, "intake.file_rejection", case)
        ),
    )


def awaited_limit(case: Case) -> TimeLimitPolicy | None:
    """An application not yet accepted runs no clock: the receipt states the limit its
    acceptance will start (DOMAIN §4), chosen as acceptance chooses it (the item's
    promised limit, or the department rule); None for any other matter."""
    if case.state != CaseState.REGISTERED or case.matter_kind != MatterKind.APPLICATION:
        return None
    policy = policy_for(
        clock_kind=ClockKind.CLOSURE,
        matter_kind=case.matter_kind,
        channel=case.channel,
        urgency=case.urgency,
        service_item_code=case.service_item_code,
        variant=ACCEPTED,
    )
    return policy if policy is not None and policy.variant == ACCEPTED else None
