"""Benchmark of the periodic scans (the deadlines.services.scans package) on PostgreSQL.

Run as ``.venv/bin/python bench/scan.py --cases 1000000``. It (re)creates its own
database, ``accountability_bench`` on the server of ``DATABASE_URL`` (default
``postgresql://postgres@127.0.0.1:5432``), migrates it, and builds N open cases with one
running result clock each, all in SQL on the server:

* ``--due`` of them (default 1 %) newly past their deadline (due within the last hour,
  yellow card already given), which the scan turns into breaches and red cards;
* ``--warn`` of them (default 1 %) newly at their warning point (due tomorrow);
* the rest due in 1–30 days, their warning point still ahead.

Then it measures the floor, the same rows written by bare SQL (one statement per
phase, no trigger, so no deferred foreign-key check: see ``floor``), runs one full scan
(``SCANS``, as ``scans_run_all`` does: warnings, breaches, reminder notices, extensions,
suspensions), and prints each phase's time, its floor and their ratio, measured in the
same process minutes apart so that a noisy host shows in both, and a last line of JSON::

    {"cases": N, "breaches": ..., "scan_s": ..., "floor_s": ..., "ratio": ..., "phases": ...}

``--profile`` adds each statement's time and the commits' (where deferred checks run).
It measures only: it never asserts a time. To see that the cost follows the clocks due
and not the clocks running, compare ``--cases 100000 --due 10000`` with
``--cases 1000000 --due 10000``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.support import bulk_load, open_database  # noqa: E402

BENCH_DB = "accountability_bench"
DEPARTMENTS = 10
HANDLERS_PER_DEPARTMENT = 10


def organisation() -> tuple[int, list[int], list[int]]:
    """Departments with heads and handlers; returns the policy id, and each handler's id
    with their department's id."""
    from django.conf import settings
    from django.contrib.auth import get_user_model

    from accountability.models import Department, StaffProfile
    from deadlines.models import TimeLimitPolicy
    from deadlines.services.calendar import calendar_seed_from_library
    from deadlines.services.policies import policies_load

    calendar_seed_from_library(actor=None)
    policies_load(
        actor=None, path=Path(settings.BASE_DIR) / "fixtures" / "time_limit_policies.json"
    )
    User = get_user_model()
    leader = User.objects.create(username="leader")
    handlers: list[int] = []
    departments: list[int] = []
    for d in range(DEPARTMENTS):
        department = Department.objects.create(
            code=f"dept{d}", name=f"部门{d}", supervising_leader=leader
        )
        head = User.objects.create(username=f"head{d}")
        StaffProfile.objects.create(user=head, department=department)
        department.head = head
        department.save()
        for h in range(HANDLERS_PER_DEPARTMENT):
            user = User.objects.create(username=f"handler{d}_{h}")
            StaffProfile.objects.create(user=user, department=department)
            handlers.append(user.pk)
            departments.append(department.pk)
    policy = TimeLimitPolicy.objects.get(code="complaint-result", retired_at__isnull=True)
    return policy.pk, handlers, departments


def build(cases: int, due: int, warn: int, now: Any) -> None:
    """N cases and their clocks, generated on the server (no round trip per row)."""
    from django.db import connection

    from deadlines.models import Case, Clock

    policy, handlers, departments = organisation()
    tables = [Case._meta.db_table, Clock._meta.db_table]
    with connection.cursor() as cursor, bulk_load(cursor, tables):
        # Case i goes to handler i mod the number of handlers, in that handler's department.
        cursor.execute(
            f"""
                INSERT INTO {Case._meta.db_table} (
                    number, opened_at, channel, matter_kind, urgency, variant, service_item_code,
                    subject, content, citizen_name, citizen_phone, citizen_address,
                    citizen_account, first_responder_id, department_id, handler_id,
                    handling_mode, instruction, referred_to, state, lookup_digest, version,
                    resolution, updated_at, citizen_email)
                SELECT '2026-' || lpad(i::text, 7, '0'), %(now)s - interval '3 days', 'phone',
                       'complaint', 'normal', '', '', '水压不足', '三楼以上水压不足。', '张三',
                       '13800000000', '', '', h.handler, h.department, h.handler,
                       'direct', '', '', 'in_progress', '', 1, '', %(now)s - interval '3 days', ''
                FROM generate_series(1, %(cases)s) AS i
                JOIN unnest(%(handlers)s::bigint[], %(departments)s::bigint[])
                    WITH ORDINALITY AS h(handler, department, n)
                  ON h.n = 1 + i %% %(count)s
                """,
            {
                "now": now,
                "handlers": handlers,
                "departments": departments,
                "count": len(handlers),
                "cases": cases,
            },
        )
        # The first `due` cases are newly overdue, the next `warn` newly yellow, the
        # rest due in 1-30 days; spread by a cheap hash of the row number.
        cursor.execute(
            f"""
                INSERT INTO {Clock._meta.db_table} (
                    case_id, kind, policy_id, department_id, responsible_id, unit, started_at,
                    extension_amount, due_at, due_is_provisional, warn_at, warned_at)
                SELECT c.id, 'result', %(policy)s, c.department_id, c.handler_id, '',
                       t.due - interval '2 days', 0, t.due, false, t.due - interval '1 day',
                       CASE WHEN n <= %(due)s THEN t.due - interval '1 day' END
                FROM (SELECT id, department_id, handler_id,
                             row_number() OVER (ORDER BY id) AS n
                      FROM {Case._meta.db_table}) AS c
                CROSS JOIN LATERAL (SELECT CASE
                    WHEN n <= %(due)s
                        THEN %(now)s - make_interval(secs => 1 + (n * 7919) %% 3600)
                    WHEN n <= %(due)s + %(warn)s
                        THEN %(now)s + interval '1 day'
                             - make_interval(secs => 1 + (n * 7919) %% 3600)
                    ELSE %(now)s + interval '1 day 1 hour'
                         + make_interval(secs => (n * 7919) %% 2505600)
                END AS due) AS t
                """,
            {"policy": policy, "due": due, "warn": warn, "now": now},
        )


