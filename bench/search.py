"""Benchmark of the staff search (deadlines/selectors/search.py) on PostgreSQL.

Run as ``.venv/bin/python bench/search.py --cases 1000000``. It (re)creates its own
database, ``accountability_bench_search`` on the server of ``DATABASE_URL``, migrates it
(with the trigram and prefix indexes of migration 0015), builds N cases with varied
citizens (three-character names, phones, addresses, account numbers, subjects; one case
in a hundred from a switchboard's phone, one in a hundred on a shared account) in SQL on
the server, then times the search page's two queries (the count and the first page of 25)
for each kind of search, as the inspection office (who sees every case: the widest
search), as a department head and as one handler, and the front desk's earlier-contacts
lookup (by phone, by account). Each figure is taken twice in the one run: as the page
reads now ("after"), and as it read before issue 24 ("before": inside a transaction
rolled back after, without the indexes issue 24 added, with JIT compilation on, and the
search counting every hit rather than up to deadlines.selectors.search.COUNT_UP_TO). It
prints a last line of JSON.

It measures only: it never asserts a time.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.scan import organisation  # noqa: E402
from bench.support import bulk_load, open_database  # noqa: E402

BENCH_DB = "accountability_bench_search"
PAGE = 25

SEARCHES = {
    "case number": "2026-0012345",
    "receipt line": "办件编号:2026-0012345 查询码:ABCD-EFGH",
    "number digits": "0012345",
    "phone digits": "3912345",
    "name, 3 characters": "王建国",
    "name, 2 characters (prefix)": "王建",
    "address": "人民路123号",
    "account": "WA-0001234",
    "subject": "水压不足",
}
# The phone and account of case 12345 (as build() makes them), and one nobody has.
CONTACTS = {
    "phone": {"phone": "13" + str(12345 * 7919 % 1_000_000_000).zfill(9)},
    "account": {"account": "WA-00012345"},
    "phone and account": {
        "phone": "13" + str(12345 * 7919 % 1_000_000_000).zfill(9),
        "account": "WA-00012345",
    },
    "unknown phone": {"phone": "13000000001"},
    # A switchboard and a housing estate's shared account: one case in a hundred each.
    "busy phone": {"phone": "13700000000"},
    "busy account": {"account": "WA-99999999"},
}
# The indexes issue 24 added for these lookups (deadlines/migrations/0020): "before" is
# timed without them.
ISSUE_24_INDEXES = ("case_citizen_phone_latest", "case_citizen_account_latest", "case_latest")


def _loaded(cases: int) -> bool:
    """Whether the database holds the cases of a --cases N build (its last one)."""
    from django.db import connection

    from deadlines.models import Case

    if "deadlines_case" not in connection.introspection.table_names():
        return False
    last = Case.objects.order_by("-pk").values_list("number", flat=True).first()
    return last == "2026-" + str(cases).zfill(7)


def build(cases: int) -> None:
    from django.db import connection

    from deadlines.models import Case

    _policy, handlers, departments = organisation()
    with connection.cursor() as cursor, bulk_load(cursor, [Case._meta.db_table]):
        cursor.execute(
            f"""
            INSERT INTO {Case._meta.db_table} (
                number, opened_at, channel, matter_kind, urgency, variant, service_item_code,
                subject, content, citizen_name, citizen_phone, citizen_email, citizen_address,
                citizen_account, first_responder_id, department_id, handler_id,
                handling_mode, instruction, referred_to, state, lookup_digest, version,
                resolution, updated_at)
            SELECT '2026-' || lpad(i::text, 7, '0'), now() - make_interval(mins => mod(i, 99999)),
                   'phone', 'complaint', 'normal', '', '',
                   (ARRAY['水压不足','水表漏水','水质浑浊','停水未通知','账单有误'])[1 + mod(i, 5)],
                   '市民来电反映情况。',
                   (ARRAY['王','李','张','刘','陈','杨','赵','黄','周','吴'])[1 + mod(i, 10)]
                     || (ARRAY['建','小','国','红','志','秀','文','丽','明','海'])
                        [1 + mod(i / 10, 10)]
                     || (ARRAY['国','华','平','英','军','芳','强','敏','杰','娟'])
                        [1 + mod(i / 100, 10)],
                   CASE WHEN i %% 100 = 7 THEN '13700000000'
                        ELSE '13' || lpad(mod(i::bigint * 7919, 1000000000)::text, 9, '0')
                   END, '',
                   (ARRAY['人民路','解放路','幸福路','光明路','建设路'])[1 + mod(i, 5)]
                     || mod(i, 997) || '号',
                   CASE WHEN i %% 100 = 8 THEN 'WA-99999999' ELSE 'WA-' || lpad(i::text, 8, '0')
                   END,
                   h.handler, h.department, h.handler, 'direct', '', '', 'in_progress', '', 1,
                   '', now()
            FROM generate_series(1, %(cases)s) AS i
            JOIN unnest(%(handlers)s::bigint[], %(departments)s::bigint[])
                WITH ORDINALITY AS h(handler, department, n)
              ON h.n = 1 + i %% %(count)s
            """,
            {
                "handlers": handlers,
                "departments": departments,
                "count": len(handlers),
                "cases": cases,
            },
        )


@contextmanager
def without(indexes: tuple[str, ...]) -> Iterator[None]:
    """Inside the block the indexes are gone (dropped in a transaction rolled back after)
    and JIT compilation is on, as PostgreSQL's default was before issue 24 turned it off
    (accountability.env): "before" measured on the same data, in the same run."""
    from django.db import connection, transaction

    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = on")
            for name in indexes:
                cursor.execute(f'DROP INDEX IF EXISTS "{name}"')
        yield
        transaction.set_rollback(True)


def timed_contacts(lookup: dict[str, str]) -> tuple[int, float]:
    """The registration page's earlier-contacts panel; seconds, best of three."""
    from intake.selectors.registration import earlier_contacts

    best = float("inf")
    found = 0
    for _ in range(3):
        began = time.perf_counter()
        found = len(
            earlier_contacts(phone=lookup.get("phone", ""), account=lookup.get("account", ""))
        )
        best = min(best, time.perf_counter() - began)
    return found, best


