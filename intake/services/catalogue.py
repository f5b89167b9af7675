"""Writes to the service catalogue: create, revise, load the default catalogue from a file.

A service item is never edited in place (ARCHITECTURE "History is append-only"): a
revision is a new row with the next version, its materials copied or replaced, and the
old row is retired. A notice handed out points at the version it was made from, so
changing the catalogue never changes what a citizen was told (DOMAIN §4).

``actor=None`` means the system (the deploy-time load of the catalogue): the permission
check is skipped and the audit rows carry no actor.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from accountability import audit, versioning
from accountability.models import Department, Regulation
from accountability.regulations import Basis
from accountability.services import require_permission_or_system
from deadlines.models import ClockKind, MatterKind, TimeLimitPolicy
from deadlines.services.cases import ACCEPTED
from deadlines.services.policies import policy_create, policy_retire, policy_revise
from deadlines.worktime import EndRule
from intake.models import ServiceItem, ServiceItemMaterial, material_errors

if TYPE_CHECKING:
    from django.contrib.auth.models import User

# What a revision may change; the identity (code), the version and the bookkeeping
# fields belong to the service.
REVISABLE_FIELDS: Final[tuple[str, ...]] = (
    "name",
    "kind",
    "department",
    "legal_basis",
    "conditions",
    "quantity_limit",
    "procedure",
    "fee_basis",
    "fee_standard",
    "refusal_reasons",
    "statutory_limit_amount",
    "statutory_limit_unit",
    "promised_limit_amount",
    "promised_limit_unit",
    "allows_deficiency",
    "touches_safety",
    "note",
)
MATERIAL_FIELDS: Final[tuple[str, ...]] = (
    "name",
    "form_requirements",
    "is_required",
    "may_be_deficient",
)
# A catalogue file gives these for each entry; `department` is a department's code.
FILE_FIELDS: Final[tuple[str, ...]] = ("code", *REVISABLE_FIELDS, "materials")

MaterialRow = tuple[str, str, bool, bool]


@dataclass(frozen=True)
class CatalogueLoadReport(versioning.LoadReport):
    """Codes the load created (version 1), revised (a new version) or left as they were,
    and the codes whose department is not (yet) in the organisation."""

    without_department: list[str] = field(default_factory=list)


# Each catalogue item's promised limit is a time-limit policy of its own (DOMAIN §3, §4):
# an accepted application runs it from its acceptance. The catalogue keeps it in step;
# its code is the item's, prefixed.
PROMISED_LIMIT_CODE: Final = "promised-{code}"


def _promised_limit_fields(item: ServiceItem) -> dict[str, Any]:
    with translation.override(settings.LANGUAGE_CODE):
        name = _("%(item)s: promised limit") % {"item": item.name}
        note = _(
            "The promised limit of the catalogue item “%(item)s”, kept in step with the "
            "catalogue; it may only be shorter than the statutory limit."
        ) % {"item": item.name}
    return {
        "name": name[:120],
        "clock_kind": ClockKind.CLOSURE,
        "matter_kind": MatterKind.APPLICATION,
        "urgency": "",
        "channels": "",
        "service_item_code": item.code,
        "variant": ACCEPTED,
        "amount": item.promised_limit_amount,
        "unit": item.promised_limit_unit,
        "end_rule": EndRule.MIDNIGHT.value,
        "roll_off_rest_days": True,
        "is_statutory": False,
        "extension_approver": "",
        "warn_share": Decimal("0.80"),
        "warn_lead_amount": None,
        "warn_lead_unit": "",
        "max_extension_amount": None,
        "max_extension_unit": "",
        "regulation": Regulation.objects.get(code="window-service-rules"),
        "article": "附件7 第一条;附件9 第三条3",
        "basis": Basis.REGULATION,
        "note": note,
    }


def promised_limit_policy_sync(item: ServiceItem) -> TimeLimitPolicy | None:
    """Bring the policy of `item`'s promised limit in line with the item: created,
    revised (clocks already running keep their version) or, for an item without a
    promised limit, retired. The system acts: the catalogue change is the audited step."""
    code = PROMISED_LIMIT_CODE.format(code=item.code)
    current = TimeLimitPolicy.objects.filter(code=code, retired_at__isnull=True).first()
    reason = _("Catalogue item %(code)s, version %(version)s.") % {
        "code": item.code,
        "version": item.version,
    }
    if item.promised_limit_amount is None:
        if current is not None:
            policy_retire(actor=None, policy=current, reason=reason)
        return None
    fields = _promised_limit_fields(item)
    if current is None:
        return policy_create(actor=None, policy=TimeLimitPolicy(code=code, **fields), reason=reason)
    changes = {name: value for name, value in fields.items() if getattr(current, name) != value}
    if not changes:
        return current
    return policy_revise(actor=None, policy=current, changes=changes, reason=reason)


def material_rows(materials: Sequence[ServiceItemMaterial]) -> list[MaterialRow]:
    """The materials as comparable values, in the order the notice lists them."""
    return [
        (m.name, m.form_requirements, bool(m.is_required), bool(m.may_be_deficient))
        for m in materials
    ]


def _copy(material: ServiceItemMaterial) -> ServiceItemMaterial:
    return ServiceItemMaterial(**{name: getattr(material, name) for name in MATERIAL_FIELDS})


def _state(item: ServiceItem, materials: Sequence[ServiceItemMaterial]) -> dict[str, Any]:
    return {
        **audit.snapshot(item),
        "materials": [audit.snapshot(m, fields=list(MATERIAL_FIELDS)) for m in materials],
    }


def _field_label(name: str) -> str:
    if name == NON_FIELD_ERRORS:
        return _("material")
    return str(getattr(ServiceItemMaterial._meta.get_field(name), "verbose_name", name))


def _validate(item: ServiceItem, materials: Sequence[ServiceItemMaterial]) -> None:
    """Check the item and its materials together, so that every error is reported at
    once, before anything is written."""
    errors: dict[str, Any] = {}
    try:
        item.full_clean(exclude=["created_by"])
    except ValidationError as error:
        errors = error.update_error_dict(errors)
    material_messages: list[str] = []
    for index, material in enumerate(materials, start=1):
        try:
            # The item is saved after this check; the name's uniqueness within the item
            # is part of material_errors.
            material.full_clean(exclude=["item", "position"], validate_unique=False)
        except ValidationError as error:
            material_messages.extend(
                _("Material %(index)s (%(name)s), %(field)s: %(message)s")
                % {
                    "index": index,
                    "name": material.name,
                    "field": _field_label(name),
                    "message": message,
                }
                for name, messages in error.message_dict.items()
                for message in messages
            )
    material_messages.extend(material_errors(item, materials))
    if material_messages:
        errors.setdefault("materials", []).extend(material_messages)
    if errors:
        raise ValidationError(errors)


def _save_materials(
    item: ServiceItem, materials: Sequence[ServiceItemMaterial]
) -> list[ServiceItemMaterial]:
    rows = [_copy(material) for material in materials]
    for position, row in enumerate(rows, start=1):
        row.item = item
        row.position = position
    return ServiceItemMaterial.objects.bulk_create(rows)


@transaction.atomic
def service_item_create(
    *,
    actor: User | None,
    item: ServiceItem,
    materials: Sequence[ServiceItemMaterial] = (),
    reason: str = "",
) -> ServiceItem:
    """Save a new catalogue code as its version 1, with its materials in the given order."""
    require_permission_or_system(actor, "intake.add_serviceitem")
    if not item._state.adding:
        raise ValidationError(_("This service item is already saved; revise it instead."))
    if ServiceItem.objects.filter(code=item.code).exists():
        raise ValidationError(
            {
                "code": _(
                    "A service item with the code %(code)s already exists; revise it instead."
                )
                % {"code": item.code}
            }
        )
    versioning.stamp(item, actor=actor, version=1)
    _validate(item, materials)
    item.save()
    saved = _save_materials(item, materials)
    promised_limit_policy_sync(item)
    audit.record(
        actor=actor,
        action="service_item.create",
        obj=item,
        after=_state(item, saved),
        reason=reason,
    )
    return item


@transaction.atomic
def service_item_revise(
    *,
    actor: User | None,
    item: ServiceItem,
    changes: dict[str, Any],
    reason: str,
    materials: Sequence[ServiceItemMaterial] | None = None,
) -> ServiceItem:
    """Create the next version of `item` with `changes` applied, and retire `item`.

    `materials` replaces the list when given; otherwise the new version gets copies of
    the current one's. The current row is locked first, so of two people revising the
    same version one wins and the other is told that the version is retired.
    """
    require_permission_or_system(actor, "intake.change_serviceitem")
    versioning.check_revision(changes, reason, REVISABLE_FIELDS)
    current = versioning.lock_current(
        ServiceItem,
        item.pk,
        retired=_(
            "Version %(version)s of the service item %(code)s is retired; "
            "revise its current version instead."
        ),
    )
    current_materials = list(current.materials.all())
    new_materials = [_copy(m) for m in current_materials] if materials is None else list(materials)
    revised = versioning.next_version(current, REVISABLE_FIELDS, changes)
    versioning.refuse_unchanged(
        revised,
        current,
        REVISABLE_FIELDS,
        more_changed=material_rows(new_materials) != material_rows(current_materials),
    )
    before = _state(current, current_materials)
    now = versioning.retire_and_stamp(current, revised, actor=actor)
    _validate(revised, new_materials)
    revised.save()
    saved = _save_materials(revised, new_materials)
    item.retired_at = now  # the caller's copy tells the truth too
    promised_limit_policy_sync(revised)
    audit.record(
        actor=actor,
        action="service_item.revise",
        obj=revised,
        before=before,
        after=_state(revised, saved),
        reason=reason,
    )
    return revised


# -- the catalogue file -----------------------------------------------------------------


@dataclass(frozen=True)
class _Candidate:
    item: ServiceItem
    materials: list[ServiceItemMaterial]
    department_missing: bool


def _entry(
    index: int, entry: Any, departments: dict[str, Department]
) -> tuple[_Candidate | None, list[str]]:
    """The candidate item of one file entry, or the messages that say what is wrong."""
    if not isinstance(entry, dict):
        return None, [
            _("Entry %(index)s: expected an object with the service item's fields.")
            % {"index": index}
        ]
    message = versioning.entry_message(
        _("Catalogue file, %(entry)s, field %(field)s: %(message)s"), index, entry
    )
    errors = versioning.field_errors(entry, FILE_FIELDS, message)
    materials: list[ServiceItemMaterial] = []
    raw_materials = entry.get("materials", [])
    if not isinstance(raw_materials, list):
        errors.append(message("materials", _("expected a list of materials.")))
        raw_materials = []
    for number, raw in enumerate(raw_materials, start=1):
        where = f"materials[{number}]"
        if not isinstance(raw, dict):
            errors.append(message(where, _("expected an object with the material's fields.")))
            continue
        errors.extend(
            message(where, _("%(key)s missing.") % {"key": key})
            for key in MATERIAL_FIELDS
            if key not in raw
        )
        errors.extend(
            message(where, _("%(key)s is an unknown field.") % {"key": key})
            for key in sorted(set(raw) - set(MATERIAL_FIELDS))
        )
        materials.append(ServiceItemMaterial(**{k: raw[k] for k in MATERIAL_FIELDS if k in raw}))
    department_code = entry.get("department")
    if department_code is not None and not isinstance(department_code, str):
        errors.append(message("department", _("expected a department's code or null.")))
    if errors:
        return None, errors
    department = departments.get(department_code) if department_code else None
    candidate = ServiceItem(
        department=department,
        **{name: entry[name] for name in FILE_FIELDS if name not in {"department", "materials"}},
    )
    try:
        candidate.clean_fields(exclude=["created_by", "department"])
        candidate.clean()
    except ValidationError as error:
        for name, texts in error.message_dict.items():
            errors.extend(message(name, text) for text in texts)
    for number, material in enumerate(materials, start=1):
        try:
            material.full_clean(exclude=["item", "position"], validate_unique=False)
        except ValidationError as error:
            errors.extend(
                message(f"materials[{number}].{name}", text)
                for name, texts in error.message_dict.items()
                for text in texts
            )
    errors.extend(message("materials", text) for text in material_errors(candidate, materials))
    if errors:
        return None, errors
    return (
        _Candidate(
            item=candidate,
            materials=materials,
            department_missing=bool(department_code) and department is None,
        ),
        [],
    )


def _read(path: Path) -> list[_Candidate]:
    data = versioning.read_list(
        path,
        unreadable=_("The catalogue file %(path)s cannot be read: %(error)s"),
        not_a_list=_("The catalogue file %(path)s must hold a list of service items."),
    )
    codes = [entry.get("department") for entry in data if isinstance(entry, dict)]
    departments = {
        department.code: department
        for department in Department.objects.filter(
            code__in=[code for code in codes if isinstance(code, str)]
        )
    }
    return versioning.check_entries(
        data,
        lambda index, entry: _entry(index, entry, departments),
        code=lambda candidate: candidate.item.code,
        used_twice=_("Catalogue file, entry %(index)s (%(code)s), field code: used twice."),
    )


@transaction.atomic
def catalogue_load(*, actor: User | None, path: Path) -> CatalogueLoadReport:
    """Bring the catalogue in line with a file; safe to run again.

    A new code gets version 1, a code whose entry differs from its current version gets
    a new version (through `service_item_revise`), an identical one is left alone. Codes
    in the database but not in the file are left alone too: an administrator may have
    added them. A malformed file is refused as a whole, naming each bad entry and field.

    An entry's department is looked up by code; when the organisation has no such
    department yet (a fresh installation loads the catalogue before its org chart), the
    item is loaded without one and its code is reported, and a later load attaches it.
    """
    # Checked up front, so that a user without the right is refused even by a file that
    # would change nothing.
    require_permission_or_system(actor, "intake.add_serviceitem")
    require_permission_or_system(actor, "intake.change_serviceitem")
    candidates = _read(path)
    reason = versioning.loaded_from(path)

    def create(candidate: _Candidate) -> None:
        service_item_create(
            actor=actor, item=candidate.item, materials=candidate.materials, reason=reason
        )

    def revise(candidate: _Candidate, existing: ServiceItem) -> bool:
        changes = versioning.changed_fields(candidate.item, existing, REVISABLE_FIELDS)
        same_materials = material_rows(candidate.materials) == material_rows(
            list(existing.materials.all())
        )
        if not changes and same_materials:
            # An item loaded before its promised limit became a policy gets it now.
            promised_limit_policy_sync(existing)
            return False
        service_item_revise(
            actor=actor,
            item=existing,
            changes=changes,
            materials=candidate.materials,
            reason=reason,
        )
        return True

    report = CatalogueLoadReport(
        without_department=[c.item.code for c in candidates if c.department_missing]
    )
    versioning.load(
        candidates,
        ServiceItem.objects.select_related("department").prefetch_related("materials"),
        report,
        code=lambda candidate: candidate.item.code,
        create=create,
        revise=revise,
    )
    return report
