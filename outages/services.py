"""Every write about outages: permission, validation, audit row, one transaction.

An event's obligations (DOMAIN §8) arise when it is recorded and whenever a change of
its figures (more households, a later restoration) crosses a threshold: the new ones
start at that moment (outages.thresholds.due_when_grown). Reports and notices meet
them; the scan (``obligations_breach_due``) records a breach for each one met late or
not at all, exactly once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accountability import audit
from accountability.models import Department, Regulation
from accountability.regulations import regulation_for_code
from accountability.selectors import dispatch_department
from accountability.services import require_permission
from deadlines.models import Case, MessageKind
from deadlines.services.messages import messages_for_outage
from deadlines.templatetags.moments import deadline_text
from outages.models import (
    RECIPIENT_MEETS,
    BreachKind,
    NoticeChannel,
    Obligation,
    ObligationKind,
    OutageBreach,
    OutageChange,
    OutageContact,
    OutageEvent,
    OutageKind,
    OutageReport,
    PublicNotice,
    ReportRecipient,
)
from outages.rules import at_dispatch
from outages.thresholds import (
    CITATIONS,
    DISPATCH_OWES,
    FAULT_REPORT_WITHIN,
    NOTICES,
    Figures,
    due_when_grown,
    obligations_for,
    regulated_due,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def _regulation(code: str) -> Regulation:
    return regulation_for_code(code, where=_("Outage obligations"))


def _figures(event: OutageEvent) -> Figures:
    return Figures(
        kind=event.kind,
        households=event.households,
        starts_at=event.starts_at,
        ends_at=event.ends_at,
    )


def _owed(event: OutageEvent) -> set[ObligationKind]:
    return obligations_for(
        _figures(event), large_notice_households=settings.OUTAGE_LARGE_NOTICE_HOUSEHOLDS
    )


def _dispatch_heard_at(event: OutageEvent) -> datetime:
    """When dispatch heard of the event: the earliest report to dispatch, or the moment
    the event was recorded here (dispatch watches the portal round the clock)."""
    first = (
        event.reports.filter(recipient=ReportRecipient.DISPATCH)
        .order_by("reported_at")
        .values_list("reported_at", flat=True)
        .first()
    )
    return min(event.recorded_at, first) if first is not None else event.recorded_at


def _arise(
    event: OutageEvent, change: OutageChange, *, at: datetime, grown: bool
) -> list[Obligation]:
    """Create the obligations the event's figures call for and it does not owe yet."""
    existing = {ObligationKind(kind) for kind in event.obligations.values_list("kind", flat=True)}
    missing = sorted(_owed(event) - existing)
    if not missing:
        return []
    dispatch = dispatch_department() if any(kind in DISPATCH_OWES for kind in missing) else None
    heard_at = _dispatch_heard_at(event)
    created = []
    for kind in missing:
        if grown:
            due = due_when_grown(
                event.kind, kind, starts_at=event.starts_at, heard_at=heard_at, grew_at=at
            )
            if due is None:
                continue
        else:
            due = regulated_due(event.kind, kind, starts_at=event.starts_at, heard_at=heard_at)
        if kind in DISPATCH_OWES:
            assert dispatch is not None
            department, responsible = dispatch, dispatch.head
        else:
            department, responsible = event.department, event.responsible
        created.append(
            Obligation.objects.create(
                event=event,
                kind=kind,
                regulation=_regulation(CITATIONS[(OutageKind(event.kind), kind)][0]),
                article=CITATIONS[(OutageKind(event.kind), kind)][1],
                arose_at=at,
                due_at=due,
                responsible=responsible,
                department=department,
                change=change,
            )
        )
    return created


def _change_row(
    event: OutageEvent, *, actor: User | None, at: datetime, reason: str
) -> OutageChange:
    return OutageChange.objects.create(
        event=event,
        at=at,
        actor=audit.user_or_none(actor),
        households=event.households,
        starts_at=event.starts_at,
        expected_restoration_at=event.expected_restoration_at,
        restored_at=event.restored_at,
        area=event.area,
        reason=reason,
    )


def _own_department(actor: User) -> Department | None:
    profile = getattr(actor, "staff", None)
    return profile.department if profile is not None else None