def timed(user: Any, text: str, *, capped: bool = True) -> tuple[int, float]:
    """The search page's count and first page for this user; seconds, best of three.
    Counted up to COUNT_UP_TO as the page counts (``capped``; then a count of
    COUNT_UP_TO + 1 means "more"), or every hit as the page did before issue 24."""
    from deadlines.selectors.search import case_search, case_search_hits

    best = float("inf")
    total = 0
    for _ in range(3):
        began = time.perf_counter()
        if capped:
            hits = case_search_hits(user=user, text=text)
            total = hits.count() + hits.more
            hits[:PAGE]
        else:
            results = case_search(user=user, text=text)
            total = results.count()
            list(results[:PAGE])
        best = min(best, time.perf_counter() - began)
    return total, best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, required=True, help="cases to build")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="keep the database of an earlier run with as many cases (it is migrated)",
    )
    args = parser.parse_args()
    if args.cases < 1:
        parser.error("need 1 <= cases")

    began = time.perf_counter()
    fresh = open_database(BENCH_DB, reuse=args.reuse, holds_data=lambda: _loaded(args.cases))
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from accountability.roles import Role

    print(
        f"database {BENCH_DB} {'created' if fresh else 'reused'} and migrated in "
        f"{time.perf_counter() - began:.1f} s"
    )
    if fresh:
        began = time.perf_counter()
        build(args.cases)
        print(f"built {args.cases:,} cases in {time.perf_counter() - began:.1f} s")

    User = get_user_model()
    inspector, _created = User.objects.get_or_create(username="inspector")
    inspector.groups.add(Group.objects.get(name=Role.INSPECTION_OFFICE.value))
    handler = User.objects.get(username="handler0_0")
    # A department head sees the department (a tenth of the cases), as the handler does
    # besides their own; the leadership sees every case, as the inspection office does.
    head = User.objects.get(username="head0")
    # Each figure twice in this run: as now ("after"), and as before issue 24 ("before"),
    # so that the ratio does not depend on how busy the host is.
    timings: dict[str, dict[str, float]] = {}
    print(f"  {'earlier contacts by':<38} {'found':>9}        {'after':>8}    {'before':>8}")
    for label, lookup in CONTACTS.items():
        found, after = timed_contacts(lookup)
        with without(ISSUE_24_INDEXES):
            _found, before = timed_contacts(lookup)
        timings[f"earlier contacts, {label}"] = {
            "after": round(after * 1000, 1),
            "before": round(before * 1000, 1),
        }
        print(
            f"  {label:<28} {'desk':<9} {found:>9,} found  {after * 1000:8.1f} ms"
            f"  {before * 1000:8.1f} ms"
        )
    print(f"  {'search':<28} {'as':<9} {'found':>9}        {'after':>8}    {'before':>8}")
    for label, text in SEARCHES.items():
        for who, user in (("inspector", inspector), ("head", head), ("handler", handler)):
            found, after = timed(user, text)
            with without(ISSUE_24_INDEXES):
                _found, before = timed(user, text, capped=False)
            timings[f"search, {label}, {who}"] = {
                "after": round(after * 1000, 1),
                "before": round(before * 1000, 1),
            }
            print(
                f"  {label:<28} {who:<9} {found:>9,} found  {after * 1000:8.1f} ms"
                f"  {before * 1000:8.1f} ms"
            )
    print(json.dumps({"cases": args.cases, "ms": timings}, ensure_ascii=False))


if __name__ == "__main__":
    main()
