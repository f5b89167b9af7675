"""Accept with deficiency (容缺受理, seed 002 附件4): the citizen's pledge to hand in the
secondary materials a one-time notice lists by a deadline no later than the item's
promised limit; keeping it; and the scan that ends the cases whose pledge was missed."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, Final

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accountability.regulations import cite_code
from accountability.services import require_permission
from deadlines.models import Case, CaseState, EventAction
from deadlines.selectors.calendar import calendar_snapshot, hours_for
from deadlines.services.cases import (
    CaseConflict,
    case_accept,
    case_lapse,
    case_lock,
    case_log_step,
)
from deadlines.templatetags.moments import deadline_text
from deadlines.worktime import Unit, compute_due
from intake.models import TO_SUPPLY, OneTimeNotice, Pledge, ServiceItem
from intake.selectors.desk import (
    BAR_PERIOD,
    PLEDGE_CASE_STATES,
    citizen_broken_pledge,
    latest_notice,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import User

logger = logging.getLogger(__name__)

# Missed pledges are ended in batches, each batch one transaction.
LAPSE_BATCH: Final = 100

# States from which a missed pledge ends the case (the sources of Case.terminate).
_LAPSABLE: Final = (
    CaseState.ACCEPTED,
    CaseState.IN_PROGRESS,
    CaseState.SUSPENDED,
    CaseState.REOPENED,
)


def _source(article: str) -> str:
    """《title》article of the rules on accepting with deficiency (容缺受理制度)."""
    return cite_code("window-service-rules", article)


def _is_required(material: dict[str, Any]) -> bool:
    # The notice snapshot calls the catalogue's is_required "required"; a snapshot without
    # the flag lists only what is asked for, so the material counts as required.
    return bool(material.get("required", material.get("is_required", True)))


def pledge_latest_allowed(*, item: ServiceItem, case: Case, start: datetime) -> datetime:
    """The latest deadline a pledge taken at `start` may carry: the item's promised limit
    counted from then, on the official calendar and the handling department's hours
    (seed 002 附件4 §6)."""
    if item.promised_limit_amount is None or not item.promised_limit_unit:
        raise ValidationError(
            _(
                "%(item)s has no promised limit, so it cannot be accepted with deficiency "
                "(%(regulation)s)."
            )
            % {"item": item.name, "regulation": _source("附件4 第六条")}
        )
    return compute_due(
        calendar_snapshot(),
        start=start,
        amount=item.promised_limit_amount,
        unit=Unit(item.promised_limit_unit),
        hours=hours_for(case.department),
    ).at


def _check_item(item: ServiceItem) -> None:
    """Seed 002 附件4 §4: never for items touching public safety, the environment, health,
    life or property, nor for items the catalogue does not open to it."""
    if item.touches_safety:
        raise ValidationError(
            _(
                "%(item)s touches public safety, the environment, health, life or property, "
                "so it is never accepted with deficiency (%(regulation)s)."
            )
            % {"item": item.name, "regulation": _source("附件4 第四条")}
        )
    if not item.allows_deficiency:
        raise ValidationError(
            _(
                "The catalogue does not allow accepting %(item)s with deficiency: every "
                "material must be handed in first."
            )
            % {"item": item.name}
        )


def _check_citizen(case: Case, at: datetime) -> None:
    """Seed 002 附件4 §13: a broken pledge bars the citizen from 容缺 for a year."""
    broken = citizen_broken_pledge(case.citizen_phone, case.citizen_account, at)
    if broken is not None:
        assert broken.settled_at is not None  # a broken pledge is settled
        raise ValidationError(
            _(
                "The citizen broke a deficiency pledge (case %(case)s, deadline %(due)s), so "
                "accepting with deficiency is barred until %(until)s (%(regulation)s)."
            )
            % {
                "case": broken.case.number,
                "due": deadline_text(broken.due_at),
                "until": deadline_text(broken.settled_at + BAR_PERIOD),
                "regulation": _source("附件4 第十三条"),
            }
        )


def _material_errors(notice: OneTimeNotice, pledged: Sequence[str]) -> list[str]:
    """Seed 002 附件4 §2: main materials present, only secondary ones pledged."""
    errors: list[str] = []
    by_name = {str(material["name"]): material for material in notice.materials}
    if not pledged:
        errors.append(_("Choose the materials the citizen pledges to hand in later."))
    for name in pledged:
        material = by_name.get(name)
        if material is None or material.get("status") not in TO_SUPPLY:
            errors.append(
                _(
                    "Notice %(notice)s does not list %(name)s as missing or deficient, so it "
                    "cannot be pledged."
                )
                % {"notice": notice.number, "name": name}
            )
        elif not material.get("may_be_deficient"):
            errors.append(
                _(
                    "%(name)s is a main material: it must be handed in before the case is "
                    "accepted and cannot be pledged for later (%(regulation)s)."
                )
                % {"name": name, "regulation": _source("附件4 第二条")}
            )
    missing_main = [
        str(material["name"])
        for material in notice.materials_to_supply
        if _is_required(material) and not material.get("may_be_deficient")
    ]
    if missing_main:
        errors.append(
            _(
                "Main materials are missing or deficient on notice %(notice)s: %(names)s. "
                "Accepting with deficiency needs every main material present "
                "(%(regulation)s)."
            )
            % {
                "notice": notice.number,
                "names": "、".join(missing_main),
                "regulation": _source("附件4 第二条"),
            }
        )
    return errors


def pledge_precheck(*, case: Case, notice: OneTimeNotice, at: datetime) -> None:
    """Raise ValidationError when no pledge can be taken on `notice` at all: the item
    refuses it (§4) or the citizen is barred (§13). The pledge page asks before showing
    its form; pledge_take asks again."""
    _check_item(notice.service_item)
    _check_citizen(case, at)


@transaction.atomic
def pledge_take(
    *,
    actor: User,
    case: Case,
    notice: OneTimeNotice,
    due_at: datetime,
    materials: Sequence[str] | None = None,
) -> Pledge:
    """Take the citizen's signed pledge (容缺受理承诺书) to hand in the secondary materials
    `notice` lists as missing or deficient by `due_at`, and accept the case with the actor
    as handler if it is still registered. `materials` defaults to every secondary
    material the notice asks for.

    Refused for an item touching safety or not open to it (§4), for a citizen with a
    pledge broken in the past year (§13), when a main material is missing (§2) and for a
    deadline past the item's promised limit (§6)."""
    require_permission(actor, "intake.take_pledge", case)
    # The case row stays locked to the end, so two pledges on one case queue up.
    current = case_lock(case)
    if current.state not in PLEDGE_CASE_STATES:
        raise CaseConflict(
            _(
                "Case %(number)s is “%(state)s”: a pledge is taken when a case is registered "
                "or accepted."
            )
            % {"number": current.number, "state": current.get_state_display()}
        )
    if Pledge.objects.filter(case=current, state=Pledge.State.OPEN).exists():
        raise CaseConflict(
            _("Case %(number)s already has an open pledge.") % {"number": current.number}
        )
    if notice.case_id != current.pk:
        raise ValidationError(_("This notice belongs to another case."))
    newest = latest_notice(current)
    if newest is not None and newest.pk != notice.pk:
        raise ValidationError(
            _("Notice %(newer)s replaces notice %(notice)s: take the pledge on it.")
            % {"newer": newest.number, "notice": notice.number}
        )
    now = timezone.now()
    pledge_precheck(case=current, notice=notice, at=now)

    supply = [str(m["name"]) for m in notice.materials_to_supply if m.get("may_be_deficient")]
    chosen = supply if materials is None else materials
    pledged = list(dict.fromkeys(name.strip() for name in chosen if name.strip()))
    errors: dict[str, list[str]] = {}
    material_errors = _material_errors(notice, pledged)
    if material_errors:
        errors["materials"] = material_errors
    latest = pledge_latest_allowed(item=notice.service_item, case=current, start=now)
    if due_at <= now:
        errors["due_at"] = [_("The deadline must be in the future.")]
    elif due_at > latest:
        errors["due_at"] = [
            _(
                "The deadline may be no later than the item's promised limit (%(limit)s) "
                "counted from now: %(latest)s at the latest (%(regulation)s)."
            )
            % {
                "limit": notice.service_item.promised_limit_label,
                "latest": deadline_text(latest),
                "regulation": _source("附件4 第六条"),
            }
        ]
    if errors:
        raise ValidationError(errors)

    pledge = Pledge.objects.create(
        case=current,
        notice=notice,
        materials=[name for name in supply if name in pledged],  # in the notice's order
        citizen_name=current.citizen_name,
        citizen_phone=current.citizen_phone,
        citizen_account=current.citizen_account,
        due_at=due_at,
        taken_by=actor,
        taken_at=now,
    )
    if current.state == CaseState.REGISTERED:
        current = case_accept(actor=actor, case=current, handler=actor)
    case_log_step(
        actor=actor,
        case=current,
        action=EventAction.PLEDGE,
        reason=_("Pledged to hand in %(materials)s by %(due)s.")
        % {"materials": "、".join(pledge.materials), "due": deadline_text(due_at)},
        pledge=pledge.pk,
        notice=notice.number,
        materials=pledge.materials,
        due_at=due_at.isoformat(),
    )
    return pledge


