"""Benchmark of the supervisor's dashboard (oversight.views.dashboard) on PostgreSQL.

Run as ``.venv/bin/python bench/dashboard.py --cases 1000000``. It (re)creates its own
database, ``accountability_bench_dashboard`` on the server of ``DATABASE_URL`` (default
``postgresql://postgres@127.0.0.1:5432``), migrates it, and builds N cases with their
clocks in SQL on the server (no services, no round trip per row), spread over the two
years before now across 10 departments, two service items each (a catalogue item belongs to one
handling department) and four kinds of matter:

* the cases of the last 20 days, and one older case in 200, are still open; of those a
  share is past its warning point (yellow) or its due moment (red);
* the others are closed, most within their 2-day result clock, about one in seven late,
  70 % of them rated 1-5;
* every case has a result clock; consultations also a 1-hour first-feedback clock.

Then it refreshes the daily figures three ways, back to back (oversight.services.
figures_refresh): a full rebuild (every day, as the first run does), an incremental run
(the beat task's) when every case changed since the last run, and one when a few cases
of a few days long ago changed, and prints each and their ratios to the full rebuild
(the incremental run is never to be slower than the rebuild). Then it asks for the
dashboard in-process (Django's test client: the view, its SQL and the template, no
network) as a leader (every department, the default period: this month and the five
before) and as a department head (one department), ``--runs`` times each after a
warm-up, and prints the median and the slowest, the number of queries, and a last line
of JSON::

    {"cases": N, "leader_ms": ..., "head_ms": ..., "queries": ...,
     "full_refresh_s": ..., "every_day_changed_s": ..., "every_day_vs_full": ...}

``--indexes`` also creates, by hand, the indexes the report proposes for deadlines
(see PROPOSED_INDEXES), to compare. It measures only: it never asserts a time.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.support import bench_url, bulk_load, recreate_database  # noqa: E402

BENCH_DB = "accountability_bench_dashboard"
SECRET_KEY = "bench-only-secret-key-never-used-outside-the-benchmark-0123456789"
DEPARTMENTS = 10
STATIC_STORAGE = "django.contrib.staticfiles.storage.StaticFilesStorage"

# Proposed for deadlines (its models' Meta.indexes and a migration): the refresh of the
# daily figures (oversight.services) reads the cases opened, or closed, in a span of
# days, and the feedback clocks by the moment their fate was sealed. The dashboard
# itself does not need them.
PROPOSED_INDEXES = [
    "CREATE INDEX case_opened_at ON deadlines_case (opened_at)",
    "CREATE INDEX case_closed_at ON deadlines_case (closed_at) WHERE closed_at IS NOT NULL",
    "CREATE INDEX clock_decided ON deadlines_clock ((LEAST(stopped_at, due_at)))",
]


def setup_django(url: str) -> None:
    """Production-like settings: DEBUG off (no query log), a fixed key."""
    os.environ.update(
        DATABASE_URL=url,
        DEBUG="0",
        SECRET_KEY=SECRET_KEY,
        ALLOWED_HOSTS="testserver,localhost",
        SECURE_COOKIES="0",
        SECURE_SSL_REDIRECT="0",  # the test client's requests are not behind the proxy
        LOG_LEVEL="WARNING",
        DJANGO_SETTINGS_MODULE="accountability.settings",
    )
    import django

    django.setup()
    from django.conf import settings
    from django.test.utils import override_settings

    # Plain static URLs: the manifest storage would need collectstatic first, and a
    # static URL costs the same either way.
    storages = {**settings.STORAGES, "staticfiles": {"BACKEND": STATIC_STORAGE}}
    override_settings(STORAGES=storages).enable()


def organisation() -> tuple[Any, Any, list[int], list[int]]:
    """Departments with heads and handlers, a leader; returns the leader, the first
    department's head, each handler's id and their department's id."""
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from accountability.models import Department, StaffProfile
    from accountability.roles import Role
    from deadlines.services.calendar import calendar_seed_from_library
    from deadlines.services.policies import policies_load

    calendar_seed_from_library(actor=None)
    policies_load(
        actor=None, path=Path(settings.BASE_DIR) / "fixtures" / "time_limit_policies.json"
    )
    User = get_user_model()
    leader = User.objects.create(username="leader")
    leader.groups.add(Group.objects.get(name=Role.LEADERSHIP.value))
    head_role = Group.objects.get(name=Role.DEPARTMENT_HEAD.value)
    handlers: list[int] = []
    departments: list[int] = []
    heads = []
    for d in range(DEPARTMENTS):
        department = Department.objects.create(code=f"dept{d}", name=f"部门{d}")
        head = User.objects.create(username=f"head{d}")
        head.groups.add(head_role)
        StaffProfile.objects.create(user=head, department=department)
        department.head = head
        department.save()
        heads.append(head)
        for h in range(10):
            user = User.objects.create(username=f"handler{d}_{h}")
            StaffProfile.objects.create(user=user, department=department)
            handlers.append(user.pk)
            departments.append(department.pk)
    return leader, heads[0], handlers, departments


