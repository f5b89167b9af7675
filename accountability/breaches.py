"""The read every breach model shares (accountability.models.BreachRecord): its rows not
yet turned into violations, in the shape the sanctions app compiles into its set-based
``INSERT … SELECT`` (sanctions.services.ingest).

Each owning app (deadlines, outages, intake) keeps its own selector, the one sanctions
calls, and builds it on this: it narrows its rows and adds its own columns; the shared
columns come from the shared fields, so that every breach becomes a violation the same
way. Which breaches have their violation is the reader's table, to the right of every
owning app: it hands its own rows in, as a queryset correlated to the breach by
``OuterRef("pk")``.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, F, QuerySet

from accountability.models import BreachRecord


def breaches_not_raised(
    breaches: QuerySet[Any],
    *fields: str,
    raised: QuerySet[Any],
    after: int = 0,
    **columns: Any,
) -> QuerySet[Any]:
    """The rows of ``breaches`` (a BreachRecord model's) with an id above ``after`` that
    have no row in ``raised``, as a values queryset: ``source_id`` (the breach),
    ``staff_id`` (its responsible person), ``department_id``, ``occurred_at`` (its
    moment) and ``kind``, with the owning app's further ``fields`` (by name) and
    ``columns`` (name: expression)."""
    if not issubclass(breaches.model, BreachRecord):
        raise TypeError(f"{breaches.model.__name__} is not a breach model (BreachRecord)")
    # Filtered on the primary key, so that the rows below a watermark are not read.
    return (
        breaches.filter(pk__gt=after)
        .filter(~Exists(raised))
        .order_by()
        .values(
            "department_id",
            "kind",
            *fields,
            source_id=F("pk"),
            staff_id=F("responsible_id"),
            occurred_at=F("moment"),
            **columns,
        )
    )


def breach_last_id(model: type[BreachRecord]) -> int:
    """The highest id of a breach model handed out and committed so far (0: none)."""
    return model._default_manager.order_by("-pk").values_list("pk", flat=True).first() or 0
