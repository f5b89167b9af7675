"""Benchmark of the staff search (deadlines/selectors/search.py) on PostgreSQL.

Run as ``.venv/bin/python bench/search.py --cases 1000000``. It (re)creates its own
database, ``accountability_bench_search`` on the server of ``DATABASE_URL``, migrates it
(with the trigram and prefix indexes of migration 0015), builds N cases with varied
citizens (three-character names, phones, addresses, account numbers, subjects) in SQL on
the server, then times the search page's two queries (the count and the first page of 25)
for each kind of search, as the inspection office (who sees every case: the widest
search) and as one handler, and prints a last line of JSON.

It measures only: it never asserts a time.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.scan import organisation, setup_django  # noqa: E402
from bench.support import bench_url, bulk_load, recreate_database  # noqa: E402

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


def build(cases: int) -> None:
    from django.db import connection

    from deadlines.models import Case

    _policy, handlers, departments = organisation()
    with connection.cursor() as cursor, bulk_load(cursor, [Case._meta.db_table]):
        cursor.execute(
            f"""
            INSERT INTO {Case._meta.db_table} (
                number, opened_at, channel, matter_kind, urgency, variant, service_item_code,
                subject, content, citizen_name, citizen_phone, citizen_address,
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
                   '13' || lpad(mod(i::bigint * 7919, 1000000000)::text, 9, '0'),
                   (ARRAY['人民路','解放路','幸福路','光明路','建设路'])[1 + mod(i, 5)]
                     || mod(i, 997) || '号',
                   'WA-' || lpad(i::text, 8, '0'),
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


def timed(user: Any, text: str) -> tuple[int, float]:
    """The search page's count and first page for this user; seconds, best of three."""
    from deadlines.selectors.search import case_search

    best = float("inf")
    total = 0
    for _ in range(3):
        began = time.perf_counter()
        results = case_search(user=user, text=text)
        total = results.count()
        list(results[:PAGE])
        best = min(best, time.perf_counter() - began)
    return total, best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, required=True, help="cases to build")
    args = parser.parse_args()
    if args.cases < 1:
        parser.error("need 1 <= cases")

    url, maintenance = bench_url(BENCH_DB)
    began = time.perf_counter()
    recreate_database(BENCH_DB, maintenance)
    setup_django(url)
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.core.management import call_command

    from accountability.roles import Role

    call_command("migrate", verbosity=0)
    print(f"database {BENCH_DB} created and migrated in {time.perf_counter() - began:.1f} s")
    began = time.perf_counter()
    build(args.cases)
    print(f"built {args.cases:,} cases in {time.perf_counter() - began:.1f} s")

    User = get_user_model()
    inspector = User.objects.create(username="inspector")
    inspector.groups.add(Group.objects.get(name=Role.INSPECTION_OFFICE.value))
    handler = User.objects.get(username="handler0_0")
    timings: dict[str, dict[str, float]] = {}
    for label, text in SEARCHES.items():
        row: dict[str, float] = {}
        for who, user in (("inspector", inspector), ("handler", handler)):
            found, seconds = timed(user, text)
            row[who] = round(seconds * 1000, 1)
            print(f"  {label:<28} {who:<9} {found:>9,} found  {seconds * 1000:8.1f} ms")
        timings[label] = row
    print(json.dumps({"cases": args.cases, "ms": timings}, ensure_ascii=False))


if __name__ == "__main__":
    main()
