"""What the engine's modules share: the time zone, the kinds and families the rules single
out, the periods (month, year) a record falls in, and the texts that explain what was
counted and what was not.

Private to the package: proposals, aggregates and awards build on it. Other code
imports LOCAL_TZ and the helpers from sanctions.engine.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _

from sanctions.models.kinds import SanctionKind

if TYPE_CHECKING:
    from sanctions.engine.data import NotCounted, RecordRef, RuleSpec

LOCAL_TZ = ZoneInfo("Asia/Shanghai")

# Violations raised by an aggregate firing are not counted again by aggregate rules.
AGGREGATE_FAMILIES = frozenset({"repeated_complaints", "department_warnings", "leadership"})
WARNINGS = frozenset({SanctionKind.ORAL_WARNING.value, SanctionKind.WRITTEN_WARNING.value})
SERIOUS = frozenset({"serious", "grave"})
AWARD = SanctionKind.AWARD_INELIGIBILITY.value


# -- helpers --------------------------------------------------------------------------------


def _local(at: datetime) -> datetime:
    return at.astimezone(LOCAL_TZ)


def month_of(at: datetime) -> str:
    return f"{_local(at):%Y-%m}"


def year_of(at: datetime) -> str:
    return f"{_local(at):%Y}"


def _months_back(period: str, months: int) -> set[str]:
    """The calendar month `period` (YYYY-MM) and the months-1 before it."""
    year, month = (int(part) for part in period.split("-"))
    found = set()
    for _i in range(months):
        found.add(f"{year:04d}-{month:02d}")
        month -= 1
        if month == 0:
            year, month = year - 1, 12
    return found


def kind_label(kind: str) -> str:
    try:
        return str(SanctionKind(kind).label)
    except ValueError:
        return kind


def ref_text(ref: RecordRef) -> str:
    return _("%(kind)s #%(id)s of %(date)s%(label)s") % {
        "kind": _("violation") if ref.kind == "violation" else _("decision"),
        "id": ref.id,
        "date": f"{_local(ref.at):%Y-%m-%d}",
        "label": f" ({ref.label})" if ref.label else "",
    }


def _refs_text(refs: Sequence[RecordRef]) -> str:
    return "; ".join(ref_text(ref) for ref in refs)


def not_counted_text(items: Sequence[NotCounted]) -> str:
    return "; ".join(
        _("%(record)s: %(reason)s") % {"record": ref_text(item.ref), "reason": item.reason}
        for item in items
    )


def _counting_text(counted: Sequence[RecordRef], not_counted: Sequence[NotCounted]) -> str:
    text = (
        _("Records counted: %(records)s.") % {"records": _refs_text(counted)}
        if counted
        else _("No earlier records counted.")
    )
    if not_counted:
        text += " " + _("Not counted: %(records)s.") % {"records": not_counted_text(not_counted)}
    return text


def explain(
    rule: RuleSpec,
    kinds: Sequence[str],
    mode: str,
    counted: Sequence[RecordRef],
    label: str,
    not_counted: Sequence[NotCounted] = (),
) -> str:
    joiner = _(" and ") if mode == "all" else _(" or ")
    text = _("Rule %(number)s (%(citation)s): %(title)s%(clause)s. Proposes: %(kinds)s.") % {
        "number": rule.number,
        "citation": rule.citation,
        "title": rule.title,
        "clause": f" [{label}]" if label else "",
        "kinds": joiner.join(kind_label(kind) for kind in kinds),
    }
    return text + " " + _counting_text(counted, not_counted)