@transaction.atomic
def outage_record(
    *,
    actor: User,
    kind: str,
    title: str,
    area: str,
    households: int,
    starts_at: datetime,
    expected_restoration_at: datetime,
    cause: str,
    department: Department,
    responsible: User | None = None,
) -> OutageEvent:
    """Record a planned works or a fault and the obligations its figures call for.

    Dispatch records any unit's event; a unit's handlers and head record their own."""
    require_permission(actor, "outages.record_event")
    if not at_dispatch(actor) and _own_department(actor) != department:
        raise PermissionDenied(_("You may record outages of your own department only."))
    at = timezone.now()
    event = OutageEvent(
        kind=kind,
        title=title.strip(),
        area=area.strip(),
        households=households,
        starts_at=starts_at,
        expected_restoration_at=expected_restoration_at,
        cause=cause.strip(),
        department=department,
        responsible=responsible,
        recorded_by=actor,
        recorded_at=at,
        updated_at=at,
    )
    event.full_clean()
    if not event.area_names():
        raise ValidationError({"area": _("Name at least one zone or street.")})
    event.save()
    change = _change_row(event, actor=actor, at=at, reason=_("Recorded"))
    _arise(event, change, at=at, grown=False)
    audit.record(actor=actor, action="outage.record", obj=event, after=audit.snapshot(event))
    _tell_area(event, actor=actor, at=at)
    return event


def _tell_area(event: OutageEvent, *, actor: User, at: datetime) -> int:
    """The citizens in the area hear of the outage, and of the water's return, by SMS
    (deadlines' message service: once per citizen, outage and kind; not held by quiet
    hours). Works called off tell nobody more."""
    if event.cancelled_at is not None:
        return 0
    area = "、".join(event.area_names())
    if event.restored_at is not None:
        return messages_for_outage(
            actor=actor,
            kind=MessageKind.OUTAGE_RESTORED,
            outage_key=f"outage:{event.pk}",
            area_names=event.area_names(),
            params={"area": area, "restored": deadline_text(event.restored_at)},
            at=at,
        )
    return messages_for_outage(
        actor=actor,
        kind=MessageKind.OUTAGE_START,
        outage_key=f"outage:{event.pk}",
        area_names=event.area_names(),
        params={
            "area": area,
            "reason": event.title,
            "start": deadline_text(event.starts_at),
            "end": deadline_text(event.expected_restoration_at),
        },
        at=at,
    )


def outage_lock(event: OutageEvent) -> OutageEvent:
    return OutageEvent.objects.select_for_update().select_related("department").get(pk=event.pk)


@transaction.atomic
def outage_change(
    *,
    actor: User,
    event: OutageEvent,
    households: int,
    expected_restoration_at: datetime,
    area: str,
    reason: str,
    restored_at: datetime | None = None,
) -> OutageEvent:
    """Change the figures of an event while it runs (more or fewer households, a new
    expected restoration, a wider area) or record the restoration; keeps the history.
    Crossing a threshold starts the new obligations at this moment."""
    event = outage_lock(event)
    require_permission(actor, "outages.change_event", event)
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the figures changed.")})
    if event.restored_at is not None:
        raise ValidationError(_("The water is back: this outage can no longer change."))
    if event.cancelled_at is not None:
        raise ValidationError(_("These works were called off: record new works instead."))
    at = timezone.now()
    if restored_at is not None and restored_at > at:
        raise ValidationError({"restored_at": _("Restoration cannot be in the future.")})
    before = audit.snapshot(event)
    event.households = households
    event.expected_restoration_at = expected_restoration_at
    event.area = area.strip()
    event.restored_at = restored_at
    event.updated_at = at
    event.full_clean()
    if not event.area_names():
        raise ValidationError({"area": _("Name at least one zone or street.")})
    event.save()
    change = _change_row(event, actor=actor, at=at, reason=reason.strip())
    _arise(event, change, at=at, grown=True)
    _tell_area(event, actor=actor, at=at)
    audit.record(
        actor=actor,
        action="outage.change",
        obj=event,
        before=before,
        after=audit.snapshot(event),
        reason=reason,
    )
    return event