def build(cases: int, now: Any) -> tuple[Any, Any]:
    from django.db import connection

    from deadlines.models import Case, Clock, TimeLimitPolicy

    leader, head, handlers, departments = organisation()
    result = TimeLimitPolicy.objects.get(code="complaint-result", retired_at__isnull=True).pk
    feedback = TimeLimitPolicy.objects.get(
        code="consultation-first-feedback", retired_at__isnull=True
    ).pk
    tables = [Case._meta.db_table, Clock._meta.db_table]
    with connection.cursor() as cursor, bulk_load(cursor, tables):
        # Case i (1..N) opens (N - i) / N of two years before now; h is a cheap hash of i
        # that picks its fate.
        cursor.execute(
            f"""
                INSERT INTO {Case._meta.db_table} (
                    number, opened_at, channel, matter_kind, urgency, variant, service_item_code,
                    subject, content, citizen_name, citizen_phone, citizen_address,
                    citizen_account, first_responder_id, department_id, handler_id,
                    handling_mode, instruction, referred_to, state, lookup_digest, version,
                    resolution, updated_at, closed_at, resolved_at, rating, rated_at,
                    citizen_email)
                SELECT lpad(i::text, 10, '0'), o.at, 'phone',
                       (ARRAY['complaint', 'complaint', 'consultation', 'help_request',
                              'report'])[1 + h %% 5],
                       'normal', '',
                       CASE WHEN h %% 10 = 0 THEN ''
                            ELSE 'item-' || (i %% %(count)s / 10) || '-' || (h %% 2) END,
                       '水压不足', '三楼以上水压不足。', '张三', '13800000000', '', '',
                       d.handler, d.department, d.handler, 'direct', '', '',
                       CASE WHEN f.open THEN 'in_progress' ELSE 'closed' END, '', 1, '',
                       %(now)s, f.closed, f.closed,
                       CASE WHEN NOT f.open AND h %% 10 < 7 THEN 1 + h %% 5 END,
                       CASE WHEN NOT f.open AND h %% 10 < 7 THEN f.closed END, ''
                FROM generate_series(1, %(cases)s) AS i
                CROSS JOIN LATERAL (SELECT (i::bigint * 7919) %% 1000 AS h) AS hh
                CROSS JOIN LATERAL (
                    SELECT %(now)s - make_interval(secs => (%(cases)s - i) * 63072000.0 / %(cases)s)
                        AS at) AS o
                CROSS JOIN LATERAL (
                    SELECT o.at > %(now)s - interval '20 days' OR h %% 200 = 0 AS open) AS ff
                CROSS JOIN LATERAL (
                    SELECT ff.open,
                           CASE WHEN NOT ff.open THEN o.at + CASE WHEN h < 860
                               THEN make_interval(mins => (30 + (h * 37) %% 2400)::int)
                               ELSE make_interval(days => (3 + h %% 7)::int) END END AS closed) AS f
                JOIN unnest(%(handlers)s::bigint[], %(departments)s::bigint[])
                    WITH ORDINALITY AS d(handler, department, n)
                  ON d.n = 1 + i %% %(count)s
                """,
            {
                "now": now,
                "cases": cases,
                "handlers": handlers,
                "departments": departments,
                "count": len(handlers),
            },
        )
        # A result clock for every case (2 days, warned a day before); a first-feedback
        # clock of an hour for consultations, given within 30 minutes or after 2 hours.
        cursor.execute(
            f"""
                INSERT INTO {Clock._meta.db_table} (
                    case_id, kind, policy_id, department_id, responsible_id, unit, started_at,
                    extension_amount, due_at, due_is_provisional, warn_at, stopped_at)
                SELECT c.id, 'result', %(result)s, c.department_id, c.handler_id, '', c.opened_at,
                       0, c.opened_at + interval '2 days', false, c.opened_at + interval '1 day',
                       c.closed_at
                FROM {Case._meta.db_table} AS c
                UNION ALL
                SELECT c.id, 'first_feedback', %(feedback)s, c.department_id, c.handler_id, '',
                       c.opened_at, 0, c.opened_at + interval '1 hour', false, NULL,
                       CASE WHEN c.id %% 10 = 0 AND c.state <> 'closed' THEN NULL
                            WHEN c.id %% 9 = 0 THEN c.opened_at + interval '2 hours'
                            ELSE c.opened_at + interval '30 minutes' END
                FROM {Case._meta.db_table} AS c WHERE c.matter_kind = 'consultation'
                """,
            {"result": result, "feedback": feedback},
        )
    return leader, head


def measure(user: Any, runs: int) -> tuple[list[float], int]:
    """Milliseconds of each request (after one warm-up), and the queries of one."""
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    client = Client(secure=True)
    client.force_login(user)
    url = reverse("oversight:dashboard")
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    queries: list[str] = []

    def count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        queries.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        client.get(url)
    times = []
    for _run in range(runs):
        began = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - began) * 1000)
        assert response.status_code == 200
    return times, len(queries)


