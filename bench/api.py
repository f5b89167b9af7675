"""Benchmark of the case-status endpoint (GET /api/v1/cases/{number}/) under gunicorn,
as a share of a trivial Django view served by the same server.

Run as ``.venv/bin/python bench/api.py``. It (re)creates its own database,
``accountability_bench_api`` on the server of ``DATABASE_URL`` (default
``postgresql://postgres@127.0.0.1:5432``), migrates it, opens ``--cases`` cases through
the case services (so each has its clocks and timeline) and a client token, starts
gunicorn with ``--workers`` sync workers (default 2) on a free port, and runs
``--clients`` concurrent clients (default 32) for ``--seconds`` (default 3) per round
after a warm-up, each asking for a random case's status over and over. The server counts
the client's throttle in Redis when ``REDIS_URL`` is set, as production does; without it,
in each worker. A client is a non-blocking socket of one thread with a new connection per
request, as a sync worker closes it after each answer; the load generator shares the
machine's cores with the server, so it is kept light.

The floor: the same server (gunicorn.conf.py, workers, middleware) also serves a
trivial view (bench.urls: a few bytes of JSON, no database), which only the benchmark's
settings (bench.settings) route. The load alternates between the endpoint and the
trivial view, ``--rounds`` times each (default 8), so a noisy host slows both alike,
and prints the endpoint's throughput as a share of the trivial view's (the issue's
target: no less than 45 %), each round's and the whole run's, then a last line of JSON::

    {"requests": N, "errors": 0, "rps": ..., "trivial_rps": ..., "ratio": ..., ...}

It measures only: it never asserts a time.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import selectors
import signal
import socket
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.support import bench_url, recreate_database  # noqa: E402

BENCH_DB = "accountability_bench_api"
SECRET_KEY = "bench-only-secret-key-never-used-outside-the-benchmark-0123456789"


def server_environment(url: str) -> dict[str, str]:
    """Production-like settings: DEBUG off (no query log), a fixed key, the local host."""
    env = dict(os.environ)
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.update(
        DATABASE_URL=url,
        DEBUG="0",
        SECRET_KEY=SECRET_KEY,
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_COOKIES="0",
        SECURE_SSL_REDIRECT="0",  # plain HTTP on the loopback
        LOG_LEVEL="WARNING",
    )
    return env


def reuse(url: str) -> tuple[str, list[str]]:
    """The database built before: a new client token and the case numbers."""
    os.environ.update(server_environment(url))
    os.environ["DJANGO_SETTINGS_MODULE"] = "accountability.settings"
    import django

    django.setup()
    from django.contrib.auth import get_user_model

    from accountability.models import ApiScope
    from accountability.services import api_client_create
    from deadlines.models import Case

    _client, token = api_client_create(
        actor=get_user_model().objects.get(username="admin"),
        name=f"bench {time.time()}",
        scopes=[ApiScope.CASES_READ],
        throttle_rate="1000000/min",
    )
    return token, list(Case.objects.values_list("number", flat=True))


def build(url: str, cases: int) -> tuple[str, list[str]]:
    """Migrate, open the cases, create the client; returns its token and the numbers."""
    os.environ.update(server_environment(url))
    os.environ["DJANGO_SETTINGS_MODULE"] = "accountability.settings"
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.core.management import call_command
    from django.db import connection

    from accountability.models import ApiScope, Department, StaffProfile
    from accountability.roles import Role
    from accountability.services import api_client_create
    from deadlines.models import Channel, MatterKind
    from deadlines.services.calendar import calendar_seed_from_library
    from deadlines.services.cases import case_accept, case_open
    from deadlines.services.policies import policies_load

    call_command("migrate", verbosity=0)
    calendar_seed_from_library(actor=None)
    policies_load(
        actor=None, path=Path(settings.BASE_DIR) / "fixtures" / "time_limit_policies.json"
    )
    User = get_user_model()
    admin = User.objects.create(username="admin", is_superuser=True, is_staff=True)
    department = Department.objects.create(code="service", name="客户服务中心")
    desk = User.objects.create(username="desk")
    desk.groups.add(Group.objects.get(name=Role.FRONT_DESK.value))
    handler = User.objects.create(username="handler")
    handler.groups.add(Group.objects.get(name=Role.HANDLER.value))
    for user in (desk, handler):
        StaffProfile.objects.create(user=user, department=department)
    numbers = []
    for i in range(cases):
        case = case_open(
            actor=desk,
            department=department,
            channel=Channel.PHONE,
            matter_kind=MatterKind.COMPLAINT,
            subject=f"水压不足 {i}",
            content="三楼以上水压不足。",
            citizen_name="张三",
        )
        if i % 2:
            case_accept(actor=handler, case=case)
        numbers.append(case.number)
    _client, token = api_client_create(
        actor=admin,
        name="bench",
        scopes=[ApiScope.CASES_READ],
        throttle_rate="1000000/min",
    )
    # Settle the new tables now, so that autovacuum does not start during the measurement.
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return token, numbers


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_gunicorn(url: str, port: int, workers: int, threads: int) -> subprocess.Popen[bytes]:
    command = [
        str(ROOT / ".venv" / "bin" / "gunicorn"),
        "accountability.wsgi:application",
        f"--workers={workers}",
        f"--threads={threads}",
        f"--bind=127.0.0.1:{port}",
        "--backlog=2048",
        "--log-level=warning",
    ]
    # The portal's settings with bench.urls: the trivial view is routed in this server
    # only, never in production.
    env = {**server_environment(url), "DJANGO_SETTINGS_MODULE": "bench.settings"}
    return subprocess.Popen(command, cwd=ROOT, env=env)


def wait_until_up(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("gunicorn did not start")


@dataclass
class Exchange:
    """One request in flight on its own connection."""

    sock: socket.socket
    began: float
    sent: bool = False
    received: bytes = b""

    def complete(self) -> bool:
        """The headers and as many bytes of body as Content-Length announces are in."""
        head, separator, body = self.received.partition(b"\r\n\r\n")
        if not separator:
            return False
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                return len(body) >= int(value)
        return False  # no length: the server's close ends the answer


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) of a process and its children: gunicorn's workers."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # the process ended meanwhile
        if int(stat.parent.name) == pid or int(fields[1]) == pid:
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


def database_cpu_seconds(database: str) -> float:
    """CPU time of the PostgreSQL backends connected to the database (the server runs
    on this host; the workers keep their connections, so the backends live on)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if f" {database} ".encode() not in cmdline.read_bytes():
                continue
            fields = (cmdline.parent / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick
    return total


def wait_until_idle(pid: int, timeout: float = 60) -> None:
    """The port opens before the workers have loaded Django: wait until gunicorn's CPU use
    settles, so that start-up is not counted as serving."""
    deadline = time.monotonic() + timeout
    last = cpu_seconds(pid)
    while time.monotonic() < deadline:
        time.sleep(0.5)
        now = cpu_seconds(pid)
        if now - last < 0.05:
            return
        last = now


def requests_of(paths: list[str], token: str) -> list[bytes]:
    return [
        (
            f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"Authorization: Bearer {token}\r\nConnection: close\r\n\r\n"
        ).encode()
        for path in paths
    ]


def load(
    port: int, requests: list[bytes], clients: int, warmup: float, seconds: float
) -> tuple[list[float], int]:
    """``clients`` connections kept busy from one thread with non-blocking sockets: a
    light client, so that most of the machine's two cores go to the server under test."""
    latencies: list[float] = []
    errors = 0
    selector = selectors.DefaultSelector()
    start = time.monotonic()
    measure_from, stop_at = start + warmup, start + warmup + seconds

    def begin() -> None:
        sock = socket.socket()
        sock.setblocking(False)
        sock.connect_ex(("127.0.0.1", port))
        selector.register(sock, selectors.EVENT_WRITE, Exchange(sock, time.monotonic()))

    for _ in range(clients):
        begin()
    while selector.get_map():
        for key, _mask in selector.select(timeout=5):
            exchange: Exchange = key.data
            sock = exchange.sock
            try:
                if not exchange.sent:
                    sock.sendall(random.choice(requests))
                    exchange.sent = True
                    selector.modify(sock, selectors.EVENT_READ, exchange)
                    continue
                chunk = sock.recv(65536)
            except OSError:
                chunk, exchange.received = b"", b""
            exchange.received += chunk
            if chunk and not exchange.complete():
                continue
            # Closed as soon as the whole answer is in: a sync worker waits for the
            # client's side to close before it takes the next connection.
            selector.unregister(sock)
            sock.close()
            ended = time.monotonic()
            if exchange.began >= measure_from:
                latencies.append(ended - exchange.began)
                if exchange.received[9:12] != b"200":
                    errors += 1
            if ended < stop_at:
                begin()
    return latencies, errors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--threads", type=int, default=1, help="more than 1 runs gunicorn's gthread workers"
    )
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=3.0, help="per round and kind")
    parser.add_argument("--warmup", type=float, default=2.0, help="of each kind, once")
    parser.add_argument(
        "--rounds", type=int, default=8, help="alternations of the endpoint and the floor"
    )
    parser.add_argument("--reuse", action="store_true", help="keep the database built before")
    args = parser.parse_args()

    url, maintenance = bench_url(BENCH_DB)
    if args.reuse:
        token, numbers = reuse(url)
    else:
        recreate_database(BENCH_DB, maintenance)
        started = time.monotonic()
        token, numbers = build(url, args.cases)
        print(f"built {len(numbers)} cases in {time.monotonic() - started:.1f} s", flush=True)
    from bench.urls import TRIVIAL_PATH

    endpoint = requests_of([f"/api/v1/cases/{number}/" for number in numbers], token)
    floor = requests_of([TRIVIAL_PATH], token)
    port = free_port()
    server = start_gunicorn(url, port, args.workers, args.threads)
    measured: dict[str, list[float]] = {"endpoint": [], "trivial": []}
    # CPU seconds each kind cost gunicorn and PostgreSQL: what a quiet host's throughput
    # would follow, whatever else the host is running.
    cpu = {"endpoint": 0.0, "trivial": 0.0}
    database_cpu = {"endpoint": 0.0, "trivial": 0.0}  # PostgreSQL's part of it
    errors = {"endpoint": 0, "trivial": 0}
    ratios = []
    try:
        wait_until_up(port)
        wait_until_idle(server.pid)
        for requests in (endpoint, floor):
            load(port, requests, args.clients, 0, args.warmup)
        client_cpu, server_cpu = time.process_time(), cpu_seconds(server.pid)
        for round_ in range(1, args.rounds + 1):
            counts = {}
            for name, requests in (("endpoint", endpoint), ("trivial", floor)):
                # Short rounds, alternated: the load of a shared host changes within
                # seconds, and both kinds meet the same; each round starts after a
                # moment's ramp-up on fresh connections.
                began, database_began = cpu_seconds(server.pid), database_cpu_seconds(BENCH_DB)
                latencies, failed = load(port, requests, args.clients, 0.3, args.seconds)
                database = database_cpu_seconds(BENCH_DB) - database_began
                cpu[name] += cpu_seconds(server.pid) - began + database
                database_cpu[name] += database
                measured[name] += latencies
                errors[name] += failed
                counts[name] = len(latencies)
            ratios.append(counts["endpoint"] / max(counts["trivial"], 1))
            print(
                f"round {round_}: endpoint {counts['endpoint'] / args.seconds:8.1f} req/s, "
                f"trivial view {counts['trivial'] / args.seconds:8.1f} req/s, "
                f"ratio {ratios[-1]:.1%}",
                flush=True,
            )
        client_cpu = time.process_time() - client_cpu
        server_cpu = cpu_seconds(server.pid) - server_cpu
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    seconds = args.seconds * args.rounds

    def summary(latencies: list[float]) -> dict[str, float | None]:
        latencies = sorted(latencies)
        count = len(latencies)
        return {
            "rps": round(count / seconds, 1),
            "p50_ms": round(statistics.median(latencies) * 1000, 2) if count else None,
            "p99_ms": (
                round(latencies[min(count - 1, int(count * 0.99))] * 1000, 2) if count else None
            ),
        }

    api, trivial = summary(measured["endpoint"]), summary(measured["trivial"])
    ratio = len(measured["endpoint"]) / max(len(measured["trivial"]), 1)
    # Ramp-ups included on both sides: CPU per request measured, not per second.
    cpu_ms = {
        name: cpu[name] * 1000 / max(len(measured[name]), 1) for name in ("endpoint", "trivial")
    }
    database_ms = {
        name: database_cpu[name] * 1000 / max(len(measured[name]), 1)
        for name in ("endpoint", "trivial")
    }
    cpu_ratio = cpu_ms["trivial"] / cpu_ms["endpoint"] if cpu_ms["endpoint"] else 0.0
    print(
        f"CPU per request (gunicorn and PostgreSQL): endpoint {cpu_ms['endpoint']:.2f} ms "
        f"(PostgreSQL {database_ms['endpoint']:.2f} ms), trivial view "
        f"{cpu_ms['trivial']:.2f} ms; trivial / endpoint: {cpu_ratio:.1%} "
        "(the throughput ratio of a host with nothing else to do)"
    )
    print(
        f"endpoint {api['rps']} req/s (p50 {api['p50_ms']} ms, p99 {api['p99_ms']} ms); "
        f"trivial view {trivial['rps']} req/s (p50 {trivial['p50_ms']} ms, "
        f"p99 {trivial['p99_ms']} ms); endpoint / trivial view: {ratio:.1%} "
        f"(rounds {min(ratios):.1%}-{max(ratios):.1%}; target >= 45 %)"
    )
    result = {
        "endpoint": "GET /api/v1/cases/{number}/",
        "workers": args.workers,
        "threads": args.threads,
        "clients": args.clients,
        "seconds": seconds,
        "requests": len(measured["endpoint"]),
        "errors": errors["endpoint"],
        **api,
        "trivial_requests": len(measured["trivial"]),
        "trivial_errors": errors["trivial"],
        **{f"trivial_{key}": value for key, value in trivial.items()},
        "ratio": round(ratio, 3),
        "round_ratios": [round(r, 3) for r in ratios],
        "cpu_ms_per_request": {name: round(ms, 3) for name, ms in cpu_ms.items()},
        "database_cpu_ms_per_request": round(database_ms["endpoint"], 3),
        "cpu_ratio": round(cpu_ratio, 3),
        # CPU seconds of gunicorn and of the load generator, warm-ups included: where the
        # machine's time went (PostgreSQL's share is the rest).
        "server_cpu_s": round(server_cpu, 2),
        "client_cpu_s": round(client_cpu, 2),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