# The floor: the same rows written by the fewest plain statements, one per phase, with
# the tables' indexes but no trigger (session_replication_role = replica: no deferred
# foreign-key check, no other app's trigger), nothing exactly-once about it. Rolled back,
# so the scan then starts from the same state (after a VACUUM of the dead rows).
FLOOR_WARNINGS = """
    WITH marked AS (
        UPDATE {clock} SET warned_at = %(now)s
        WHERE stopped_at IS NULL AND warned_at IS NULL AND warn_at <= %(now)s
              AND NOT {red}
        RETURNING id, case_id, due_at, responsible_id, department_id
    )
    INSERT INTO {notification} (recipient_id, kind, case_id, clock_id, moment, created_at)
    SELECT who.id, %(warning)s, m.case_id, m.id, m.due_at, %(now)s
    FROM marked m JOIN {department} d ON d.id = m.department_id
    CROSS JOIN LATERAL (VALUES (COALESCE(m.responsible_id, d.head_id)), (d.head_id)) AS who(id)
    WHERE who.id IS NOT NULL
"""
FLOOR_BREACHES = """
    WITH marked AS (
        UPDATE {clock} SET breached_at = %(now)s
        WHERE breached_at IS NULL AND {red} AND NOT due_is_provisional
        RETURNING id, case_id, due_at, responsible_id, department_id
    ), breach AS (
        INSERT INTO {breach}
            (clock_id, case_id, kind, moment, detected_at, responsible_id, department_id)
        SELECT m.id, m.case_id, %(overdue)s, m.due_at, %(now)s,
               COALESCE(m.responsible_id, d.head_id), m.department_id
        FROM marked m JOIN {department} d ON d.id = m.department_id
        RETURNING id, clock_id, case_id, moment, responsible_id, department_id
    )
    INSERT INTO {notification}
        (recipient_id, kind, case_id, clock_id, breach_id, moment, created_at)
    SELECT who.id, %(overdue)s, b.case_id, b.clock_id, b.id, b.moment, %(now)s
    FROM breach b JOIN {department} d ON d.id = b.department_id
    CROSS JOIN LATERAL (VALUES (b.responsible_id), (d.head_id)) AS who(id)
    WHERE who.id IS NOT NULL
"""


def floor(now: Any) -> dict[str, float]:
    """Seconds the floor takes per phase (the phases with writes to make)."""
    from django.db import connection, transaction

    from accountability.models import Department
    from deadlines.models import Breach, Clock, Notification
    from deadlines.selectors.clocks import Colour, clock_colour_sql

    tables = {
        "clock": Clock._meta.db_table,
        "breach": Breach._meta.db_table,
        "notification": Notification._meta.db_table,
        "department": Department._meta.db_table,
        "red": clock_colour_sql(Colour.RED, now="%(now)s"),
    }
    params = {"now": now, "warning": "warning", "overdue": "overdue"}
    seconds: dict[str, float] = {}
    # The faster of two runs: the first also reads the tables into the cache.
    for _ in range(2):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role = replica")
            for name, sql in (("warnings", FLOOR_WARNINGS), ("breaches", FLOOR_BREACHES)):
                began = time.perf_counter()
                cursor.execute(sql.format(**tables), params)
                spent = time.perf_counter() - began
                seconds[name] = min(seconds.get(name, spent), spent)
            transaction.set_rollback(True)
        vacuum()
    return seconds


