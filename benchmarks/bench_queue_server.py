"""Server time of the queue page (issue 19): the /queue route in-process and its domain
call, for the demo officer (office 40, about 3,000 current assessments).

Builds (or reuses, with --data) the demo's workspace data exactly as
bench_workspace_pages.py does (its ``build``), brings the database to the latest schema
(indexes added by later migrations), then, with no browser and no network:

- route: GET /queue?per_page=ROWS through FastAPI's TestClient, signed in as the demo
  officer (the page a browser asks for: session check, queue, audit row, render; code
  older than the per_page parameter ignores it and shows 50 rows);
- domain: ``risk.queue.queue`` for office 40 with the page's default filter (selected
  lanes, open items, score descending; ROWS rows).

Each is warmed up, then timed --runs times; median and p95 in ms are printed.

    uv run python benchmarks/bench_queue_server.py [--runs 50] [--rows 50] [--data DIR]

Timing figures: only from a quiet run.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _machine import machine_report
from bench_workspace_pages import PASSWORD, USER, _env, build

OFFICE = "40"


def timed(fn: Callable[[], Any], runs: int) -> tuple[float, float]:
    """Median and p95 of ``runs`` calls in ms, after three warm-up calls."""
    for _ in range(3):
        fn()
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    return statistics.median(times), times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=50)
    ap.add_argument("--rows", type=int, default=50, choices=[25, 50, 100], help="page size")
    ap.add_argument("--data", type=Path, help="keep the built data here (reused when built)")
    args = ap.parse_args()
    work = args.data or Path(tempfile.mkdtemp(prefix="bench-queue-"))
    try:
        work.mkdir(parents=True, exist_ok=True)
        build(work)
        os.environ.update(_env(work))
        from fastapi.testclient import TestClient

        from opencustoms.db import get_engine, migrate
        from opencustoms.risk.lanes import load_capacity
        from opencustoms.risk.queue import QueueFilter, queue
        from opencustoms.settings import get_settings
        from opencustoms.web.app import create_app

        get_settings.cache_clear()
        engine = get_engine(get_settings().resolved_database_url)
        migrate(engine)
        client = TestClient(create_app())
        signed = client.post(
            "/login",
            data={"username": USER, "password": PASSWORD, "next": "/"},
            follow_redirects=False,
        )
        if signed.status_code != 303:
            raise SystemExit(f"sign-in failed: {signed.status_code}")
        path = f"/queue?per_page={args.rows}"
        first = client.get(path)
        if first.status_code != 200:
            raise SystemExit(f"{path} answered {first.status_code}")
        plan = load_capacity()
        flt = QueueFilter()
        rows = args.rows

        def domain_call() -> Any:
            return queue(engine=engine, office=OFFICE, flt=flt, limit=rows, offset=0, plan=plan)

        total, items, _ = domain_call()
        print(f"office {OFFICE}: {total} queue items, page of {len(items)}; runs {args.runs}")
        mode = f"queue server time, SQLite, in-process, {rows} rows, {args.runs} runs"
        with machine_report(mode=mode):
            route = timed(lambda: client.get(path), args.runs)
            domain = timed(domain_call, args.runs)
        print(f"route  GET {path:<18} median {route[0]:6.1f} ms  p95 {route[1]:6.1f} ms")
        print(f"domain risk.queue.queue()    median {domain[0]:6.1f} ms  p95 {domain[1]:6.1f} ms")
    finally:
        if args.data is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