@transaction.atomic
def outage_cancel(*, actor: User, event: OutageEvent, reason: str) -> OutageEvent:
    """Call off planned works before they start: the reports and notices not yet due are
    no longer owed; those already missed stay missed. Works put off to another day are
    called off and recorded anew, so that their notices run from the new date."""
    event = outage_lock(event)
    require_permission(actor, "outages.change_event", event)
    at = timezone.now()
    if event.kind != OutageKind.PLANNED or event.starts_at <= at:
        raise ValidationError(_("Only planned works that have not started can be called off."))
    if event.cancelled_at is not None:
        raise ValidationError(_("These works were called off already."))
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the works are called off.")})
    before = audit.snapshot(event)
    event.cancelled_at, event.cancel_reason, event.updated_at = at, reason.strip(), at
    event.save(update_fields=["cancelled_at", "cancel_reason", "updated_at"])
    event.obligations.filter(met_at__isnull=True, breached_at__isnull=True, due_at__gt=at).update(
        waived_at=at
    )
    audit.record(
        actor=actor,
        action="outage.cancel",
        obj=event,
        before=before,
        after=audit.snapshot(event),
        reason=reason,
    )
    return event


def _retime_dispatch_fault_obligations(event: OutageEvent) -> None:
    """A report to dispatch made earlier than the event was recorded moves dispatch's
    20 minutes earlier: they run from when dispatch heard of the fault."""
    if event.kind != OutageKind.FAULT:
        return
    heard_at = _dispatch_heard_at(event)
    pending = event.obligations.filter(
        kind__in=[ObligationKind.REPORT_12345, ObligationKind.NOTIFY_12319],
        met_at__isnull=True,
        breached_at__isnull=True,
    )
    for obligation in pending:
        grown = obligation.arose_at > event.recorded_at
        start = max(heard_at, obligation.arose_at) if grown else heard_at
        due = start + FAULT_REPORT_WITHIN
        if due != obligation.due_at:
            obligation.due_at = due
            obligation.save(update_fields=["due_at"])


@transaction.atomic
def report_record(
    *,
    actor: User,
    event: OutageEvent,
    recipient: str,
    method: str,
    reported_at: datetime,
    received_by: str = "",
    note: str = "",
) -> OutageReport:
    """Record a report made about an outage; the first report to each recipient meets
    the obligation to report to it (late if after its due moment)."""
    event = outage_lock(event)
    require_permission(actor, "outages.record_report", event)
    if recipient in (ReportRecipient.OFFICE_12345, ReportRecipient.LINE_12319) and not at_dispatch(
        actor
    ):
        raise PermissionDenied(_("Dispatch reports to the 12345 office and the 12319 line."))
    if reported_at > timezone.now():
        raise ValidationError({"reported_at": _("A report cannot be made in the future.")})
    obligation = None
    meets = RECIPIENT_MEETS.get(ReportRecipient(recipient))
    if meets is not None:
        obligation = (
            event.obligations.select_for_update().filter(kind=meets, met_at__isnull=True).first()
        )
    report = OutageReport(
        event=event,
        obligation=obligation,
        recipient=recipient,
        method=method,
        reported_by=actor,
        reported_at=reported_at,
        received_by=received_by.strip(),
        note=note.strip(),
    )
    report.full_clean()
    report.save()
    if obligation is not None:
        obligation.met_at = reported_at
        obligation.save(update_fields=["met_at"])
    if recipient == ReportRecipient.DISPATCH:
        _retime_dispatch_fault_obligations(event)
    OutageEvent.objects.filter(pk=event.pk).update(updated_at=timezone.now())
    audit.record(actor=actor, action="outage.report", obj=event, after=audit.snapshot(report))
    return report


@transaction.atomic
def notice_record(
    *,
    actor: User,
    event: OutageEvent,
    published_at: datetime,
    channels: list[str],
    text: str,
) -> PublicNotice:
    """Record a public notice and the channels it went through. It meets the earliest
    notice still owed: a large outage's first notice meets the 3-day one, the next the
    1-day one (seed 003 通报制度 (1): 停水前3天通报1次,停水前1天再通报1次)."""
    event = outage_lock(event)
    require_permission(actor, "outages.record_notice", event)
    channels = sorted(set(channels))
    unknown = set(channels) - set(NoticeChannel.values)
    if not channels or unknown:
        raise ValidationError({"channels": _("Choose the channels the notice went through.")})
    if published_at > timezone.now():
        raise ValidationError({"published_at": _("A notice cannot be published in the future.")})
    if not text.strip():
        raise ValidationError({"text": _("Write down the notice as published.")})
    order = [ObligationKind.NOTICE_THREE_DAYS, ObligationKind.NOTICE_ONE_DAY]
    owed = {
        obligation.kind: obligation
        for obligation in event.obligations.select_for_update().filter(
            kind__in=NOTICES, met_at__isnull=True
        )
    }
    obligation = next((owed[kind] for kind in order if kind in owed), None)
    notice = PublicNotice.objects.create(
        event=event,
        obligation=obligation,
        published_at=published_at,
        channels=channels,
        text=text.strip(),
        recorded_by=actor,
    )
    if obligation is not None:
        obligation.met_at = published_at
        obligation.save(update_fields=["met_at"])
    OutageEvent.objects.filter(pk=event.pk).update(updated_at=timezone.now())
    audit.record(actor=actor, action="outage.notice", obj=event, after=audit.snapshot(notice))
    return notice