def vacuum() -> None:
    from django.db import connection

    from deadlines.models import Breach, Clock, Notification

    with connection.cursor() as cursor:
        for model in (Clock, Breach, Notification):
            cursor.execute(f"VACUUM ANALYZE {model._meta.db_table}")


@contextmanager
def statement_profile(phase: str) -> Iterator[None]:
    """With --profile: each statement's time and the commits' (where the deferred
    foreign-key checks run), printed after the phase."""
    from django.db import connection

    spent: dict[str, list[float]] = defaultdict(list)

    def timed(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        began = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            spent[" ".join(sql.split())[:110]].append(time.perf_counter() - began)

    commit = connection.commit

    def timed_commit() -> None:
        began = time.perf_counter()
        try:
            commit()
        finally:
            spent["COMMIT"].append(time.perf_counter() - began)

    connection.commit = timed_commit  # type: ignore[method-assign]
    try:
        with connection.execute_wrapper(timed):
            yield
    finally:
        del connection.commit
    for sql, times in sorted(spent.items(), key=lambda item: -sum(item[1])):
        if sum(times) >= 0.001:
            print(f"      {sum(times):7.3f} s  {len(times):>3}×  {sql}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, required=True, help="open cases to build")
    parser.add_argument("--due", type=int, help="of which newly past due (default 1 %%)")
    parser.add_argument("--warn", type=int, help="of which newly at the warning point (1 %%)")
    parser.add_argument(
        "--profile", action="store_true", help="print each statement's time and the commits'"
    )
    args = parser.parse_args()
    cases = args.cases
    due = args.due if args.due is not None else cases // 100
    warn = args.warn if args.warn is not None else cases // 100
    if cases < 1 or due < 0 or warn < 0 or due + warn > cases:
        parser.error("need 1 <= cases and 0 <= due + warn <= cases")

    began = time.perf_counter()
    open_database(BENCH_DB, reuse=False, holds_data=lambda: False)
    from django.utils import timezone

    print(f"database {BENCH_DB} created and migrated in {time.perf_counter() - began:.1f} s")

    # A moment on a working day, so the day's scans all have work.
    now = timezone.now().replace(microsecond=0)
    began = time.perf_counter()
    build(cases, due, warn, now)
    print(
        f"built {cases:,} open cases with their clocks ({due:,} newly due, {warn:,} newly "
        f"at the warning point) in {time.perf_counter() - began:.1f} s"
    )

    from django.db import connection

    from deadlines.models import Breach, Notification
    from deadlines.services.scans import SCANS

    scan_at = now + timedelta(seconds=1)
    floors = floor(scan_at)
    connection.close()  # a fresh connection, as a worker's
    seconds: dict[str, float] = {}
    for name, scan in SCANS.items():
        with statement_profile(name) if args.profile else nullcontext():
            began = time.perf_counter()
            result = scan(now=scan_at)
            seconds[name] = time.perf_counter() - began
        print(
            f"  {name:<11} marked {result.marked:>8,}  created {result.created:>8,}  "
            f"notifications {result.notifications:>8,}  {seconds[name]:6.3f} s"
            + (
                f"  floor {floors[name]:6.3f} s  ratio {seconds[name] / floors[name]:5.2f}"
                if name in floors
                else ""
            )
        )
    scan_s = sum(seconds.values())
    floor_s = sum(floors.values())
    breaches = Breach.objects.count()
    notifications = Notification.objects.count()
    print(
        f"full scan: {scan_s:.3f} s; floor {floor_s:.3f} s; ratio {scan_s / floor_s:.2f}; "
        f"{breaches:,} breaches, {notifications:,} notifications"
    )
    print(
        json.dumps(
            {
                "cases": cases,
                "due": due,
                "breaches": breaches,
                "scan_s": round(scan_s, 3),
                "floor_s": round(floor_s, 3),
                "ratio": round(scan_s / floor_s, 2),
                "phases": {
                    name: {
                        "scan_s": round(seconds[name], 3),
                        **(
                            {
                                "floor_s": round(floors[name], 3),
                                "ratio": round(seconds[name] / floors[name], 2),
                            }
                            if name in floors
                            else {}
                        ),
                    }
                    for name in seconds
                },
            }
        )
    )


if __name__ == "__main__":
    main()
