"""Benchmark of the staff list pages at scale, on PostgreSQL.

Run as ``.venv/bin/python bench/pages.py --cases 1000000``. It (re)creates its own
database, ``accountability_bench_pages`` on the server of ``DATABASE_URL``, migrates it,
and builds N cases with a realistic spread, all in SQL on the server:

* citizens: most call once, one case in ten comes from a pool of repeat callers (about
  ten cases each); phones, account numbers (none on one case in five), three-character
  names and addresses as bench/search.py makes them;
* 10 departments of 10 handlers, a head and a front desk each; kinds, channels and
  urgency mixed;
* about 76 % ended (70 % closed, with their clock stopped, some of them late), spread
  over two years; the open ones from the last 60 days, with 1-3 running clocks (8 % of
  the cases overdue, 12 % at risk, the suspended paused);
* a breach, a red-card notification and a violation (open if recent, decided if older)
  for every late clock; a yellow-card notification for every warned clock.

Then, signed in as each role with Django's test client, it times every staff list page,
its filters and a deep page: per page the median and p95 over ``--runs`` runs after one
warm-up, the median as a multiple of the floor's (a page that reads no case, timed next
to each run: the host's load drifts), the query count and the status, and a last line of
JSON.

``--reuse`` keeps the database when it already holds the cases (it still migrates, so new
indexes are built on it): a re-measure takes a minute, not a reload. ``--only REGEX``
times only the pages whose label matches.

It measures only: it never asserts a time.
"""

from __future__ import annotations

import argparse
import json
import logging
import re
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.scan import DEPARTMENTS, organisation  # noqa: E402
from bench.support import bulk_load, open_database  # noqa: E402

BENCH_DB = "accountability_bench_pages"
ENDED = ("closed", "rejected", "terminated", "withdrawn")
# A repeat caller and a one-time caller of the built data (case 10 and case 11); their
# phone and account numbers are computed in SQL as build() does.
REPEAT_CASE = 10
ONCE_CASE = 11


def _staff() -> dict[str, Any]:
    """Roles for the organisation bench.scan made, plus a front desk per department and
    an inspector; returns the users by name."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from accountability.models import Department, StaffProfile
    from accountability.roles import Role

    User = get_user_model()
    groups = {role: Group.objects.get(name=role.value) for role in Role}
    User.objects.get(username="leader").groups.add(groups[Role.LEADERSHIP])
    for department in Department.objects.order_by("pk"):
        assert department.head is not None
        department.head.groups.add(groups[Role.DEPARTMENT_HEAD])
        desk = User.objects.create(username=f"desk{department.code[4:]}")
        StaffProfile.objects.create(user=desk, department=department)
        desk.groups.add(groups[Role.FRONT_DESK])
    for handler in User.objects.filter(username__startswith="handler"):
        handler.groups.add(groups[Role.HANDLER])
    inspector = User.objects.create(username="inspector")
    inspector.groups.add(groups[Role.INSPECTION_OFFICE])
    return {user.username: user for user in User.objects.all()}


def _check_columns(cursor: Any, table: str, given: str) -> None:
    """Fail clearly when the model gained a NOT NULL column without a database default
    that the raw INSERT does not give (a new field of this session)."""
    cursor.execute(
        """
        SELECT column_name FROM information_schema.columns
        WHERE table_name = %s AND is_nullable = 'NO' AND column_default IS NULL
          AND is_identity = 'NO'
        """,
        [table],
    )
    names = set(re.findall(r"\w+", given))
    missing = [name for (name,) in cursor.fetchall() if name not in names]
    if missing:
        raise SystemExit(f"bench/pages.py: {table} needs values for {missing}")


CASE_COLUMNS = """
    number, opened_at, channel, matter_kind, urgency, variant, service_item_code, subject,
    content, citizen_name, citizen_phone, citizen_email, citizen_address, citizen_account,
    first_responder_id, department_id, handler_id, handling_mode, instruction, referred_to,
    state, lookup_digest, version, resolution, updated_at, resolved_at, closed_at, rating,
    rated_at