def refreshes(rounds: int) -> tuple[float, float, float]:
    """The daily figures refreshed three ways in this run: a full rebuild and an
    incremental run (the beat task's) when every case changed since the last run,
    alternated ``rounds`` times, then one when the cases of a few days changed. Seconds
    of each (the fastest of the rounds)."""
    from datetime import timedelta

    from django.db import connection
    from django.utils import timezone

    from deadlines.models import Case
    from oversight.models import FiguresRefresh
    from oversight.services.figures import figures_refresh

    def timed(**kwargs: Any) -> tuple[float, int]:
        began = time.perf_counter()
        days = figures_refresh(now=timezone.now(), **kwargs)
        return time.perf_counter() - began, days

    timed()  # the first run (every day), also a warm-up of the caches
    with connection.cursor() as cursor:
        cursor.execute("SELECT min(updated_at) FROM deadlines_case")
        (oldest,) = cursor.fetchone()
    # Alternated, the fastest of each kept: the host is noisy and the order matters.
    fulls, alls = [], []
    for _round in range(rounds):
        fulls.append(timed(full=True))
        # Every case changed since the last run: the last run is put back before them all.
        FiguresRefresh.objects.filter(pk=1).update(refreshed_at=oldest - timedelta(hours=1))
        alls.append(timed())
    (full_s, full_days), (all_s, all_days) = min(fulls), min(alls)
    # A few cases changed, opened on a few days a year ago.
    cutoff = timezone.now() - timedelta(days=365)
    ids = list(
        Case.objects.filter(opened_at__lt=cutoff)
        .order_by("-opened_at")
        .values_list("pk", flat=True)[:2000:400]
    )
    Case.objects.filter(pk__in=ids).update(updated_at=timezone.now())
    few_s, few_days = timed()
    print(f"daily figures, full rebuild:              {full_days:>5} days in {full_s:6.2f} s")
    print(f"daily figures, incremental, every case:   {all_days:>5} days in {all_s:6.2f} s")
    print(f"daily figures, incremental, {len(ids)} cases:     {few_days:>5} days in {few_s:6.2f} s")
    print(
        f"incremental (every day changed) / full rebuild: {all_s / full_s:.2f}; "
        f"incremental (few days) / full rebuild: {few_s / full_s:.2f}"
    )
    return full_s, all_s, few_s


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, required=True, help="cases to build")
    parser.add_argument("--runs", type=int, default=7, help="timed requests per viewer")
    parser.add_argument("--indexes", action="store_true", help="add the proposed indexes")
    parser.add_argument("--reuse", action="store_true", help="keep the database built before")
    parser.add_argument(
        "--refresh-rounds", type=int, default=2, help="full and incremental refreshes, alternated"
    )
    args = parser.parse_args()
    if args.cases < 1 or args.runs < 1:
        parser.error("need 1 <= cases and 1 <= runs")

    url, maintenance = bench_url(BENCH_DB)
    began = time.perf_counter()
    if not args.reuse:
        recreate_database(BENCH_DB, maintenance)
    setup_django(url)
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    if args.reuse:
        call_command("migrate", verbosity=0)
        User = get_user_model()
        leader, head = User.objects.get(username="leader"), User.objects.get(username="head0")
    else:
        call_command("migrate", verbosity=0)
        print(f"database {BENCH_DB} created and migrated in {time.perf_counter() - began:.1f} s")
        began = time.perf_counter()
        leader, head = build(args.cases, timezone.now().replace(microsecond=0))
        print(
            f"built {args.cases:,} cases with their clocks in {time.perf_counter() - began:.1f} s"
        )
    with connection.cursor() as cursor:
        for statement in PROPOSED_INDEXES:
            name = statement.split()[2]
            cursor.execute(f"DROP INDEX IF EXISTS {name}")
            if args.indexes:
                cursor.execute(statement)
        cursor.execute("ANALYZE deadlines_case")
        cursor.execute("ANALYZE deadlines_clock")
        cursor.execute("SELECT count(*) FROM deadlines_case")
        (count,) = cursor.fetchone()
    print(f"proposed indexes: {'applied' if args.indexes else 'not applied'}")

    full_s, all_s, few_s = refreshes(args.refresh_rounds)

    connection.close()  # a fresh connection, as a web worker's
    leader_ms, queries = measure(leader, args.runs)
    head_ms, head_queries = measure(head, args.runs)
    for who, times in (("leader (all departments)", leader_ms), ("head (one department)", head_ms)):
        print(
            f"{who:<26} median {statistics.median(times):7.1f} ms, "
            f"slowest {max(times):7.1f} ms over {len(times)} requests"
        )
    print(f"queries per dashboard: leader {queries}, head {head_queries}")
    print(
        json.dumps(
            {
                "cases": count,
                "leader_ms": round(statistics.median(leader_ms), 1),
                "head_ms": round(statistics.median(head_ms), 1),
                "leader_max_ms": round(max(leader_ms), 1),
                "queries": queries,
                "indexes": args.indexes,
                "full_refresh_s": round(full_s, 2),
                "every_day_changed_s": round(all_s, 2),
                "few_days_changed_s": round(few_s, 2),
                "every_day_vs_full": round(all_s / full_s, 2),
            }
        )
    )


if __name__ == "__main__":
    main()
