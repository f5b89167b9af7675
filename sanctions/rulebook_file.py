"""Reading a rulebook file and a violation-types file: validation and the content digest.

No models here (the data migration uses it with historical models): plain data in,
plain data out, ValueError with a message for a bad file.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

RULE_FIELDS = (
    "number",
    "title",
    "condition",
    "proposes",
    "regulation",
    "article",
    "trigger",
    "params",
)
TRIGGERS = ("violation", "aggregate", "consequence")
TYPE_FIELDS = ("code", "name", "family", "regulation", "article", "default_severity")


def parse_rulebook(
    data: Any, *, kinds: set[str], families: set[str], regulations: set[str]
) -> dict[str, Any]:
    """The rulebook of a file as {"label", "title", "rules": [...], "digest"}; raises
    ValueError naming what is wrong. Each rule names its regulation by its code in the
    register (`regulations`: the codes known) and the article."""
    if not isinstance(data, dict) or not isinstance(data.get("rules"), list):
        raise ValueError("A rulebook file is an object with a list of rules.")
    label, title = str(data.get("label", "")).strip(), str(data.get("title", "")).strip()
    if not label or not title:
        raise ValueError("A rulebook needs a label and a title.")
    rules: list[dict[str, Any]] = []
    seen: set[int] = set()
    for raw in data["rules"]:
        missing = [name for name in RULE_FIELDS if name not in raw]
        if missing:
            raise ValueError(f"Rule {raw.get('number', '?')} lacks {', '.join(missing)}.")
        number = int(raw["number"])
        if number in seen:
            raise ValueError(f"Rule {number} appears twice.")
        seen.add(number)
        if raw["trigger"] not in TRIGGERS:
            raise ValueError(f"Rule {number}: unknown trigger {raw['trigger']!r}.")
        _check_regulation(f"Rule {number}", raw, regulations)
        for clause in raw["params"].get("clauses", ()):
            unknown_kinds = set(clause.get("kinds", ())) - kinds
            unknown_families = set(clause.get("families", ())) - families
            if not clause.get("kinds"):
                raise ValueError(f"Rule {number}: a clause proposes no sanction.")
            if unknown_kinds or unknown_families:
                raise ValueError(
                    f"Rule {number}: unknown "
                    + ", ".join(sorted(unknown_kinds | unknown_families))
                    + "."
                )
            if clause.get("mode", "all") not in ("all", "any"):
                raise ValueError(f"Rule {number}: mode is all or any.")
        rules.append({name: raw[name] for name in RULE_FIELDS} | {"number": number})
    rules.sort(key=lambda rule: rule["number"])
    canonical = json.dumps(
        {"label": label, "title": title, "rules": rules},
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    digest = hashlib.sha256(canonical.encode()).hexdigest()
    return {"label": label, "title": title, "rules": rules, "digest": digest}


def _check_regulation(what: str, raw: dict[str, Any], regulations: set[str]) -> None:
    code = str(raw.get("regulation") or "").strip()
    if not code:
        raise ValueError(f"{what} names no regulation.")
    if code not in regulations:
        raise ValueError(
            f"{what}: unknown regulation {code!r}; the register has "
            f"{', '.join(sorted(regulations)) or 'none'} (fixtures/regulations.json, loaded "
            "by manage.py load_defaults)."
        )
    if not str(raw.get("article") or "").strip():
        raise ValueError(f"{what} names no article of {code}.")


def parse_violation_types(
    data: Any, *, families: set[str], severities: set[str], regulations: set[str]
) -> list[dict[str, Any]]:
    if not isinstance(data, list):
        raise ValueError("A violation-types file is a list.")
    rows = []
    for raw in data:
        missing = [name for name in TYPE_FIELDS if not str(raw.get(name, "")).strip()]
        if missing:
            raise ValueError(f"Violation type {raw.get('code', '?')} lacks {', '.join(missing)}.")
        if raw["family"] not in families or raw["default_severity"] not in severities:
            raise ValueError(f"Violation type {raw['code']}: unknown family or severity.")
        _check_regulation(f"Violation type {raw['code']}", raw, regulations)
        rows.append(
            {name: raw[name] for name in TYPE_FIELDS} | {"description": raw.get("description", "")}
        )
    return rows