"""
CLOCK_COLUMNS = """
    case_id, kind, policy_id, department_id, responsible_id, unit, started_at,
    extension_amount, due_at, due_is_provisional, warn_at, warned_at, breached_at, stopped_at
"""


def build(cases: int, now: Any) -> None:
    from django.db import connection

    from deadlines.models import Breach, Case, Clock, Notification
    from sanctions.models import Violation, ViolationType
    from sanctions.services.rulebook import rulebook_current

    policy, handlers, departments = organisation()
    users = _staff()
    desks = [users[f"desk{d}"].pk for d in range(DEPARTMENTS)]
    inspector = users["inspector"].pk
    rulebook = rulebook_current().pk
    violation_type = ViolationType.objects.order_by("pk").values_list("pk", flat=True)[0]
    tables = [
        Case._meta.db_table,
        Clock._meta.db_table,
        Breach._meta.db_table,
        Notification._meta.db_table,
        Violation._meta.db_table,
    ]
    with connection.cursor() as cursor, bulk_load(cursor, tables):
        _check_columns(cursor, Case._meta.db_table, CASE_COLUMNS)
        _check_columns(cursor, Clock._meta.db_table, CLOCK_COLUMNS)
        # Case i: person (repeat callers share one), state bucket r, handler i mod 100.
        cursor.execute(
            f"""
            INSERT INTO {Case._meta.db_table} ({CASE_COLUMNS})
            SELECT '2026-' || lpad(s.i::text, 7, '0'), o.opened,
                   (ARRAY['phone','hotline','visit','web','letter'])[1 + s.i %% 5],
                   (ARRAY['complaint','complaint','complaint','complaint','complaint',
                          'complaint','consultation','consultation','consultation',
                          'consultation','help_request','help_request','help_request',
                          'help_request','report','report','application','application',
                          'suggestion','petition'])[1 + (s.i * 31) %% 20],
                   CASE WHEN s.i %% 20 = 0 THEN 'urgent' ELSE 'normal' END, '', '',
                   (ARRAY['水压不足','水表漏水','水质浑浊','停水未通知','账单有误'])
                       [1 + s.i %% 5],
                   '市民来电反映情况。',
                   (ARRAY['王','李','张','刘','陈','杨','赵','黄','周','吴'])[1 + p.person %% 10]
                     || (ARRAY['建','小','国','红','志','秀','文','丽','明','海'])
                        [1 + (p.person / 10) %% 10]
                     || (ARRAY['国','华','平','英','军','芳','强','敏','杰','娟'])
                        [1 + (p.person / 100) %% 10],
                   '13' || lpad(((p.person * 7919) %% 1000000000)::text, 9, '0'), '',
                   (ARRAY['人民路','解放路','幸福路','光明路','建设路'])[1 + p.person %% 5]
                     || (p.person %% 997) || '号',
                   CASE WHEN p.person %% 5 = 4 THEN '' ELSE 'WA-' || lpad(p.person::text, 8, '0')
                   END,
                   d.desk, h.department,
                   CASE WHEN st.state IN ('registered', 'awaiting_transfer') THEN NULL
                        ELSE h.handler END,
                   'direct', '', '', st.state, '', 1, '', o.opened + interval '4 days',
                   CASE WHEN st.state IN ('resolved', 'closed')
                        THEN o.opened + interval '3 days' END,
                   CASE WHEN st.state = 'closed' THEN o.opened + interval '4 days' END,
                   CASE WHEN st.state = 'closed' AND p.r %% 10 < 6 THEN 1 + p.r %% 5 END,
                   CASE WHEN st.state = 'closed' AND p.r %% 10 < 6
                        THEN o.opened + interval '5 days' END
            FROM generate_series(1, %(cases)s) AS s(i)
            CROSS JOIN LATERAL (SELECT
                CASE WHEN s.i %% 10 = 0
                     THEN %(cases)s + (s.i::bigint * 7919) %% (%(cases)s / 100 + 1)
                     ELSE s.i::bigint END AS person,
                (s.i::bigint * 7919 + 13) %% 100 AS r) AS p
            CROSS JOIN LATERAL (SELECT CASE
                WHEN p.r < 70 THEN 'closed' WHEN p.r < 72 THEN 'rejected'
                WHEN p.r < 75 THEN 'withdrawn' WHEN p.r < 76 THEN 'terminated'
                WHEN p.r < 80 THEN 'registered' WHEN p.r < 83 THEN 'accepted'
                WHEN p.r < 93 THEN 'in_progress' WHEN p.r < 95 THEN 'awaiting_transfer'
                WHEN p.r < 97 THEN 'suspended' WHEN p.r < 99 THEN 'resolved'
                ELSE 'reopened' END AS state) AS st
            CROSS JOIN LATERAL (SELECT CASE
                WHEN st.state IN ('closed', 'rejected', 'withdrawn', 'terminated')
                    THEN %(now)s - interval '5 days'
                         - make_interval(mins => ((%(cases)s - s.i)::bigint * 1051200
                                                  / %(cases)s)::int)
                ELSE %(now)s - make_interval(mins => ((s.i::bigint * 7) %% 86400)::int)
                END AS opened) AS o
            JOIN unnest(%(handlers)s::bigint[], %(departments)s::bigint[])
                WITH ORDINALITY AS h(handler, department, n) ON h.n = 1 + s.i %% %(count)s
            JOIN unnest(%(desks)s::bigint[]) WITH ORDINALITY AS d(desk, n)
              ON d.n = 1 + (s.i / 3) %% %(desk_count)s
            """,
            {
                "cases": cases,
                "now": now,
                "handlers": handlers,
                "departments": departments,
                "count": len(handlers),
                "desks": desks,
                "desk_count": len(desks),
            },
        )
        # Ended cases: one stopped result clock, one in twenty of them late. Open ones:
        # 1-3 running clocks; bucket b of the case says overdue (8), at risk (12) or not
        # yet; a suspended case's clocks are paused (no due moment).
        cursor.execute(
            f"""
            INSERT INTO {Clock._meta.db_table} ({CLOCK_COLUMNS})
            SELECT c.id, k.kind, %(policy)s, c.department_id, c.handler_id, '', c.opened_at,
                   0, t.due, false, t.due - interval '1 day',
                   CASE WHEN t.late OR t.risk THEN t.due - interval '1 day' END,
                   CASE WHEN t.late THEN t.due END, t.stopped
            FROM (SELECT id, department_id, handler_id, opened_at, state, closed_at,
                         (id * 104729) %% 100 AS b, state = ANY(%(ended)s) AS ended
                  FROM {Case._meta.db_table}) AS c
            CROSS JOIN LATERAL generate_series(
                1, CASE WHEN c.ended THEN 1 ELSE 1 + (c.id %% 3)::int END) AS j
            CROSS JOIN LATERAL (SELECT
                (ARRAY['result','first_feedback','unit_to_first_responder'])[j] AS kind) AS k
            CROSS JOIN LATERAL (SELECT
                CASE WHEN c.ended THEN c.opened_at + interval '10 days'
                                       - CASE WHEN c.b < 5 THEN interval '7 days'
                                              ELSE interval '0 days' END
                     WHEN c.state = 'suspended' THEN NULL
                     WHEN j = 1 AND c.b < 8
                         THEN %(now)s - make_interval(mins => 30 + ((c.id * 7) %% 43200)::int)
                     WHEN j = 1 AND c.b < 20
                         THEN %(now)s + make_interval(mins => 30 + ((c.id * 7) %% 1380)::int)
                     ELSE %(now)s + interval '2 days' + make_interval(days => j)
                          + make_interval(mins => ((c.id * 7) %% 40000)::int)
                END AS due,
                c.ended AND c.b < 5 OR NOT c.ended AND c.state <> 'suspended'
                    AND j = 1 AND c.b < 8 AS late,
                NOT c.ended AND c.state <> 'suspended' AND j = 1 AND c.b >= 8
                    AND c.b < 20 AS risk,
                CASE WHEN c.ended THEN coalesce(c.closed_at, c.opened_at + interval '4 days')
                END AS stopped) AS t
            """,
            {"policy": policy, "now": now, "ended": list(ENDED)},
        )
        cursor.execute(
            f"""
            INSERT INTO {Breach._meta.db_table} (
                clock_id, case_id, kind, moment, detected_at, responsible_id, department_id)
            SELECT id, case_id, 'overdue', due_at, due_at + interval '1 minute',
                   responsible_id, department_id
            FROM {Clock._meta.db_table} WHERE breached_at IS NOT NULL
            """
        )
        # Violations of the last 30 days are still to review (a third under review); the
        # older ones decided (a quarter dismissed).
        cursor.execute(
            f"""
            INSERT INTO {Violation._meta.db_table} (
                type_id, staff_id, department_id, occurred_at, severity, summary, source_kind,
                case_id, breach_id, finding, state, rulebook_version_id, dismissal_reason,
                dismissal_note, raised_at, reviewer_id, decided_at, decided_by_id, version)
            SELECT %(type)s, b.responsible_id, b.department_id, b.moment, 'minor', '',
                   'breach', b.case_id, b.id, '', v.state, %(rulebook)s,
                   CASE WHEN v.state = 'dismissed' THEN 'other' ELSE '' END, '',
                   b.detected_at,
                   CASE WHEN v.state <> 'raised' THEN %(inspector)s END,
                   CASE WHEN v.state IN ('confirmed', 'dismissed')
                        THEN b.detected_at + interval '5 days' END,
                   CASE WHEN v.state IN ('confirmed', 'dismissed') THEN %(inspector)s END, 1
            FROM {Breach._meta.db_table} AS b
            CROSS JOIN LATERAL (SELECT CASE
                WHEN b.moment > %(now)s - interval '30 days'
                    THEN CASE WHEN b.id %% 3 = 0 THEN 'under_review' ELSE 'raised' END
                WHEN b.id %% 4 = 0 THEN 'dismissed' ELSE 'confirmed' END AS state) AS v
            WHERE b.responsible_id IS NOT NULL
            """,
            {"type": violation_type, "rulebook": rulebook, "inspector": inspector, "now": now},
        )
        cursor.execute(
            f"""
            INSERT INTO {Notification._meta.db_table} (
                recipient_id, kind, case_id, clock_id, breach_id, moment, created_at, read_at)
            SELECT responsible_id, 'overdue', case_id, clock_id, id, moment, detected_at,
                   CASE WHEN moment < %(now)s - interval '7 days' THEN detected_at END
            FROM {Breach._meta.db_table} WHERE responsible_id IS NOT NULL
            UNION ALL
            SELECT responsible_id, 'warning', case_id, id, NULL, warn_at, warn_at,
                   CASE WHEN warn_at < %(now)s - interval '7 days' THEN warn_at END
            FROM {Clock._meta.db_table}
            WHERE warned_at IS NOT NULL AND responsible_id IS NOT NULL
            """,
            {"now": now},
        )


def citizen(case: int, cases: int) -> tuple[str, str]:
    """The phone and account number build() gives case `case` (see its SQL)."""
    person = cases + (case * 7919) % (cases // 100 + 1) if case % 10 == 0 else case
    phone = "13" + str((person * 7919) % 1_000_000_000).zfill(9)
    account = "" if person % 5 == 4 else "WA-" + str(person).zfill(8)
    return phone, account


def pages(cases: int) -> list[tuple[str, str, str]]:
    """(label, user, URL) of every staff list page, filter and deep page to time."""
    from django.urls import reverse

    repeat_phone, repeat_account = citizen(REPEAT_CASE, cases)
    once_phone, _ = citizen(ONCE_CASE, cases)
    mine = reverse("deadlines:my_cases")
    dept = reverse("deadlines:department_cases")
    search = reverse("deadlines:search")
    register = reverse("intake:registration")
    history = reverse("intake:history")
    queue = reverse("sanctions:queue")
    rows: list[tuple[str, str, str]] = []

    def add(label: str, user: str, url: str) -> None:
        rows.append((label, user, url))

    # The floor: a page that reads no case (sign-in, one session lookup).
    add("floor: password change form", "desk0", reverse("password_change"))
    # The front desk.
    add("desk: my cases (open)", "desk0", mine)
    add("desk: my cases, all states", "desk0", f"{mine}?state=")
    add("desk: my cases, all states, page 2000", "desk0", f"{mine}?state=&page=2000")
    add("desk: registration", "desk0", register)
    add("desk: registration, repeat caller's phone", "desk0", f"{register}?phone={repeat_phone}")
    add("desk: earlier contacts, repeat phone", "desk0", f"{history}?phone={repeat_phone}")
    add("desk: earlier contacts, one-time phone", "desk0", f"{history}?phone={once_phone}")
    add("desk: earlier contacts, account", "desk0", f"{history}?account={repeat_account}")
    add("desk: earlier contacts, unknown phone", "desk0", f"{history}?phone=13000000001")
    add("desk: appointments", "desk0", reverse("intake:appointments"))
    add("desk: notifications", "desk0", reverse("deadlines:notifications"))
    add("desk: awaiting decision", "desk0", reverse("sanctions:awaiting"))
    # A handler.
    add("handler: my cases (open)", "handler0_0", mine)
    add("handler: my cases, all states", "handler0_0", f"{mine}?state=")
    add("handler: my cases, overdue", "handler0_0", f"{mine}?overdue=on")
    add("handler: my cases, at risk", "handler0_0", f"{mine}?at_risk=on")
    add("handler: my cases, all states, page 300", "handler0_0", f"{mine}?state=&page=300")
    add("handler: department cases (open)", "handler0_0", dept)
    add("handler: notifications", "handler0_0", reverse("deadlines:notifications"))
    add("handler: outages", "handler0_0", reverse("outages:list"))
    # A department head: every filter of the department list.
    add("head: department cases (open)", "head0", dept)
    add("head: department cases, all states", "head0", f"{dept}?state=")
    add("head: department cases, all states, page 2000", "head0", f"{dept}?state=&page=2000")
    add("head: department cases, open, page 400", "head0", f"{dept}?page=400")
    for state in (
        "registered",
        "accepted",
        "in_progress",
        "awaiting_transfer",
        "suspended",
        "resolved",
        "closed",
        "reopened",
        "rejected",
        "terminated",
        "withdrawn",
    ):
        add(f"head: department cases, {state}", "head0", f"{dept}?state={state}")
    add("head: department cases, overdue", "head0", f"{dept}?overdue=on")
    add("head: department cases, overdue, all states", "head0", f"{dept}?state=&overdue=on")
    add("head: department cases, at risk", "head0", f"{dept}?at_risk=on")
    add("head: department cases, complaints", "head0", f"{dept}?matter_kind=complaint")
    add("head: department cases, urgent", "head0", f"{dept}?urgency=urgent")
    add("head: my cases (open)", "head0", mine)
    add("head: dashboard", "head0", reverse("oversight:dashboard"))
    add("head: exports", "head0", reverse("oversight:exports"))
    add("head: reports", "head0", reverse("oversight:reports"))
    add("head: refusal flags", "head0", reverse("intake:refusal_flags"))
    add("head: rejection register", "head0", reverse("intake:rejection_register"))
    add("head: notifications", "head0", reverse("deadlines:notifications"))
    # Leadership.
    add("leader: department cases, dept3", "leader", f"{dept}?department=dept3")
    add("leader: department cases, dept3, all", "leader", f"{dept}?department=dept3&state=")
    add("leader: dashboard", "leader", reverse("oversight:dashboard"))
    add("leader: inspection queue", "leader", queue)
    add("leader: sanction register", "leader", reverse("sanctions:register"))
    add("leader: eligibility", "leader", reverse("sanctions:eligibility"))
    # The inspection office.
    add("inspector: inspection queue", "inspector", queue)
    add("inspector: queue, page 200", "inspector", f"{queue}?page=200")
    add("inspector: queue, all states", "inspector", f"{queue}?state=")
    add("inspector: queue, all states, page 1000", "inspector", f"{queue}?state=&page=1000")
    for state in ("raised", "under_review", "confirmed", "dismissed"):
        add(f"inspector: queue, {state}", "inspector", f"{queue}?state={state}")
    add("inspector: queue, dept3", "inspector", f"{queue}?department=dept3")
    add("inspector: queue, source breach", "inspector", f"{queue}?source=breach")
    add("inspector: sanction register", "inspector", reverse("sanctions:register"))
    add("inspector: department cases, dept3", "inspector", f"{dept}?department=dept3")
    add("inspector: rejection register", "inspector", reverse("intake:rejection_register"))
    add("inspector: dashboard", "inspector", reverse("oversight:dashboard"))
    add("inspector: exports", "inspector", reverse("oversight:exports"))
    # The header search box (issue 24: the daily-use search), as the inspection office
    # (every case: the widest), and as the front desk, a handler and a head, whose scope
    # narrows it; then a list's search filter, with a word of one subject in five.
    searches = {
        "case number": "2026-0012345",
        "phone": repeat_phone,
        "phone digits": "3912345",
        "account": repeat_account,
        "name, 3 characters": "王建国",
        "name, 2 characters": "王建",
        "address": "人民路123号",
        "subject": "水压不足",
        "subject, 2 characters": "水压",
        "subject, page 2000": "水压不足&page=2000",
    }
    for label, text in searches.items():
        add(f"inspector: search, {label}", "inspector", f"{search}?q={text}")
    for role, user in (("head", "head0"), ("handler", "handler0_0"), ("desk", "desk0")):
        for label in (
            "phone",
            "account",
            "name, 3 characters",
            "name, 2 characters",
            "subject",
            "subject, 2 characters",
        ):
            add(f"{role}: search, {label}", user, f"{search}?q={searches[label]}")
    for role, user, url in (
        ("head", "head0", f"{dept}?state="),
        ("head", "head0", f"{dept}?"),
        ("handler", "handler0_0", f"{dept}?state="),
        ("inspector", "inspector", f"{dept}?department=dept3&state="),
        ("handler", "handler0_0", f"{mine}?state="),
        ("desk", "desk0", f"{mine}?state="),
    ):
        listed = "department cases" if url.startswith(dept) else "my cases"
        states = "all states" if "state=" in url else "open"
        for label in ("subject", "subject, 2 characters", "name, 3 characters"):
            add(
                f"{role}: {listed}, {states}, search {label}",
                user,
                f"{url}&q={searches[label]}",
            )
    return rows


def measure(rows: list[tuple[str, str, str]], runs: int) -> list[dict[str, Any]]:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client

    logging.getLogger("axes").setLevel(logging.WARNING)  # a line per sign-in otherwise
    logging.getLogger("django.request").setLevel(logging.CRITICAL)  # the status says it
    User = get_user_model()
    clients: dict[str, Client] = {}
    results = []
    width = max(len(label) for label, _user, _url in rows)
    print(f"  {'page':<{width}} {'median':>9} {'p95':>9} {'×floor':>7} {'queries':>7} status")
    # Counted by a wrapper: each request resets connection.queries, which
    # CaptureQueriesContext would read.
    queries: list[str] = []

    def counted(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        queries.append(sql)
        return execute(sql, params, many, context)

    def client_of(username: str) -> Client:
        if username not in clients:
            # A page that fails is reported by its status (500), not raised.
            client = Client(raise_request_exception=False, HTTP_HOST="localhost")
            client.force_login(User.objects.get(username=username))
            clients[username] = client
        return clients[username]

    def timed(client: Client, url: str) -> float:
        began = time.perf_counter()
        client.get(url)
        return time.perf_counter() - began

    # The floor (the first row) is timed again next to each run of every page: the
    # host is shared and its load drifts, so "× floor" compares a page with a page
    # that reads no case, measured at the same moments.
    _floor_label, floor_user, floor_url = rows[0]
    for label, username, url in rows:
        client = client_of(username)
        queries.clear()
        with connection.execute_wrapper(counted):
            status = client.get(url).status_code  # the warm-up
        count = len(queries)
        seconds = []
        floor = []
        for _ in range(runs):
            floor.append(timed(client_of(floor_user), floor_url))
            seconds.append(timed(client, url))
        seconds.sort()
        median = statistics.median(seconds) * 1000
        p95 = seconds[min(len(seconds) - 1, round(0.95 * (len(seconds) - 1)))] * 1000
        ratio = median / (statistics.median(floor) * 1000)
        print(f"  {label:<{width}} {median:7.1f}ms {p95:7.1f}ms {ratio:7.1f} {count:>7} {status}")
        results.append(
            {
                "page": label,
                "median_ms": round(median, 1),
                "p95_ms": round(p95, 1),
                "x_floor": round(ratio, 1),
                "queries": count,
                "status": status,
            }
        )
    return results


def loaded(cases: int) -> bool:
    """Whether the database holds the data of a --cases N build (its last case)."""
    from django.contrib.auth import get_user_model
    from django.db import connection

    from deadlines.models import Case

    if "deadlines_case" not in connection.introspection.table_names():
        return False
    last = Case.objects.order_by("-pk").values_list("number", flat=True).first()
    return (
        last == "2026-" + str(cases).zfill(7)
        and get_user_model().objects.filter(username="inspector").exists()
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=1_000_000, help="cases to build")
    parser.add_argument("--runs", type=int, default=7, help="timed runs per page")
    parser.add_argument("--reuse", action="store_true", help="keep a database already built")
    parser.add_argument("--only", help="time only the pages whose label matches this regex")
    args = parser.parse_args()
    if args.cases < 100 or args.runs < 1:
        parser.error("need 100 <= cases and 1 <= runs")

    began = time.perf_counter()
    fresh = open_database(BENCH_DB, reuse=args.reuse, holds_data=lambda: loaded(args.cases))
    from django.db import connection
    from django.utils import timezone

    print(
        f"database {BENCH_DB} {'created' if fresh else 'reused'} and migrated in "
        f"{time.perf_counter() - began:.1f} s"
    )
    if fresh:
        began = time.perf_counter()
        build(args.cases, timezone.now().replace(microsecond=0))
        print(f"built {args.cases:,} cases in {time.perf_counter() - began:.1f} s")
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT (SELECT count(*) FROM deadlines_case WHERE state <> ALL(%s)),
                   (SELECT count(*) FROM deadlines_clock WHERE stopped_at IS NULL),
                   (SELECT count(*) FROM sanctions_violation
                    WHERE state IN ('raised', 'under_review')),
                   (SELECT count(*) FROM deadlines_notification)
            """,
            [list(ENDED)],
        )
        open_cases, running, to_review, notifications = cursor.fetchone()
    print(
        f"{open_cases:,} open cases, {running:,} running clocks, {to_review:,} violations "
        f"to review, {notifications:,} notifications"
    )

    rows = pages(args.cases)
    if args.only:  # the floor stays: every page is compared with it
        rows = rows[:1] + [row for row in rows[1:] if re.search(args.only, row[0])]
    results = measure(rows, args.runs)
    print(
        json.dumps({"cases": args.cases, "runs": args.runs, "pages": results}, ensure_ascii=False)
    )


if __name__ == "__main__":
    main()
