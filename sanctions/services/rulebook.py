"""Loading the rulebook and the violation types from their files (idempotent), and the
rulebook in force as the engine's plain data."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from accountability import audit
from accountability.models import Regulation
from accountability.services import require_permission_or_system
from sanctions.engine import RulebookSpec, RuleSpec
from sanctions.models import (
    Rule,
    RulebookVersion,
    SanctionKind,
    Severity,
    ViolationFamily,
    ViolationType,
)
from sanctions.rulebook_file import parse_rulebook, parse_violation_types

if TYPE_CHECKING:
    from django.contrib.auth.models import User

FIXTURES = Path(settings.BASE_DIR) / "fixtures"
RULEBOOK_FILE = FIXTURES / "rulebook.json"
VIOLATION_TYPES_FILE = FIXTURES / "violation_types.json"


def _read(path: Path) -> Any:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        raise ValidationError(
            _("Cannot read %(path)s: %(error)s") % {"path": path, "error": error}
        ) from error


def _regulations() -> dict[str, Regulation]:
    """The register by code: the files name regulations by their code."""
    return {regulation.code: regulation for regulation in Regulation.objects.all()}


def rulebook_create(
    *, actor: User | None, data: Any, source: str = ""
) -> tuple[RulebookVersion, bool]:
    """A rulebook version from its data; the existing version when the same rules were
    loaded before (same digest), so loading a file twice makes one version."""
    require_permission_or_system(actor, "sanctions.add_rulebookversion")
    try:
        regulations = _regulations()
        parsed = parse_rulebook(
            data,
            kinds=set(SanctionKind.values),
            families=set(ViolationFamily.values),
            regulations=set(regulations),
        )
    except (ValueError, KeyError, TypeError) as error:
        raise ValidationError(
            _("The rulebook is not valid: %(error)s") % {"error": error}
        ) from error
    existing = RulebookVersion.objects.filter(digest=parsed["digest"]).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            version = RulebookVersion.objects.create(
                label=parsed["label"],
                title=parsed["title"],
                digest=parsed["digest"],
                source=source[:200],
                loaded_by=audit.user_or_none(actor),
            )
            Rule.objects.bulk_create(
                Rule(version=version, **rule | {"regulation": regulations[rule["regulation"]]})
                for rule in parsed["rules"]
            )
            audit.record(
                actor=actor,
                action="rulebook.load",
                obj=version,
                after={
                    "label": version.label,
                    "digest": version.digest,
                    "rules": len(parsed["rules"]),
                },
            )
    except IntegrityError:
        # Loaded by someone else at the same moment.
        return RulebookVersion.objects.get(digest=parsed["digest"]), False
    return version, True


def rulebook_load(
    *, actor: User | None, path: Path = RULEBOOK_FILE
) -> tuple[RulebookVersion, bool]:
    return rulebook_create(actor=actor, data=_read(path), source=Path(path).name)


@dataclass(frozen=True)
class TypesLoadReport:
    created: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)


@transaction.atomic
def violation_types_load(
    *, actor: User | None, path: Path = VIOLATION_TYPES_FILE
) -> TypesLoadReport:
    """Create or update the violation types of the file (by code); others are kept."""
    require_permission_or_system(actor, "sanctions.change_violationtype")
    try:
        regulations = _regulations()
        rows = [
            {name: value for name, value in row.items() if name != "regulation"}
            | {"regulation_id": regulations[row["regulation"]].pk}
            for row in parse_violation_types(
                _read(path),
                families=set(ViolationFamily.values),
                severities=set(Severity.values),
                regulations=set(regulations),
            )
        ]
    except (ValueError, KeyError, TypeError) as error:
        raise ValidationError(
            _("The violation types are not valid: %(error)s") % {"error": error}
        ) from error
    report = TypesLoadReport()
    for row in rows:
        current = ViolationType.objects.filter(code=row["code"]).first()
        if current is None:
            created = ViolationType.objects.create(**row)
            audit.record(
                actor=actor,
                action="violation_type.create",
                obj=created,
                after=audit.snapshot(created),
            )
            report.created.append(row["code"])
            continue
        before = audit.snapshot(current)
        if all(getattr(current, name) == value for name, value in row.items()):
            report.unchanged.append(row["code"])
            continue
        for name, value in row.items():
            setattr(current, name, value)
        current.save()
        audit.record(
            actor=actor,
            action="violation_type.change",
            obj=current,
            before=before,
            after=audit.snapshot(current),
        )
        report.changed.append(row["code"])
    return report


def rulebook_current() -> RulebookVersion:
    """The rulebook in force: the last version loaded (by id: loading is what counts, not
    the clock). A fresh installation gets the default rulebook of fixtures/ on first
    use."""
    version = RulebookVersion.objects.order_by("-id").first()
    if version is None:
        version, _created = rulebook_load(actor=None)
    return version


def rulebook_spec(version: RulebookVersion) -> RulebookSpec:
    """A version's rules as the engine's plain data (one query)."""
    rules = tuple(
        RuleSpec(
            number=rule.number,
            title=rule.title,
            citation=rule.citation,
            trigger=rule.trigger,
            params=rule.params,
            id=rule.pk,
        )
        for rule in Rule.objects.filter(version=version)
        .select_related("regulation")
        .order_by("number")
    )
    return RulebookSpec(version_id=version.pk, label=version.label, rules=rules)
