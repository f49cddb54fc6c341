"""Load benchmark of the public duty-estimate page (HTML, Korean).

Starts the web app (uvicorn, ``opencustoms.web.app:create_app``) on loopback against a
scratch SQLite database, then drives ``GET /portal/estimate?...`` with `hey` (Debian
package `hey`): by default 200 requests/s for 60 s, 10 connections, spread over 10
different estimate links (shared links: HS code, origin, value, currency, date), with
``Accept-Language: ko``. Each link is opened once before the run (as the person who
shares it did), so the run measures what the page costs when links are re-opened; the
cost of a question never asked before is measured separately (sequential, one by one) and
printed as "cold". Prints throughput, latency percentiles from hey's per-request CSV,
errors, server memory and the machine load (the machine is shared), and writes
benchmarks/RESULTS-portal.md.

    nice -n 10 uv run python benchmarks/bench_portal_estimate.py [--rate 200] [--seconds 60]
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

import httpx
import numpy as np
import psutil

from _machine import machine_report

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "benchmarks" / "RESULTS-portal.md"
# Ten realistic questions: online purchases and small imports (HS6, origin, value, currency).
LINKS = [
    ("420221", "US", 180, "USD"),  # leather handbag
    ("640399", "IT", 420, "EUR"),  # leather shoes
    ("330499", "FR", 95, "EUR"),  # cosmetics
    ("851830", "CN", 60, "USD"),  # earphones
    ("610910", "VN", 35, "USD"),  # cotton T-shirts
    ("950300", "CN", 220, "USD"),  # toys
    ("910211", "CH", 3200, "CHF"),  # wrist watch
    ("220421", "FR", 140, "EUR"),  # wine
    ("847130", "US", 1400, "USD"),  # laptop
    ("210690", "US", 130, "USD"),  # food supplements
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def query(hs: str, origin: str, value: float, currency: str, day: str) -> str:
    return urlencode(
        {
            "hs": hs,
            "origin": origin,
            "value": value,
            "currency": currency,
            "date": day,
            "personal": 1,
            "list": 0,
        }
    )


def hey_run(hey: str, urls: list[str], rate: int, seconds: int, workers: int) -> list[dict]:
    """One hey process per URL (hey drives a single URL), workers and rate split evenly."""
    per_url_workers = max(1, workers // len(urls))
    per_worker = rate / (per_url_workers * len(urls))
    procs = [
        subprocess.Popen(
            [
                hey,
                "-z",
                f"{seconds}s",
                "-c",
                str(per_url_workers),
                "-q",
                f"{per_worker:g}",
                "-H",
                "Accept-Language: ko",
                "-H",
                "Accept: text/html",
                "-o",
                "csv",
                url,
            ],
            stdout=subprocess.PIPE,
            text=True,
            # One OS thread per hey process: ten Go runtimes with a thread per core each
            # would take CPU from the server being measured.
            env={**os.environ, "GOMAXPROCS": "1"},
        )
        for url in urls
    ]
    rows: list[dict] = []
    for p in procs:
        out, _ = p.communicate()
        rows += list(csv.DictReader(io.StringIO(out)))
    return rows


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rate", type=int, default=200, help="requests per second in total")
    ap.add_argument("--seconds", type=int, default=60)
    ap.add_argument("--workers", type=int, default=10, help="hey connections in total")
    ap.add_argument("--links", type=int, default=10, help="distinct estimate links (1-10)")
    ap.add_argument("--server-workers", type=int, default=1, help="uvicorn processes")
    args = ap.parse_args()
    hey = shutil.which("hey")
    if hey is None:
        print("needs the `hey` load generator: apt-get install hey", file=sys.stderr)
        return 2
    mode = (
        f"portal estimate page, hey {args.rate} req/s for {args.seconds} s over "
        f"{args.workers} connections and {args.links} links, {args.server_workers} uvicorn "
        "worker(s), SQLite, loopback"
    )
    with machine_report(mode=mode) as machine:
        work = Path(tempfile.mkdtemp(prefix="oc-bench-portal-"))
        env = {
            **os.environ,
            "OPENCUSTOMS_VAR_DIR": str(work / "var"),
            "OPENCUSTOMS_DATABASE_URL": f"sqlite:///{work / 'bench.sqlite'}",
            "OPENCUSTOMS_SECRET_KEY": "bench",
        }
        port = free_port()
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "--factory",
                "opencustoms.web.app:create_app",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--workers",
                str(args.server_workers),
                "--log-level",
                "warning",
                "--no-access-log",
            ],
            env=env,
            cwd=REPO,
        )
        base = f"http://127.0.0.1:{port}"
        day = dt.date.today().isoformat()
        urls = [f"{base}/portal/estimate?{query(*link, day)}" for link in LINKS[: args.links]]
        headers = {"Accept-Language": "ko", "Accept": "text/html"}
        try:
            deadline = time.monotonic() + 180
            while True:
                try:
                    if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline or server.poll() is not None:
                    print("server did not become ready", file=sys.stderr)
                    return 1
                time.sleep(0.5)
            # Cold: questions never asked before, one at a time (each computes the estimate).
            cold = []
            with httpx.Client(timeout=60, headers=headers) as c:
                for i in range(30):
                    hs, origin, value, currency = LINKS[i % len(LINKS)]
                    t0 = time.perf_counter()
                    r = c.get(
                        f"{base}/portal/estimate?{query(hs, origin, value + i + 1, currency, day)}"
                    )
                    cold.append((time.perf_counter() - t0) * 1000)
                    r.raise_for_status()
                for url in urls:  # the links being shared: opened once by their author
                    r = c.get(url)
                    r.raise_for_status()
                    assert "납부 예상액" in r.text, "the page is not the Korean estimate"
                page_bytes = len(r.content)
            proc = psutil.Process(server.pid)
            print(
                f"$ hey x{len(urls)} -z {args.seconds}s (total {args.workers} connections, "
                f"{args.rate} req/s) GET /portal/estimate?...",
                flush=True,
            )
            procs = [proc, *proc.children(recursive=True)]
            cpu_before = sum(sum(p.cpu_times()[:2]) for p in procs)
            load_before = os.getloadavg()
            uptime_before = subprocess.run(
                ["uptime"], capture_output=True, text=True
            ).stdout.strip()
            started = time.monotonic()
            rows = hey_run(hey, urls, args.rate, args.seconds, args.workers)
            wall = time.monotonic() - started
            load_after = os.getloadavg()
            uptime_after = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
            rss = sum(p.memory_info().rss for p in procs)
            cpu_used = sum(sum(p.cpu_times()[:2]) for p in procs) - cpu_before
        finally:
            server.terminate()
            server.wait(timeout=30)
    lat = np.array([float(r["response-time"]) for r in rows]) * 1000
    errors = sum(int(r["status-code"]) != 200 for r in rows)
    n = len(rows)
    p50, p90, p99, p999 = np.percentile(lat, [50, 90, 99, 99.9])
    c50, c99 = np.percentile(cold, [50, 99])
    figures = {
        "requests": n,
        "seconds": round(wall, 1),
        "rate_per_s": round(n / wall, 1),
        "errors": errors,
        "p50_ms": round(p50, 2),
        "p90_ms": round(p90, 2),
        "p99_ms": round(p99, 2),
        "p99_9_ms": round(p999, 2),
        "max_ms": round(float(lat.max()), 2),
        "page_bytes": page_bytes,
        # Server CPU per request (user + system): what the page costs when the machine is
        # not shared; 1000 / this = requests/s one idle core would serve.
        "server_cpu_ms_per_request": round(cpu_used * 1000 / max(n, 1), 2),
        "server_rss_mib": round(rss / 2**20, 1),
        "cold_estimate_p50_ms": round(float(c50), 1),
        "cold_estimate_p99_ms": round(float(c99), 1),
        "load_avg_before_1_5_15": [round(x, 2) for x in load_before],
        "load_avg_after_1_5_15": [round(x, 2) for x in load_after],
        "machine": machine,
    }
    ok = errors == 0 and p99 <= 100 and n / wall >= 0.97 * args.rate
    print(json.dumps(figures))
    print(
        f"target: {args.rate} req/s for {args.seconds} s, p99 <= 100 ms, zero errors -> "
        f"{'PASS' if ok else 'FAIL'}"
    )
    with RESULTS.open("a", encoding="utf-8") as f:
        f.write(
            f"\n## Run {dt.datetime.now(dt.UTC).strftime('%Y-%m-%d %H:%M UTC')}\n\n"
            f"`nice -n 10 uv run python benchmarks/bench_portal_estimate.py --rate {args.rate} "
            f"--seconds {args.seconds} --links {args.links} --server-workers "
            f"{args.server_workers}`: hey, {args.workers} connections over {len(urls)} "
            "estimate links, Accept-Language ko, loopback, SQLite, "
            f"{args.server_workers} uvicorn worker(s).\n\n"
            f"Machine load (shared, 2 cores): before `{uptime_before}`; after `{uptime_after}`.\n\n"
            "| metric | value |\n| --- | --- |\n"
            + "".join(f"| {k} | {v} |\n" for k, v in figures.items())
            + f"| verdict (p99 <= 100 ms, zero errors, rate held) | {'pass' if ok else 'fail'} |\n"
        )
    print(f"wrote {RESULTS.relative_to(REPO)}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
