"""Breaches not yet turned into violations, for the app that turns them
(sanctions.services.ingest), which reads them only through here (ARCHITECTURE.md).

Which breaches have their violation is the reader's table, to the right of this app: it
hands its own rows in, as a queryset correlated to the breach by ``OuterRef("pk")``, and
gets a values queryset back that it compiles into its set-based ``INSERT … SELECT``.
Its columns are the contract: ``source_id`` (the breach), ``staff_id``,
``department_id``, ``occurred_at``, ``case_id``, ``kind`` and ``clock_kind``.
"""

from __future__ import annotations

from typing import Any

from django.db.models import F, QuerySet

from accountability import breaches as shared
from deadlines.models import Breach


def breaches_not_raised(*, raised: QuerySet[Any], after: int = 0) -> QuerySet[Any]:
    """The breaches with an id above ``after`` that have no row in ``raised`` (the
    reader's violations of a breach, correlated by ``OuterRef("pk")``): the shared
    columns (accountability.breaches) with the case and the clock's kind."""
    return shared.breaches_not_raised(
        Breach.objects.all(),
        "case_id",
        raised=raised,
        after=after,
        clock_kind=F("clock__kind"),
    )


def breach_last_id() -> int:
    """The highest breach id handed out and committed so far (0: none)."""
    return shared.breach_last_id(Breach)
