"""Benchmark of the periodic raising of violations (sanctions.services.ingest) on
PostgreSQL: is it proportional to the breaches recorded since the last runs, not to all
the breaches ever recorded?

Run as ``.venv/bin/python bench/violations.py --cases 1000000``. It (re)creates its own
database, ``accountability_bench_violations`` on the server of ``DATABASE_URL`` (default
``postgresql://postgres@127.0.0.1:5432``), migrates it, builds N cases with a result
clock each in SQL on the server, then, in two rounds:

1. ``--new`` (default 10,000) breaches of those clocks are recorded and raised (timed);
   then an idle run while they are still above the watermark (within its safety window,
   the worst case), an idle run once the watermark has passed them, and a ``recheck``
   run that reads every breach ever recorded, as every run did before issue 24 (the
   median of 5 runs each);
2. ``--older`` (default 100,000) more breaches are recorded and raised (not timed, the
   watermark moved past them), then ``--new`` more, and the same four runs again.

It prints each run and the ratios of the second round to the first (the idle runs
should stay flat however many breaches were raised before; the recheck grows), and a
last line of JSON. It measures only: it never asserts a time.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.scan import organisation  # noqa: E402
from bench.support import bulk_load, open_database  # noqa: E402

BENCH_DB = "accountability_bench_violations"


def build(cases: int, now: Any) -> None:
    """N open cases, each with a result clock due a week before now."""
    from django.db import connection

    from deadlines.models import Case, Clock

    policy, handlers, departments = organisation()
    with (
        connection.cursor() as cursor,
        bulk_load(cursor, [Case._meta.db_table, Clock._meta.db_table]),
    ):
        cursor.execute(
            f"""
                INSERT INTO {Case._meta.db_table} (
                    number, opened_at, channel, matter_kind, urgency, variant, service_item_code,
                    subject, content, citizen_name, citizen_phone, citizen_address,
                    citizen_account, first_responder_id, department_id, handler_id,
                    handling_mode, instruction, referred_to, state, lookup_digest, version,
                    resolution, updated_at, citizen_email)
                SELECT lpad(i::text, 10, '0'), %(now)s - interval '9 days', 'phone',
                       'complaint', 'normal', '', '', '水压不足', '三楼以上水压不足。', '张三',
                       '13800000000', '', '', h.handler, h.department, h.handler,
                       'direct', '', '', 'in_progress', '', 1, '', %(now)s, ''
                FROM generate_series(1, %(cases)s) AS i
                JOIN unnest(%(handlers)s::bigint[], %(departments)s::bigint[])
                    WITH ORDINALITY AS h(handler, department, n)
                  ON h.n = 1 + i %% %(count)s
                """,
            {
                "now": now,
                "cases": cases,
                "handlers": handlers,
                "departments": departments,
                "count": len(handlers),
            },
        )
        cursor.execute(
            f"""
                INSERT INTO {Clock._meta.db_table} (
                    case_id, kind, policy_id, department_id, responsible_id, unit, started_at,
                    extension_amount, due_at, due_is_provisional, warn_at)
                SELECT c.id, 'result', %(policy)s, c.department_id, c.handler_id, '',
                       c.opened_at, 0, c.opened_at + interval '2 days', false,
                       c.opened_at + interval '1 day'
                FROM {Case._meta.db_table} AS c
                """,
            {"policy": policy},
        )


def record_breaches(count: int, now: Any) -> None:
    """Breaches of the next ``count`` clocks not yet breached, as the scan records them."""
    from django.db import connection

    from deadlines.models import Breach, BreachKind, Clock

    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {Breach._meta.db_table} (
                clock_id, case_id, kind, moment, detected_at, responsible_id, department_id)
            SELECT k.id, k.case_id, %s, k.due_at, %s, k.responsible_id, k.department_id
            FROM {Clock._meta.db_table} AS k
            WHERE k.id > (SELECT coalesce(max(clock_id), 0) FROM {Breach._meta.db_table})
            ORDER BY k.id
            LIMIT %s
            """,
            [BreachKind.OVERDUE.value, now, count],
        )
        cursor.execute(f"ANALYZE {Breach._meta.db_table}")


