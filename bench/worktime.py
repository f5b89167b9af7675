"""Benchmark of the working-time engine (the deadlines.worktime package).

Run as ``.venv/bin/python bench/worktime.py``. Measures, on one core, a limit of
30 working days computed three ways from the same seeded random starts
(2025-01-01 .. 2026-12-31, Asia/Shanghai):

* scalar ``compute_due`` (the path every request takes);
* vectorised ``compute_working_due_many`` (recomputing all open clocks at once);
* the naive day-by-day loop (``naive_add_working_days`` plus building the due
  datetime the same way), the baseline the speedup is measured against.

It checks that the three agree, prints human-readable lines, and prints a last
line of JSON for tooling. It measures only: it never asserts a time.
"""

from __future__ import annotations

import os

# One core: keep any BLAS/OpenMP pools numpy might start to a single thread.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import json  # noqa: E402
import sys  # noqa: E402
import time as clock  # noqa: E402
from collections.abc import Callable  # noqa: E402
from datetime import date, datetime, time, timedelta  # noqa: E402
from pathlib import Path  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import chinese_calendar  # noqa: E402
import numpy as np  # noqa: E402

from deadlines.worktime import (  # noqa: E402
    LOCAL_TZ,
    Due,
    Unit,
    WorkCalendar,
    compute_due,
    compute_working_due_many,
    naive_add_working_days,
)

SEED = 20260101
AMOUNT = 30
PUBLISHED = (2025, 2026)
N_SCALAR = 200_000
N_VECTOR = 2_000_000
N_NAIVE = 20_000
REPEATS = 5


def official_calendar() -> WorkCalendar:
    """The calendar the tests use: the official 2025–2026 schedule from chinese_calendar."""
    overrides: dict[date, bool] = {}
    for year in PUBLISHED:
        day = date(year, 1, 1)
        while day.year == year:
            working = chinese_calendar.is_workday(day)
            if working != (day.weekday() < 5):
                overrides[day] = working
            day += timedelta(days=1)
    return WorkCalendar(overrides=overrides, published_years=PUBLISHED)


def naive_compute_due(calendar: WorkCalendar, start: datetime) -> Due:
    """compute_due(unit=WORKING_DAYS, end=MIDNIGHT) the obvious way, one day at a time."""
    start = start.astimezone(LOCAL_TZ)
    day = start.date()
    if start.time() == time(0):
        day -= timedelta(days=1)  # local 00:00 is 24:00 of the day before
    last = naive_add_working_days(calendar, day, AMOUNT)
    at = datetime.combine(last + timedelta(days=1), time(0), tzinfo=LOCAL_TZ)
    return Due(at, calendar.any_provisional(day + timedelta(days=1), last))


def best_rate(n: int, run: Callable[[], object], repeats: int = REPEATS) -> float:
    """Operations per second of the fastest of ``repeats`` runs of ``n`` operations."""
    best = float("inf")
    for _ in range(repeats):
        began = clock.perf_counter()
        run()
        best = min(best, clock.perf_counter() - began)
    return n / best


def main() -> None:
    began = clock.perf_counter()
    calendar = official_calendar()
    built = clock.perf_counter() - began

    rng = np.random.default_rng(SEED)
    lo = int(datetime(2025, 1, 1, tzinfo=LOCAL_TZ).timestamp())
    hi = int(datetime(2027, 1, 1, tzinfo=LOCAL_TZ).timestamp())
    epochs = rng.integers(lo, hi, size=N_VECTOR, dtype=np.int64)
    # Some clocks start exactly at local midnight (e.g. batch imports); keep that path hot too.
    epochs[::97] -= (epochs[::97] - lo) % 86_400
    starts = [datetime.fromtimestamp(s, LOCAL_TZ) for s in epochs[:N_SCALAR].tolist()]
    naive_starts = starts[:N_NAIVE]

    # The three paths must agree before their speed means anything.
    scalar = [compute_due(calendar, start=s, amount=AMOUNT, unit=Unit.WORKING_DAYS) for s in starts]
    naive = [naive_compute_due(calendar, s) for s in naive_starts]
    vector = compute_working_due_many(calendar, starts=epochs, amount=AMOUNT)
    if scalar[:N_NAIVE] != naive:
        raise SystemExit("scalar and naive paths disagree")
    if [int(d.at.timestamp()) for d in scalar] != vector.due_s[:N_SCALAR].tolist():
        raise SystemExit("scalar and vectorised paths disagree")

    wd = Unit.WORKING_DAYS

    def run_scalar() -> None:
        for s in starts:
            compute_due(calendar, start=s, amount=AMOUNT, unit=wd)

    def run_naive() -> None:
        for s in naive_starts:
            naive_compute_due(calendar, s)

    def run_vector() -> None:
        compute_working_due_many(calendar, starts=epochs, amount=AMOUNT)

    scalar_rate = best_rate(N_SCALAR, run_scalar)
    naive_rate = best_rate(N_NAIVE, run_naive)
    vector_rate = best_rate(N_VECTOR, run_vector)
    best_path, best = max(
        (("vectorised", vector_rate), ("scalar", scalar_rate)), key=lambda item: item[1]
    )

    print(f"calendar {calendar!r} built in {built * 1000:.1f} ms")
    print(f"limit: {AMOUNT} working days, 24:00 end; seed {SEED}; best of {REPEATS} runs")
    print(f"scalar compute_due           {scalar_rate:>14,.0f} ops/s  ({N_SCALAR:,} starts)")
    print(f"vectorised (numpy)           {vector_rate:>14,.0f} ops/s  ({N_VECTOR:,} starts)")
    print(f"naive day-by-day loop        {naive_rate:>14,.0f} ops/s  ({N_NAIVE:,} starts)")
    print(f"scalar speedup over naive    {scalar_rate / naive_rate:>14.1f}x")
    print(f"vectorised speedup over naive{vector_rate / naive_rate:>14.1f}x")
    print(
        json.dumps(
            {
                "path": best_path,
                "ops_per_s": round(best),
                "scalar_ops_per_s": round(scalar_rate),
                "vectorised_ops_per_s": round(vector_rate),
                "naive_ops_per_s": round(naive_rate),
                "speedup": round(best / naive_rate, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
