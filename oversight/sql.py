"""The few pieces of the oversight SQL that PostgreSQL and SQLite spell differently.

oversight.services and oversight.selectors.dashboard keep one SQL text per statement, written for
PostgreSQL (production and CI, where the dashboard has to stay fast over a million
cases: bench/dashboard.py); these helpers return, for the database in use
(``connection.vendor``), either that PostgreSQL text unchanged or an SQLite equivalent
with the same results, so ``make demo`` and newcomers' ``make test`` (SQLite) show the
same figures. On SQLite:

- a list parameter is passed as JSON text and read with ``json_each`` (one placeholder
  whatever its length; Django requires SQLite's JSON functions);
- datetimes are stored as text, naive UTC, ``YYYY-MM-DD HH:MM:SS[.ffffff]``, and dates
  as ``YYYY-MM-DD``: parameters are given in the same form (``params``), so comparing
  text compares instants; a local date is the UTC one shifted by the zone's offset,
  which must therefore be fixed (Asia/Shanghai has had no daylight saving since 1991);
- grouping sets are a UNION ALL of one GROUP BY per set, each row carrying the
  GROUPING() value PostgreSQL would give it.
"""

from __future__ import annotations

import json
import zoneinfo
from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection


def _sqlite() -> bool:
    return connection.vendor == "sqlite"


def params(values: Mapping[str, Any]) -> dict[str, Any]:
    """Named parameters as the database compares them: unchanged on PostgreSQL; on
    SQLite lists as JSON text (see ``any_of``), datetimes and dates as Django stores them."""
    if not _sqlite():
        return dict(values)

    def adapt(value: Any) -> Any:
        if isinstance(value, datetime):
            return connection.ops.adapt_datetimefield_value(value)
        if isinstance(value, date):
            return value.isoformat()
        if isinstance(value, (list, tuple)):
            return json.dumps([adapt(v) for v in value])
        return value

    return {name: adapt(value) for name, value in values.items()}


def any_of(column: str, name: str) -> str:
    """``column`` is one of the list parameter ``name``."""
    if _sqlite():
        return f"{column} IN (SELECT value FROM json_each(%({name})s))"
    return f"{column} = ANY(%({name})s)"


def _fixed_offset_minutes() -> int:
    zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    offsets = {
        datetime(year, month, 1, tzinfo=zone).utcoffset()
        for year in (2000, 2030)
        for month in (1, 7)
    }
    if len(offsets) != 1:
        raise ImproperlyConfigured(
            f"The dashboard on SQLite needs a time zone without daylight saving, not {zone}."
        )
    (offset,) = offsets
    return int((offset or timedelta()) / timedelta(minutes=1))


def local_date(column: str) -> str:
    """The local date (settings.TIME_ZONE, the ``tz`` parameter) of a timestamp column."""
    if _sqlite():
        return f"date({column}, '{_fixed_offset_minutes():+d} minutes')"
    return f"({column} AT TIME ZONE %(tz)s)::date"


def date_param(name: str) -> str:
    if _sqlite():
        return f"date(%({name})s)"
    return f"%({name})s::date"


def days_between(later: str, earlier: str) -> str:
    """Days from one date expression to another, as an integer."""
    if _sqlite():
        return f"CAST(julianday({later}) - julianday({earlier}) AS integer)"
    return f"({later} - {earlier})"


def nth(name: str, index: str) -> str:
    """Entry ``index`` (from 1) of the integer list parameter ``name``; NULL beyond it."""
    if _sqlite():
        return (
            f"(CASE WHEN ({index}) >= 1 THEN json_extract(%({name})s, '$[' || (({index}) - 1)"
            " || ']') END)"
        )
    return f"(%({name})s::int[])[{index}]"


def least(first: str, second: str) -> str:
    """The smaller, NULLs ignored (PostgreSQL's least; SQLite's min gives NULL)."""
    if _sqlite():
        return f"coalesce(min({first}, {second}), {first}, {second})"
    return f"least({first}, {second})"


def greatest(first: str, second: str) -> str:
    """The larger, NULLs ignored."""
    if _sqlite():
        return f"coalesce(max({first}, {second}), {first}, {second})"
    return f"greatest({first}, {second})"


def as_date(value: Any) -> date | None:
    """A date read back from raw SQL (SQLite returns its text)."""
    if isinstance(value, str):
        return date.fromisoformat(value)
    return value


def grouping_sets(
    *, keys: Sequence[str], sets: Sequence[Sequence[str]], aggregates: str, source: str
) -> str:
    """``SELECT GROUPING(keys), keys, aggregates FROM source GROUP BY GROUPING SETS
    (sets)``: on SQLite one GROUP BY per set, glued with UNION ALL, each with the
    GROUPING() value as a constant (a bit per key, the first the highest, set when the
    key is not grouped on) and NULL for the keys it does not group on."""
    if not _sqlite():
        listed = ", ".join(f"({', '.join(grouped)})" for grouped in sets)
        return (
            f"SELECT GROUPING({', '.join(keys)}), {', '.join(keys)}, {aggregates}"
            f" FROM {source} GROUP BY GROUPING SETS ({listed})"
        )
    selects = []
    for grouped in sets:
        bits = sum(1 << (len(keys) - 1 - n) for n, key in enumerate(keys) if key not in grouped)
        columns = ", ".join(key if key in grouped else "NULL" for key in keys)
        group_by = f" GROUP BY {', '.join(grouped)}" if grouped else ""
        selects.append(f"SELECT {bits}, {columns}, {aggregates} FROM {source}{group_by}")
    return " UNION ALL ".join(selects)
