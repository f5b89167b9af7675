"""The staff search: one box for a case number (or a receipt line pasted whole), the
citizen's phone, name, address or account number, or the subject, over the cases the user
may see; the lists (my cases, department cases) narrow by the same filter.

On PostgreSQL a search of three or more characters is a substring match served by the
pg_trgm GIN indexes of migration 0014; pg_trgm extracts no trigram from a one- or
two-character pattern (a `LIKE '%张三%'` would read the whole index), so a shorter search
matches a field that equals it or begins with it, served by the btree indexes of the same
migration. SQLite scans.

A case whose complainant the user may not see (deadlines.rules.complainant_visible_q) is
found by its number and subject only: a hit on its identity would tell who complained.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.db.models import (
    BooleanField,
    ExpressionWrapper,
    Field,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)

from deadlines.models import Case, Clock
from deadlines.rules import complainant_visible_q, viewable_cases_q
from deadlines.selectors.clocks import running_clocks

# A case number anywhere in the text: a receipt line carries it with the lookup secret
# ("2026-000123 K7Q2-9XPM"); the secret is never searched (only its digest is stored).
CASE_NUMBER_IN_TEXT = re.compile(r"(?<!\d)\d{4}-\d{6,}(?!\d)")
# Below this length pg_trgm has no trigram to look up: equal-or-prefix instead.
SUBSTRING_FROM = 3
MAX_QUERY = 100


@dataclass(frozen=True)
class SearchField:
    name: str
    identity: bool  # the complainant's identity, protected on complaints about staff

    @property
    def label(self) -> str:
        """The field's own name, as the case page labels it."""
        field = Case._meta.get_field(self.name)
        assert isinstance(field, Field)
        return str(field.verbose_name)


FIELDS = (
    SearchField("number", identity=False),
    SearchField("subject", identity=False),
    SearchField("citizen_name", identity=True),
    SearchField("citizen_phone", identity=True),
    SearchField("citizen_address", identity=True),
    SearchField("citizen_account", identity=True),
)


def search_terms(text: str) -> tuple[str, bool]:
    """The term to look for, and whether it is a case number read off a receipt line."""
    text = " ".join(text.split())[:MAX_QUERY]
    number = CASE_NUMBER_IN_TEXT.search(text)
    if number is not None:
        return number.group(0), True
    return text, False


def _field_matches(field: str, term: str) -> Q:
    if len(term) >= SUBSTRING_FROM:
        return Q(**{f"{field}__contains": term})
    return Q(**{f"{field}__startswith": term})


def _matched_name(field: str) -> str:
    return f"matched_{field}"


def _matches_by_field(user: Any, text: str) -> dict[str, Q]:
    """What each field must hold for the text to find a case through it; a protected
    identity only where the user may see the complainant. Empty when there is nothing to
    search."""
    term, is_number = search_terms(text)
    if not term:
        return {}
    if is_number:
        return {"number": Q(number=term)}
    shows_identity = complainant_visible_q(user)
    matches: dict[str, Q] = {}
    for field in FIELDS:
        matches[field.name] = _field_matches(field.name, term)
        if field.identity:
            matches[field.name] &= shows_identity
    return matches


def search_filter(user: Any, text: str) -> Q | None:
    """The cases the text finds for this user among all cases (visibility not included:
    a list adds it, or is already narrower); None when there is nothing to search."""
    matches = _matches_by_field(user, text)
    if not matches:
        return None
    found = Q()
    for field_matches in matches.values():
        found |= field_matches
    return found


def case_search(*, user: Any, text: str) -> QuerySet[Case]:
    """The cases the user may see that the text finds, newest first, each annotated with
    which fields matched (matched_<field>) for the page to say why and with its next
    deadline (for deadlines.selectors.clocks.case_colour), in the same query."""
    matches = _matches_by_field(user, text)
    found = search_filter(user, text)
    if found is None:
        return Case.objects.none()
    running = Clock.objects.filter(running_clocks(), case=OuterRef("pk"))
    reasons = {
        _matched_name(name): ExpressionWrapper(field_matches, output_field=BooleanField())
        for name, field_matches in matches.items()
    }
    return (
        Case.objects.filter(viewable_cases_q(user))
        .filter(found)
        .select_related("department", "handler")
        .annotate(
            **reasons,
            # Per row shown, not an aggregate over every match: a broad search (a common
            # word of the subject) sorts and pages without grouping all its hits.
            next_due=Subquery(running.order_by("due_at").values("due_at")[:1]),
            first_warning=Subquery(
                running.filter(warn_at__isnull=False).order_by("warn_at").values("warn_at")[:1]
            ),
        )
        .order_by("-opened_at", "-id")
    )


def match_reasons(case: Case) -> list[str]:
    """The labels of the fields a found case matched on (never their values)."""
    return [field.label for field in FIELDS if getattr(case, _matched_name(field.name), False)]
