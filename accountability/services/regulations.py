"""Every write to the register of regulations: the admin's saves and the load of
fixtures/regulations.json (manage.py load_defaults)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accountability import audit
from accountability.models import Regulation
from accountability.services.permissions import require_permission_or_system

if TYPE_CHECKING:
    from django.contrib.auth.models import User

REGULATIONS_FILE: Final = Path(settings.BASE_DIR) / "fixtures" / "regulations.json"
FILE_FIELDS: Final = ("code", "title", "issuing_body", "document_number", "issued_on", "articles")
OPTIONAL_FILE_FIELDS: Final = ("note",)


@transaction.atomic
def regulation_save(*, actor: User | None, regulation: Regulation, reason: str = "") -> Regulation:
    """Create or change a regulation of the register (the admin and the loader call this)."""
    adding = regulation._state.adding
    require_permission_or_system(
        actor, "accountability.add_regulation" if adding else "accountability.change_regulation"
    )
    return audit.audited_save(actor=actor, obj=regulation, action="regulation", reason=reason)


@dataclass(frozen=True)
class RegulationsLoadReport:
    created: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)


def parse_regulations(data: Any) -> list[dict[str, Any]]:
    """The entries of a regulations file as plain data; ValueError naming what is wrong.
    No models here: the data migration uses it too."""
    if not isinstance(data, list):
        raise ValueError("A regulations file is a list of regulations.")
    rows: list[dict[str, Any]] = []
    seen: set[str] = set()
    for index, raw in enumerate(data, start=1):
        if not isinstance(raw, dict):
            raise ValueError(f"Regulation {index}: expected an object.")
        code = str(raw.get("code", "")).strip()
        missing = [name for name in ("code", "title") if not str(raw.get(name, "")).strip()]
        if missing:
            raise ValueError(f"Regulation {index} ({code or '?'}) lacks {', '.join(missing)}.")
        unknown = set(raw) - set(FILE_FIELDS) - set(OPTIONAL_FILE_FIELDS) - {"_comment"}
        if unknown:
            raise ValueError(f"Regulation {code}: unknown field {', '.join(sorted(unknown))}.")
        if code in seen:
            raise ValueError(f"Regulation {code} appears twice.")
        seen.add(code)
        issued_on = raw.get("issued_on") or None
        if issued_on is not None:
            try:
                issued_on = date.fromisoformat(str(issued_on))
            except ValueError as error:
                raise ValueError(f"Regulation {code}: issued_on is not a date.") from error
        rows.append(
            {
                "code": code,
                "title": str(raw["title"]).strip().strip("《》"),
                "issuing_body": str(raw.get("issuing_body") or "").strip(),
                "document_number": str(raw.get("document_number") or "").strip(),
                "issued_on": issued_on,
                "articles": str(raw.get("articles") or "").strip(),
                "note": str(raw.get("note") or "").strip(),
            }
        )
    return rows


@transaction.atomic
def regulations_load(*, actor: User | None, path: Path = REGULATIONS_FILE) -> RegulationsLoadReport:
    """Add the regulations of a file that the register lacks (by code); safe to run again.

    A regulation already in the register is kept as it is: administrators maintain the
    register, and a deployment must not undo their corrections. Regulations not in the
    file are kept too."""
    try:
        rows = parse_regulations(json.loads(Path(path).read_text(encoding="utf-8")))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, ValueError) as error:
        raise ValidationError(
            _("The regulations file %(path)s is not valid: %(error)s")
            % {"path": path, "error": error}
        ) from error
    report = RegulationsLoadReport()
    existing = set(
        Regulation.objects.filter(code__in=[row["code"] for row in rows]).values_list(
            "code", flat=True
        )
    )
    reason = _("Loaded from %(file)s.") % {"file": Path(path).name}
    for row in rows:
        if row["code"] in existing:
            report.kept.append(row["code"])
            continue
        regulation_save(actor=actor, regulation=Regulation(**row), reason=reason)
        report.created.append(row["code"])
    return report
