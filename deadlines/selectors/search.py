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
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import connection
from django.db.models import (
    BooleanField,
    ExpressionWrapper,
    F,
    Field,
    Func,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import StrIndex
from django.db.models.lookups import GreaterThan

from accountability.models import Department
from accountability.rules import is_inspection_office, is_leadership
from deadlines.models import Case
from deadlines.rules import _department_id, complainant_visible_q, viewable_cases_q

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

# A case number anywhere in the text: a receipt line carries it with the lookup secret
# ("2026-000123 K7Q2-9XPM"); the secret is never searched (only its digest is stored).
CASE_NUMBER_IN_TEXT = re.compile(r"(?<!\d)\d{4}-\d{6,}(?!\d)")
# Below this length pg_trgm has no trigram to look up: equal-or-prefix instead.
SUBSTRING_FROM = 3
# pg_trgm's words: runs of letters and digits. It pads each word of a `LIKE '%…%'`
# pattern with blanks where the pattern says the word ends (at a hyphen, a space), and
# asks the index for those edge trigrams too: "WA-00012345" for "wa ", "  0" and " 00",
# which every account number holds (800k index entries each, 20-35 ms at a million
# cases), where "00012345" alone asks for six inner trigrams a few cases hold (1 ms).
WORD = re.compile(r"[^\W_]+")
MAX_QUERY = 100
# A search that finds more is too broad to page through: the page shows the latest this
# many and asks for more words, and counting stops here, so a common word of the subject
# costs what a rare name does (issue 24; the latest-first index of Case.Meta.indexes
# reads the newest hits without sorting them all).
COUNT_UP_TO = 1000
# A broad search's pages up to this many hits deep are read from the latest-first index
# (SearchHits.__getitem__).
WALK_UP_TO = 50


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


def _longest_word(term: str) -> str | None:
    """The term's longest word, where the term holds more than one (see
    _field_matches); None when it is one word, or its words are too short for a
    trigram."""
    words = WORD.findall(term)
    if not words or words == [term]:
        return None
    longest = max(words, key=len)
    return longest if len(longest) >= SUBSTRING_FROM else None


def _field_matches(field: str, term: str) -> Q:
    if len(term) < SUBSTRING_FROM:
        return Q(**{f"{field}__startswith": term})
    word = _longest_word(term)
    if word is None or connection.vendor != "postgresql":
        return Q(**{f"{field}__contains": term})
    # The index finds the cases whose field holds the longest word, without its edges;
    # each is then tested for the whole term by position (strpos, the same test as
    # `LIKE '%term%'`, which the trigram index does not serve, so PostgreSQL does not ask
    # it for the edges' trigrams).
    return Q(**{f"{field}__contains": word}) & Q(GreaterThan(StrIndex(F(field), Value(term)), 0))


def _matched_name(field: str) -> str:
    return f"matched_{field}"


def _matches_by_field(user: User | AnonymousUser, text: str) -> dict[str, Q]:
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


def search_filter(user: User | AnonymousUser, text: str) -> Q | None:
    """The cases the text finds for this user among all cases (visibility not included:
    a list adds it, or is already narrower); None when there is nothing to search."""
    matches = _matches_by_field(user, text)
    if not matches:
        return None
    found = Q()
    for field_matches in matches.values():
        found |= field_matches
    return found


class _AnyOf(Func):
    """`(column = ANY(ARRAY(subquery)))` (PostgreSQL; the subquery compiles with its own
    parentheses): unlike `IN (subquery)`, a condition PostgreSQL reads from the column's
    index, so that it can join a BitmapOr."""

    arg_joiner = " = ANY(ARRAY"
    template = "(%(expressions)s))"
    output_field = BooleanField()


def _scope_from_indexes(user: User | AnonymousUser) -> Q | None:
    """viewable_cases_q over the case's own indexed columns only (the department a user
    heads as an array read first, not a join), for PostgreSQL to intersect with the
    search's index hits before it reads a case: a handler's 2-character name matches 10k
    cases among a million, a few hundred of them theirs. None where the user sees every
    case, or off PostgreSQL. The same cases as viewable_cases_q, which the search keeps
    (tests/deadlines/test_search.py compares the two)."""
    if connection.vendor != "postgresql" or not user.is_authenticated:
        return None
    if is_leadership(user) or is_inspection_office(user):
        return None
    headed = Department.objects.filter(head=user.pk).order_by().values("pk")
    scope = (
        Q(first_responder=user.pk)
        | Q(handler=user.pk)
        | Q(_AnyOf(F("department"), Subquery(headed)))
        | Q(supervisor=user.pk)
        | Q(leader=user.pk)
    )
    department_id = _department_id(user)
    if department_id is not None:
        scope |= Q(department=department_id)
    return scope


def case_search(*, user: User | AnonymousUser, text: str) -> QuerySet[Case]:
    """The cases the user may see that the text finds, newest first, each annotated with
    which fields matched (matched_<field>) for the page to say why and with its next
    deadline (for deadlines.selectors.clocks.case_colour), in the same query."""
    matches = _matches_by_field(user, text)
    found = search_filter(user, text)
    if found is None:
        return Case.objects.none()
    reasons = {
        _matched_name(name): ExpressionWrapper(field_matches, output_field=BooleanField())
        for name, field_matches in matches.items()
    }
    cases = Case.objects.filter(viewable_cases_q(user))
    scope = _scope_from_indexes(user)
    if scope is not None:
        cases = cases.filter(scope)
    hits = (
        cases.filter(found)
        .select_related("department", "handler")
        .annotate(
            **reasons,
            # The case's stored earliest moments of its running clocks (kept by the
            # database, deadlines migration 0018): no lookup of the clocks per row.
            next_due=F("next_due_at"),
            first_warning=F("first_warn_at"),
        )
        .order_by("-opened_at", "-id")
    )
    return hits


def case_search_hits(*, user: User | AnonymousUser, text: str) -> SearchHits:
    """case_search's hits for the search page's paginator, with the cases among them that
    an index alone finds (surely_found) to count first: every case, or one's own
    department's, is among the cases one may see (viewable_cases_q, and so
    _scope_from_indexes)."""
    if is_leadership(user) or is_inspection_office(user):
        own: QuerySet[Case] | None = Case.objects.all()
    else:
        department_id = _department_id(user)
        own = None if department_id is None else Case.objects.filter(department=department_id)
    return SearchHits(
        case_search(user=user, text=text),
        surely=None if own is None else surely_found(cases=own, text=text),
    )


@contextmanager
def planned_for_its_words(*, broad: bool = False) -> Iterator[None]:
    """Inside the block no statement is prepared (psycopg's prepare_threshold, see
    accountability.env): PostgreSQL plans each search for its own words. A prepared
    search gets a generic plan after five runs, made for no words in particular, which
    reads the latest-first index to its end for a rare name (2.5 s at a million cases
    instead of 0.1 s). A ``broad`` search's page (more hits than the cap) is planned
    without bitmap scans: see SearchHits.__getitem__."""
    if connection.vendor != "postgresql":
        yield
        return
    from psycopg.pq import TransactionStatus

    connection.ensure_connection()
    driver = connection.connection
    threshold = driver.prepare_threshold
    driver.prepare_threshold = None
    if broad:
        driver.execute("SET enable_bitmapscan = off")
    try:
        yield
    finally:
        driver.prepare_threshold = threshold
        # A failed statement's transaction undoes the SET itself when it rolls back, and
        # takes no other statement until then.
        if broad and driver.info.transaction_status != TransactionStatus.INERROR:
            driver.execute("RESET enable_bitmapscan")


def surely_found(*, cases: QuerySet[Case], text: str) -> QuerySet[Case] | None:
    """Those of ``cases`` whose subject begins with the text (so holds it), read from an
    index alone (migration 0022's (department, subject) one, 0023's (handler, subject)
    and (first responder, subject) ones, or 0015's subject one): for ``cases`` that are
    some of the hits but for the words (a user's own department among all they may see,
    a department's list, the cases a person handles, or first responded to and does not
    handle, in their list), some of the hits, where a common word of the
    subject finds more than COUNT_UP_TO in a thousand index entries (count_up_to). None
    where the text is a case number, or off PostgreSQL."""
    term, is_number = search_terms(text)
    if not term or is_number or connection.vendor != "postgresql":
        return None
    return cases.filter(subject__startswith=term)


def count_up_to(hits: QuerySet[Case], surely: QuerySet[Case] | None, cap: int) -> int:
    """The hits counted in no order (any cap + 1 say there are more), up to cap + 1.
    ``surely`` (some of the hits, see surely_found) is counted first, from its index
    alone: where it holds more than the cap, the hits are not read (a common word's
    200k trigram index entries, 35-50 ms at a million cases)."""
    if surely is None:
        return hits.order_by()[: cap + 1].count()
    return count_rows_up_to(hits.order_by().values("pk").query.sql_with_params(), [surely], cap)


def count_rows_up_to(
    rows: tuple[str, Sequence[Any]], surely: Sequence[QuerySet[Case]], cap: int
) -> int:
    """The rows of a statement (its SQL and parameters: a person's list is a union of
    branches) counted up to cap + 1, after ``surely``, some of the rows in disjoint parts,
    each counted up to cap + 1 from its own index alone (an index-only scan of a scan's
    index can take no OR: one part per index). PostgreSQL runs the second count only
    where the first says too few (CASE evaluates the subquery it needs)."""
    sql, params = rows
    counted = f"SELECT COUNT(*) FROM (SELECT 1 FROM ({sql}) AS listed LIMIT {int(cap) + 1}) AS n"
    probes: list[str] = []
    probe_params: list[Any] = []
    for part in surely:
        probe, part_params = (
            part.order_by().annotate(one=Value(1)).values("one")[: cap + 1].query.sql_with_params()
        )
        probes.append(f"({probe})")
        probe_params.extend(part_params)
    if probes:
        counted = (
            f"SELECT CASE WHEN (SELECT COUNT(*) FROM ({' UNION ALL '.join(probes)}) AS surely)"
            f" > {int(cap)} THEN {int(cap) + 1} ELSE ({counted}) END"
        )
    with connection.cursor() as cursor:
        cursor.execute(counted, [*probe_params, *params])
        return int(cursor.fetchone()[0])


def is_broad(counted: int | None, cap: int | None, index: slice) -> bool:
    """Whether a page of a capped search is read from the list's own order (see
    SearchHits.__getitem__): more hits than the cap were counted, and the page lies within
    the first WALK_UP_TO of them."""
    return (
        counted is not None
        and cap is not None
        and counted > cap
        and index.stop is not None
        and index.stop <= WALK_UP_TO
    )


class SearchHits:
    """A search's hits for a paginator: counted up to COUNT_UP_TO (``more`` says whether
    there were more), a page sliced from the hits in their order. Two queries a page, as
    the queryset itself would take, each planned for the words searched."""

    ordered = True

    def __init__(self, hits: QuerySet[Case], *, surely: QuerySet[Case] | None = None) -> None:
        self.hits = hits
        # Some of the hits, counted first from an index alone (see surely_found).
        self.surely = surely
        self._counted: int | None = None

    def _up_to(self) -> int:
        if self._counted is None:
            with planned_for_its_words():
                self._counted = count_up_to(self.hits, self.surely, COUNT_UP_TO)
        return self._counted

    def count(self) -> int:
        return min(self._up_to(), COUNT_UP_TO)

    @property
    def more(self) -> bool:
        return self._up_to() > COUNT_UP_TO

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index: slice) -> list[Case]:
        # More hits than the cap (counted first, as the paginator does): at least one
        # case in a thousand matches, so the latest-first index reaches the first pages'
        # hits within some 25k entries for a page of 25 (30 ms at a million cases), while
        # PostgreSQL, estimating a user's scope and the words independently, may read and
        # sort every hit (a handler's 10k namesakes: 90 ms; 10 ms by the index). A deeper
        # page would walk further than that: it is read as before.
        with planned_for_its_words(broad=is_broad(self._counted, COUNT_UP_TO, index)):
            return list(self.hits[index])


def match_reasons(case: Case) -> list[str]:
    """The labels of the fields a found case matched on (never their values)."""
    return [field.label for field in FIELDS if getattr(case, _matched_name(field.name), False)]
