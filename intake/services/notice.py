"""The one-time notice (一次性告知书) and the materials asked for after it (补正).

Seed 002 附件6 §3 and §7: when an application is incomplete the citizen is told, at once
and in writing, everything missing; the written notice also states what the item is
(name, basis, conditions, limits, fees, procedure, reasons for refusal). The notice is a
snapshot: revising the catalogue afterwards never changes a notice handed out (DOMAIN
§4). Asking later for a material the notice did not list as missing or deficient is a
one-time-notice breach against whoever issued it (附件6 §9).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accountability.models import StaffProfile
from accountability.regulations import cite_code
from accountability.services import require_permission
from deadlines.models import Case, EventAction
from deadlines.services.cases import CaseConflict, case_log_step
from intake.models import (
    TO_SUPPLY,
    ItemKind,
    MaterialRequest,
    MaterialStatus,
    NoticeBreach,
    NoticeBreachKind,
    OneTimeNotice,
    ServiceItem,
    ServiceItemMaterial,
)
from intake.selectors.catalogue import service_item_current

if TYPE_CHECKING:
    from django.contrib.auth.models import User

ISSUE_NOTICE = "intake.issue_notice"
MATERIAL_NAME_MAX = MaterialRequest._meta.get_field("material").max_length or 120


def material_key(name: str) -> str:
    """A material name as compared: without whitespace (full-width spaces too) and case
    folded, so "申请 表 " and "申请表" are one material."""
    return "".join(str(name).split()).casefold()


def _clean_name(name: str) -> str:
    return " ".join(str(name).split())


def _locked_open_case(case: Case) -> Case:
    """The case row locked until the transaction ends, refused when the case has ended.

    The lock serialises everything numbered per case; the version is not compared: a
    notice changes nothing the user saw on the case."""
    locked = Case.objects.select_for_update().get(pk=case.pk)
    if locked.is_ended:
        raise CaseConflict(
            _("Case %(number)s is “%(state)s” now, so this action no longer applies.")
            % {"number": locked.number, "state": locked.get_state_display()}
        )
    return locked


def _person(user: User) -> dict[str, str]:
    profile = StaffProfile.objects.select_related("department").filter(user=user.pk).first()
    return {
        "name": user.get_full_name() or user.get_username(),
        "desk_phone": profile.desk_phone if profile is not None else "",
        "department": profile.department.name if profile is not None else "",
    }


def _item_snapshot(item: ServiceItem) -> dict[str, Any]:
    return {
        "code": item.code,
        "version": item.version,
        "name": item.name,
        "kind": item.kind,
        "kind_display": str(ItemKind(item.kind).label) if item.kind in ItemKind.values else "",
        "department": item.department.name if item.department is not None else "",
        "legal_basis": item.legal_basis,
        "conditions": item.conditions,
        "quantity_limit": item.quantity_limit,
        "procedure": item.procedure,
        "fee_basis": item.fee_basis,
        "fee_standard": item.fee_standard,
        "free": not item.fee_basis.strip(),
        "refusal_reasons": item.refusal_reasons,
        "statutory_limit": str(item.statutory_limit_label),
        "promised_limit": str(item.promised_limit_label),
        "statutory_limit_amount": item.statutory_limit_amount,
        "statutory_limit_unit": item.statutory_limit_unit,
        "promised_limit_amount": item.promised_limit_amount,
        "promised_limit_unit": item.promised_limit_unit,
        "allows_deficiency": item.allows_deficiency,
        "touches_safety": item.touches_safety,
    }


def _material_snapshot(material: ServiceItemMaterial, position: int, status: str) -> dict[str, Any]:
    return {
        "position": position,
        "name": material.name,
        "form_requirements": material.form_requirements,
        "required": material.is_required,
        "may_be_deficient": material.may_be_deficient,
        "status": status,
    }


def _checked_statuses(
    materials: list[ServiceItemMaterial], statuses: dict[str, str]
) -> dict[str, str]:
    """The status of each material, by its name; every error at once."""
    names = [m.name for m in materials]
    errors: list[str] = []
    missing = [name for name in names if not str(statuses.get(name) or "").strip()]
    if missing:
        errors.append(
            _("Say for every material whether it is present, missing or deficient: %(names)s.")
            % {"names": "、".join(missing)}
        )
    unknown = sorted(set(statuses) - set(names))
    if unknown:
        errors.append(
            _("These are not materials of the service item: %(names)s.")
            % {"names": "、".join(unknown)}
        )
    bad = [
        name
        for name in names
        if name not in missing and statuses[name] not in MaterialStatus.values
    ]
    if bad:
        errors.append(
            _("Unknown status for %(names)s: choose present, missing or deficient.")
            % {"names": "、".join(bad)}
        )
    if errors:
        raise ValidationError(errors)
    return {name: str(statuses[name]) for name in names}


@transaction.atomic
def notice_issue(
    *,
    actor: User,
    case: Case,
    item_code: str,
    statuses: dict[str, str],
    version: int | None = None,
) -> OneTimeNotice:
    """Issue the written one-time notice for `case` about the current version of the
    service item `item_code`, with the status of every one of its materials.

    `statuses` maps each material name to a MaterialStatus. `version`, when given, is the
    version the user was shown: if the item was revised since, nothing is issued and the
    user is told to look at it again. The notice is numbered ``<case number>-<n>``, n
    counting the case's notices from 1; the case row is locked first, and the unique
    number refuses a duplicate should two issues still meet.
    """
    case = _locked_open_case(case)
    require_permission(actor, ISSUE_NOTICE, case)
    try:
        item = service_item_current(item_code)
    except ServiceItem.DoesNotExist:
        raise ValidationError(
            _("No service item in force has the code %(code)s.") % {"code": item_code}
        ) from None
    if version is not None and item.version != version:
        raise ValidationError(
            _(
                "The service item %(name)s was revised (now version %(version)s) while you "
                "were filling in the checklist. Look at its materials again."
            )
            % {"name": item.name, "version": item.version},
            code="revised",
        )
    materials = list(item.materials.all())
    checked = _checked_statuses(materials, statuses)

    number = f"{case.number}-{OneTimeNotice.objects.filter(case=case).count() + 1}"
    listed = [
        _material_snapshot(material, position, checked[material.name])
        for position, material in enumerate(materials, start=1)
    ]
    content = {
        "case": {"number": case.number, "citizen_name": case.citizen_name},
        "issuer": _person(actor),
        "item": _item_snapshot(item),
        "materials": listed,
    }
    to_supply = [m["name"] for m in listed if m["status"] in TO_SUPPLY]
    case = case_log_step(
        actor=actor,
        case=case,
        action=EventAction.NOTICE,
        notice=number,
        item=item.code,
        item_version=item.version,
        to_supply=to_supply,
    )
    return OneTimeNotice.objects.create(
        number=number, case=case, service_item=item, content=content, issued_by=actor
    )


def _listed_to_supply(notice: OneTimeNotice) -> dict[str, str]:
    """The materials the notice asked the citizen for, by comparison key."""
    return {material_key(str(m["name"])): str(m["name"]) for m in notice.materials_to_supply}


@transaction.atomic
def material_request(*, actor: User, case: Case, material: str, note: str = "") -> MaterialRequest:
    """Record that `material` was asked of the citizen after the one-time notice (补正).

    Compared with the case's latest notice: a material it did not list as missing or
    deficient (left out, or marked present) should have been asked for then, so a
    one-time-notice breach is recorded against the notice's issuer, whoever asks now
    (seed 002 附件6 §9). The request carries the material's name as the notice spells
    it when it was listed.
    """
    case = _locked_open_case(case)
    require_permission(actor, ISSUE_NOTICE, case)
    name = _clean_name(material)
    if not name:
        raise ValidationError(_("Name the material asked for."))
    if len(name) > MATERIAL_NAME_MAX:
        raise ValidationError(
            _("Keep the material's name to %(max)s characters.") % {"max": MATERIAL_NAME_MAX}
        )
    notice = (
        OneTimeNotice.objects.filter(case=case)
        .select_related("issued_by")
        .order_by("-issued_at", "-id")
        .first()
    )
    if notice is None:
        raise ValidationError(
            _(
                "No one-time notice was issued on case %(number)s. Issue one listing everything "
                "missing at once (%(regulation)s) before asking for a material."
            )
            % {
                "number": case.number,
                "regulation": cite_code("window-service-rules", "附件6 第三条"),
            },
            code="no_notice",
        )
    listed = _listed_to_supply(notice)
    key = material_key(name)
    breach = key not in listed
    if not breach:
        name = listed[key]
    else:
        # Keep the notice's spelling of a material it listed as present.
        name = next(
            (str(m["name"]) for m in notice.materials if material_key(str(m["name"])) == key),
            name,
        )
    case = case_log_step(
        actor=actor,
        case=case,
        action=EventAction.MATERIAL_REQUEST,
        reason=note.strip(),
        notice=notice.number,
        material=name,
        breach=breach,
    )
    request = MaterialRequest.objects.create(
        case=case, notice=notice, material=name, note=note.strip(), requested_by=actor
    )
    if breach:
        # Against the issuer, in the issuer's department (or else the case's, for an
        # issuer with no staff profile), at the moment the later request was made.
        issuer_department = (
            StaffProfile.objects.filter(user_id=notice.issued_by_id)
            .values_list("department_id", flat=True)
            .first()
        )
        NoticeBreach.objects.create(
            request=request,
            notice=notice,
            kind=NoticeBreachKind.NOTICE_INCOMPLETE,
            moment=request.requested_at,
            responsible_id=notice.issued_by_id,
            department_id=issuer_department or case.department_id,
        )
    return request