@transaction.atomic
def pledge_keep(*, actor: User, pledge: Pledge) -> Pledge:
    """The citizen handed in the pledged materials in time: the pledge is kept."""
    pledge = Pledge.objects.select_for_update(of=("self",)).select_related("case").get(pk=pledge.pk)
    require_permission(actor, "intake.keep_pledge", pledge.case)
    if pledge.state != Pledge.State.OPEN:
        raise CaseConflict(
            _("This pledge is “%(state)s” already.") % {"state": pledge.get_state_display()}
        )
    now = timezone.now()
    if now > pledge.due_at:
        raise ValidationError(
            _(
                "The pledge's deadline passed at %(due)s: materials handed in late do not keep "
                "it, and the case ends (%(regulation)s)."
            )
            % {"due": deadline_text(pledge.due_at), "regulation": _source("附件4 第十二条")}
        )
    pledge.keep()
    pledge.settled_at = now
    pledge.save(update_fields=["state", "settled_at"])
    case_log_step(
        actor=actor,
        case=pledge.case,
        action=EventAction.PLEDGE_KEPT,
        reason=_("Handed in: %(materials)s.") % {"materials": "、".join(pledge.materials)},
        pledge=pledge.pk,
    )
    return pledge


def _lapse_one(pledge: Pledge, at: datetime) -> bool:
    """Break one missed pledge and end its case, or leave both as they were when the case
    changed under the scan (a savepoint undoes the pledge's change)."""
    try:
        with transaction.atomic():
            pledge.lapse()
            pledge.settled_at = at
            pledge.save(update_fields=["state", "settled_at"])
            case_lapse(
                case=Case.objects.get(pk=pledge.case_id),
                reason=_(
                    "Pledge missed: %(materials)s were not handed in by %(due)s; the "
                    "acceptance with deficiency ends (%(regulation)s)."
                )
                % {
                    "materials": "、".join(pledge.materials),
                    "due": deadline_text(pledge.due_at),
                    "regulation": _source("附件4 第十二条"),
                },
                responsible=pledge.taken_by,
            )
    except CaseConflict:
        logger.warning("Pledge %s: case %s changed during the scan.", pledge.pk, pledge.case_id)
        return False
    return True


def pledges_lapse_due(*, now: datetime | None = None) -> int:
    """End every open pledge whose deadline passed before `now` (seed 002 附件4 §12–§13):
    the pledge is broken (the record that bars the citizen for a year) and its case
    terminated, with the 3-working-day notice to the citizen on the clock of whoever took
    the pledge. Returns how many were ended.

    Safe to run twice or in parallel: each batch locks the pledges it takes and skips the
    ones another run holds, and only open pledges are read. A pledge whose case already
    ended another way (withdrawn, say) is left alone: the citizen broke nothing."""
    at = now or timezone.now()
    ended, tried = 0, set[int]()
    while True:
        with transaction.atomic():
            batch = list(
                Pledge.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(state=Pledge.State.OPEN, due_at__lt=at)
                .filter(case__state__in=_LAPSABLE)
                .exclude(pk__in=tried)
                .select_related("taken_by")
                .order_by("due_at", "id")[:LAPSE_BATCH]
            )
            if not batch:
                return ended
            for pledge in batch:
                tried.add(pledge.pk)
                ended += _lapse_one(pledge, at)