def timed_run(**kwargs: Any) -> tuple[float, int]:
    from sanctions.models import SourceKind
    from sanctions.services import violations_raise_from_sources

    began = time.perf_counter()
    result = violations_raise_from_sources(**kwargs)
    return time.perf_counter() - began, result.created[SourceKind.BREACH]


def median_run(runs: int = 5, **kwargs: Any) -> tuple[float, int]:
    """The median time of several runs (the host is noisy), and what they raised."""
    results = [timed_run(**kwargs) for _run in range(runs)]
    return statistics.median(t for t, _n in results), sum(n for _t, n in results)


def settle() -> None:
    """As the beat task's runs over the next safety windows do: the watermark moves past
    every breach recorded (each run notes the highest id; the next, a window later,
    moves up to it). The noted moment is put back by the window instead of waiting."""
    from django.db.models import F

    from sanctions.models import RaiseWatermark
    from sanctions.services.ingest import WATERMARK_SAFETY

    for _window in range(2):
        RaiseWatermark.objects.update(pending_at=F("pending_at") - WATERMARK_SAFETY)
        timed_run()


def round_of(new: int, now: Any, label: str) -> dict[str, float]:
    """Record ``new`` breaches and time: raising them, an idle run within the safety
    window, an idle run past it, a recheck of every breach."""
    from django.db import connection

    from deadlines.models import Breach

    record_breaches(new, now)
    raise_s, raised = timed_run()
    window_s, window_n = median_run()
    settle()
    idle_s, idle_n = median_run()
    recheck_s, recheck_n = median_run(recheck=True)
    assert raised == new, (raised, new)
    assert window_n == idle_n == recheck_n == 0, "raised twice"
    connection.close()
    total = Breach.objects.count()
    print(f"{label}: {total:,} breaches recorded, {new:,} of them new")
    print(f"  raising the {new:,} new ones         {raise_s:8.3f} s")
    print(f"  idle run, within the safety window  {window_s:8.3f} s")
    print(f"  idle run, past the watermark        {idle_s:8.3f} s")
    print(f"  recheck of every breach (as before) {recheck_s:8.3f} s")
    return {"raise_s": raise_s, "window_s": window_s, "idle_s": idle_s, "recheck_s": recheck_s}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, required=True, help="cases (clocks) to build")
    parser.add_argument("--new", type=int, default=10_000, help="new breaches per round")
    parser.add_argument("--older", type=int, default=100_000, help="breaches raised before")
    args = parser.parse_args()
    if args.new < 1 or args.older < 0 or 2 * args.new + args.older > args.cases:
        parser.error("need 1 <= new, 0 <= older and 2 * new + older <= cases")

    began = time.perf_counter()
    open_database(BENCH_DB, reuse=False, holds_data=lambda: False)
    from django.utils import timezone

    print(f"database {BENCH_DB} created and migrated in {time.perf_counter() - began:.1f} s")
    now = timezone.now().replace(microsecond=0)
    began = time.perf_counter()
    build(args.cases, now)
    print(f"built {args.cases:,} cases with a clock each in {time.perf_counter() - began:.1f} s")

    first = round_of(args.new, now, "round 1")
    record_breaches(args.older, now - timedelta(days=1))
    began = time.perf_counter()
    timed_run()
    print(f"{args.older:,} older breaches raised in {time.perf_counter() - began:.1f} s")
    settle()
    second = round_of(args.new, now, "round 2")
    ratios = {key: second[key] / first[key] for key in first}
    print(
        f"round 2 / round 1 (with {args.older:,} more breaches raised before): "
        + ", ".join(f"{key[:-2]} {ratio:.2f}" for key, ratio in ratios.items())
    )
    print(
        f"idle run past the watermark / recheck of every breach: "
        f"{second['idle_s'] / second['recheck_s']:.3f}"
    )
    print(
        json.dumps(
            {
                "cases": args.cases,
                "new": args.new,
                "older": args.older,
                **{f"first_{k}": round(v, 3) for k, v in first.items()},
                **{f"second_{k}": round(v, 3) for k, v in second.items()},
                **{f"ratio_{k[:-2]}": round(v, 2) for k, v in ratios.items()},
            }
        )
    )


if __name__ == "__main__":
    main()
