"""Writes to time-limit policies: create, revise, load the defaults from a file.

A policy is never edited in place (ARCHITECTURE "History is append-only"): a revision
is a new row with the next version, and the old row is retired. Clocks hold a foreign
key to the version they started under, so they keep counting by it.

``actor=None`` means the system (the deploy-time load of the defaults): the permission
check is skipped and the audit rows carry no actor.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from accountability import audit, versioning
from accountability.models import Regulation
from accountability.services import require_permission_or_system
from deadlines.models import TimeLimitPolicy

if TYPE_CHECKING:
    from django.contrib.auth.models import User

# What a revision may change, and what a policy file gives for each entry. The identity
# (code), the version and the bookkeeping fields belong to the service.
REVISABLE_FIELDS: Final[tuple[str, ...]] = (
    "name",
    "clock_kind",
    "matter_kind",
    "urgency",
    "channels",
    "service_item_code",
    "variant",
    "amount",
    "unit",
    "end_rule",
    "roll_off_rest_days",
    "is_statutory",
    "warn_share",
    "warn_lead_amount",
    "warn_lead_unit",
    "extension_approver",
    "max_extension_amount",
    "max_extension_unit",
    "regulation",
    "article",
    "basis",
    "note",
)
FILE_FIELDS: Final[tuple[str, ...]] = ("code", *REVISABLE_FIELDS)


class PolicyLoadReport(versioning.LoadReport):
    """Codes the load created (version 1), revised (a new version) or left as they were."""


@transaction.atomic
def policy_create(
    *, actor: User | None, policy: TimeLimitPolicy, reason: str = ""
) -> TimeLimitPolicy:
    """Save a new policy code as its version 1, or bring back a code whose versions are
    all retired as its next version."""
    require_permission_or_system(actor, "deadlines.add_timelimitpolicy")
    if not policy._state.adding:
        raise ValidationError(_("This policy is already saved; revise it instead."))
    if TimeLimitPolicy.objects.filter(code=policy.code, retired_at__isnull=True).exists():
        raise ValidationError(
            {
                "code": _("A policy with the code %(code)s already exists; revise it instead.")
                % {"code": policy.code}
            }
        )
    last = TimeLimitPolicy.objects.filter(code=policy.code).aggregate(last=Max("version"))["last"]
    versioning.stamp(policy, actor=actor, version=(last or 0) + 1)
    policy.full_clean()
    policy.save()
    audit.record(
        actor=actor,
        action="policy.create",
        obj=policy,
        after=audit.snapshot(policy),
        reason=reason,
    )
    return policy


@transaction.atomic
def policy_revise(
    *, actor: User | None, policy: TimeLimitPolicy, changes: dict[str, Any], reason: str
) -> TimeLimitPolicy:
    """Create the next version of `policy` with `changes` applied, and retire `policy`.

    The current row is locked first, so of two people revising the same version one wins
    and the other is told that the version is retired.
    """
    require_permission_or_system(actor, "deadlines.change_timelimitpolicy")
    versioning.check_revision(changes, reason, REVISABLE_FIELDS)
    current = versioning.lock_current(
        TimeLimitPolicy,
        policy.pk,
        retired=_(
            "Version %(version)s of the policy %(code)s is retired; "
            "revise its current version instead."
        ),
    )
    revised = versioning.next_version(current, REVISABLE_FIELDS, changes)
    versioning.refuse_unchanged(revised, current, REVISABLE_FIELDS)
    before = audit.snapshot(current)
    now = versioning.retire_and_stamp(current, revised, actor=actor)
    revised.full_clean()
    revised.save()
    policy.retired_at = now  # the caller's copy tells the truth too
    audit.record(
        actor=actor,
        action="policy.revise",
        obj=revised,
        before=before,
        after=audit.snapshot(revised),
        reason=reason,
    )
    return revised


@transaction.atomic
def policy_retire(*, actor: User | None, policy: TimeLimitPolicy, reason: str) -> TimeLimitPolicy:
    """Take a policy out of force without a successor (clocks started under it keep it)."""
    require_permission_or_system(actor, "deadlines.change_timelimitpolicy")
    current = TimeLimitPolicy.objects.select_for_update().get(pk=policy.pk)
    if current.retired_at is not None:
        return current
    current.retired_at = timezone.now()
    current.save(update_fields=["retired_at"])
    audit.record(
        actor=actor,
        action="policy.retire",
        obj=current,
        before={"retired_at": None},
        after={"retired_at": current.retired_at.isoformat()},
        reason=reason,
    )
    return current


def _entry_errors(index: int, entry: Any) -> tuple[TimeLimitPolicy | None, list[str]]:
    """The candidate policy of one file entry, or the messages that say what is wrong."""
    if not isinstance(entry, dict):
        return None, [
            _("Entry %(index)s: expected an object with the policy's fields.") % {"index": index}
        ]
    message = versioning.entry_message(
        _("Policy file, %(entry)s, field %(field)s: %(message)s"), index, entry
    )
    errors = versioning.field_errors(entry, FILE_FIELDS, message)
    if errors:
        return None, errors
    # The file names the regulation by its code in the register; null only for a practice
    # that no regulation states.
    regulation = None
    if entry["regulation"] is not None:
        regulation = Regulation.objects.filter(code=str(entry["regulation"])).first()
        if regulation is None:
            return None, [
                message(
                    "regulation",
                    _(
                        "unknown regulation %(code)s; the register has %(known)s "
                        "(fixtures/regulations.json, loaded by manage.py load_defaults)."
                    )
                    % {
                        "code": entry["regulation"],
                        "known": ", ".join(
                            Regulation.objects.order_by("code").values_list("code", flat=True)
                        )
                        or "—",
                    },
                )
            ]
    candidate = TimeLimitPolicy(
        **{name: entry[name] for name in FILE_FIELDS if name != "regulation"},
        regulation=regulation,
    )
    try:
        candidate.clean_fields(exclude=["created_by"])
    except ValidationError as error:
        for name, texts in error.message_dict.items():
            errors.extend(message(name, text) for text in texts)
        return None, errors
    # Uniqueness involves the stored versions and is checked on save. Check constraints
    # (a warning lead needs its unit) are checked here, one by one, so that each error
    # names the fields its constraint is about.
    every_field = {f.name for f in TimeLimitPolicy._meta.concrete_fields}
    for constraint in TimeLimitPolicy._meta.constraints:
        if not (
            isinstance(constraint, models.CheckConstraint)
            and isinstance(constraint.condition, models.Q)
        ):
            continue
        referenced = constraint.condition.referenced_base_fields
        try:
            # Excluding every other field leaves this constraint alone to be checked.
            candidate.validate_constraints(exclude=every_field - referenced)
        except ValidationError as error:
            fields = ", ".join(sorted(referenced))
            errors.extend(message(fields, text) for text in error.messages)
    return (None, errors) if errors else (candidate, [])


def _read(path: Path) -> list[TimeLimitPolicy]:
    data = versioning.read_list(
        path,
        unreadable=_("The policy file %(path)s cannot be read: %(error)s"),
        not_a_list=_("The policy file %(path)s must hold a list of policies."),
    )
    return versioning.check_entries(
        data,
        _entry_errors,
        code=lambda candidate: candidate.code,
        used_twice=_("Policy file, entry %(index)s (%(code)s), field code: used twice."),
    )


@transaction.atomic
def policies_load(*, actor: User | None, path: Path) -> PolicyLoadReport:
    """Bring the database in line with a policy file; safe to run again.

    A new code gets version 1, a code whose file entry differs from its current version
    gets a new version (through `policy_revise`), an identical one is left alone. Codes
    in the database but not in the file are left alone too: an administrator may have
    added them. A malformed file is refused as a whole, naming each bad entry and field.
    """
    candidates = _read(path)
    reason = versioning.loaded_from(path)

    def revise(candidate: TimeLimitPolicy, existing: TimeLimitPolicy) -> bool:
        changes = versioning.changed_fields(candidate, existing, REVISABLE_FIELDS)
        if changes:
            policy_revise(actor=actor, policy=existing, changes=changes, reason=reason)
        return bool(changes)

    report = PolicyLoadReport()
    versioning.load(
        candidates,
        TimeLimitPolicy.objects.select_related("regulation"),
        report,
        code=lambda candidate: candidate.code,
        create=lambda candidate: policy_create(actor=actor, policy=candidate, reason=reason),
        revise=revise,
    )
    return report