def is_running(event: OutageEvent, now: datetime) -> bool:
    return event.starts_at <= now and event.restored_at is None and event.cancelled_at is None


def outage_answer(event: OutageEvent) -> str:
    """What the citizen hears about the outage at the front desk."""
    return _(
        "No water in %(area)s: %(title)s (outage %(number)s). The water is expected back at %(at)s."
    ) % {
        "area": "、".join(event.area_names()),
        "title": event.title,
        "number": event.number,
        "at": timezone.localtime(event.expected_restoration_at).strftime("%Y-%m-%d %H:%M"),
    }


@transaction.atomic
def outage_link_contact(*, actor: User, event: OutageEvent, case: Case) -> OutageContact:
    """Link a citizen's contact (its case) to the running outage it is about; the event
    counts the contacts it caused. A contact links to one outage."""
    require_permission(actor, "outages.link_contact", event)
    require_permission(actor, "deadlines.view_case", case)
    event = outage_lock(event)
    if not is_running(event, timezone.now()):
        raise ValidationError(_("Only a running outage can be linked: this one is not."))
    if OutageContact.objects.filter(case=case).exists():
        raise ValidationError(_("This contact is linked to an outage already."))
    link = OutageContact.objects.create(event=event, case=case, linked_by=actor)
    OutageEvent.objects.filter(pk=event.pk).update(updated_at=timezone.now())
    audit.record(actor=actor, action="outage.link_contact", obj=event, after=audit.snapshot(link))
    return link


# -- the scan ---------------------------------------------------------------------------------


@dataclass
class ScanResult:
    created: int = 0


BREACH_KIND = dict.fromkeys(ObligationKind, BreachKind.REPORT_NOT_IN_TIME) | dict.fromkeys(
    NOTICES, BreachKind.NOTICE_NOT_IN_TIME
)


def obligations_breach_due(*, now: datetime, batch: int = 1000) -> ScanResult:
    """Record a breach for every obligation whose due moment has passed without being
    met in time: once each, however often or concurrently the scan runs. Obligations are
    marked with ``UPDATE … WHERE breached_at IS NULL`` (a second scan skips them) and
    the breach row is unique per obligation (OneToOne) besides."""
    result = ScanResult()
    late = Q(met_at__isnull=True) | Q(met_at__gt=F("due_at"))
    while True:
        with transaction.atomic():
            ids = list(
                Obligation.objects.select_for_update(skip_locked=True)
                .filter(late, breached_at__isnull=True, waived_at__isnull=True, due_at__lte=now)
                .order_by("due_at", "id")
                .values_list("pk", flat=True)[:batch]
            )
            if not ids:
                break
            Obligation.objects.filter(pk__in=ids, breached_at__isnull=True).update(breached_at=now)
            rows = [
                OutageBreach(
                    obligation=obligation,
                    event_id=obligation.event_id,
                    kind=BREACH_KIND[ObligationKind(obligation.kind)],
                    moment=obligation.due_at,
                    detected_at=now,
                    responsible_id=obligation.responsible_id or obligation.department.head_id,
                    department_id=obligation.department_id,
                )
                for obligation in Obligation.objects.filter(pk__in=ids).select_related("department")
            ]
            before = OutageBreach.objects.filter(obligation_id__in=ids).count()
            OutageBreach.objects.bulk_create(rows, ignore_conflicts=True)
            result.created += OutageBreach.objects.filter(obligation_id__in=ids).count() - before
        if len(ids) < batch:
            break
    return result
