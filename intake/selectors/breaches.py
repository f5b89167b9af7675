"""One-time-notice breaches and refusal-phrase flags not yet turned into violations, for
the app that turns them (sanctions.services.ingest), which reads them only through here
(ARCHITECTURE.md).

Which rows have their violation is the reader's table, to the right of this app: it
hands its own rows in, as a queryset correlated to the row by ``OuterRef("pk")``, and
gets a values queryset back that it compiles into its set-based ``INSERT … SELECT``.
Its columns are the contract: ``source_id`` (the row), ``staff_id``, ``department_id``,
``occurred_at`` and ``case_id`` (and a breach's ``kind``).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, F, OuterRef, QuerySet

from accountability import breaches as shared
from intake.models import NoticeBreach, RefusalFlag


def notice_breaches_not_raised(*, raised: QuerySet[Any], after: int = 0) -> QuerySet[Any]:
    """The one-time-notice breaches with an id above ``after`` that have no row in
    ``raised`` (the reader's violations of a breach, correlated by ``OuterRef("pk")``):
    the shared columns (accountability.breaches) with the notice's case.

    One breach per notice (DOMAIN §7): asking later for several materials one notice
    left out is one breach, the notice's first such request; the others stay on the
    record as its evidence. The department is the breach's own: the issuer's, or else
    the case's, when it was recorded (intake.services.notice)."""
    earlier = NoticeBreach.objects.filter(notice_id=OuterRef("notice_id"), pk__lt=OuterRef("pk"))
    return shared.breaches_not_raised(
        NoticeBreach.objects.filter(~Exists(earlier)),
        raised=raised,
        after=after,
        case_id=F("notice__case_id"),
    )


def notice_breach_last_id() -> int:
    """The highest one-time-notice breach id handed out and committed so far (0: none)."""
    return shared.breach_last_id(NoticeBreach)


def refusal_flags_not_raised(*, raised: QuerySet[Any], after: int = 0) -> QuerySet[Any]:
    """The refusal-phrase flags with an id above ``after`` that have no row in ``raised``
    (the reader's violations of a flag, correlated by ``OuterRef("pk")``). A flag becomes
    a violation long after it is recorded, when a complaint about its case is founded:
    the reader goes through them all every run (they are few), ``after`` only takes
    them in batches."""
    return (
        RefusalFlag.objects.filter(pk__gt=after)
        .filter(~Exists(raised))
        .order_by()
        .values("staff_id", "department_id", "case_id", source_id=F("pk"), occurred_at=F("at"))
    )
