"""Load benchmark of the workspace API: single-score requests at a constant rate.

Starts `opencustoms serve` on loopback against a scratch database (bundled 2021 Q1
declarations ingested, a risk model trained on the bundled 2020 data unless
OPENCUSTOMS_MODEL_DIR already holds one), then drives `POST /api/risk/score` with `hey`
(Debian package `hey`, a Go HTTP load generator): 10 workers x 20 requests/s = 200
requests/s for 60 s, each request one declaration as JSON with a bearer token. Prints
throughput, latency percentiles (from hey's per-request CSV), errors and server memory,
and writes benchmarks/RESULTS-workspace.md.

    uv run python benchmarks/bench_workspace_load.py [--rate 200] [--seconds 60]
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

import httpx
import numpy as np
import pandas as pd
import psutil

REPO = Path(__file__).resolve().parent.parent
KCS_TRAIN = REPO / "data" / "kcs" / "df_syn_train_eng.csv"
KCS_VALID = REPO / "data" / "kcs" / "df_syn_valid_eng.csv"
RESULTS = REPO / "benchmarks" / "RESULTS-workspace.md"
PASSWORD = "bench-password-2026"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def run(cmd: list[str], env: dict[str, str], stdin: str | None = None) -> None:
    print("$", " ".join(cmd), flush=True)
    subprocess.run(
        cmd, env=env, check=True, cwd=REPO, stdout=subprocess.DEVNULL, input=stdin, text=True
    )


def sample_bodies(n: int) -> list[str]:
    """Real 2021 Q1 declarations as canonical JSON bodies."""
    from opencustoms.declarations.io import load_frame

    frame = load_frame(KCS_VALID, "kcs").sample(n, random_state=7)
    bodies = []
    for rec in frame.to_dict("records"):
        clean = {
            k: (v.date().isoformat() if isinstance(v, pd.Timestamp) else v)
            for k, v in rec.items()
            if v is not None and not pd.isna(v)
        }
        clean["declaration_id"] = f"B{clean['declaration_id']}"
        bodies.append(json.dumps(clean, default=str))
    return bodies


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rate", type=int, default=200, help="requests per second in total")
    ap.add_argument("--seconds", type=int, default=60)
    ap.add_argument("--workers", type=int, default=10, help="hey workers (connections)")
    ap.add_argument("--server-workers", type=int, default=1, help="uvicorn processes")
    args = ap.parse_args()
    hey = shutil.which("hey")
    if hey is None:
        print("needs the `hey` load generator: apt-get install hey", file=sys.stderr)
        return 2
    work = Path(tempfile.mkdtemp(prefix="oc-bench-ws-"))
    env = {
        **os.environ,
        "OPENCUSTOMS_VAR_DIR": str(work / "var"),
        "OPENCUSTOMS_DATABASE_URL": f"sqlite:///{work / 'bench.sqlite'}",
        "OPENCUSTOMS_SECRET_KEY": "bench",
    }
    env.setdefault("OPENCUSTOMS_MODEL_DIR", str(work / "model"))
    oc = ["uv", "run", "opencustoms"]
    if not (Path(env["OPENCUSTOMS_MODEL_DIR"]) / "metadata.json").is_file():
        run(
            [
                *oc,
                "risk",
                "train",
                "--data",
                str(KCS_TRAIN),
                "--profile",
                "kcs",
                "--out",
                env["OPENCUSTOMS_MODEL_DIR"],
            ],
            env,
        )
    run([*oc, "declarations", "ingest", str(KCS_VALID), "--profile", "kcs"], env)
    run(
        [
            *oc,
            "users",
            "create",
            "--username",
            "bench",
            "--password-stdin",  # never a password on the command line
            "--role",
            "officer",
            "--office",
            "40",
        ],
        env,
        stdin=f"{PASSWORD}\n",
    )
    port = free_port()
    server = subprocess.Popen(
        [
            *oc,
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(args.server_workers),
        ],
        env=env,
        cwd=REPO,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
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
        token = httpx.post(
            f"{base}/api/auth/token", json={"username": "bench", "password": PASSWORD}
        ).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        bodies = sample_bodies(50)
        # Warm-up: model load, first predictions, connection pools.
        with httpx.Client(base_url=base, headers=headers, timeout=10) as c:
            for b in bodies * 4:
                r = c.post("/api/risk/score", content=b)
                r.raise_for_status()
            example = r.json()
        body_file = work / "body.json"
        body_file.write_text(bodies[0])
        per_worker = args.rate / args.workers
        proc = psutil.Process(server.pid)
        cmd = [
            hey,
            "-z",
            f"{args.seconds}s",
            "-c",
            str(args.workers),
            "-q",
            f"{per_worker:g}",
            "-m",
            "POST",
            "-T",
            "application/json",
            "-H",
            f"Authorization: Bearer {token}",
            "-D",
            str(body_file),
            "-o",
            "csv",
            f"{base}/api/risk/score",
        ]
        print(
            f"$ hey -z {args.seconds}s -c {args.workers} -q {per_worker:g} ... "
            "POST /api/risk/score",
            flush=True,
        )
        load_before = os.getloadavg()[0]
        started = time.monotonic()
        out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
        load_after = os.getloadavg()[0]
        wall = time.monotonic() - started
        rss = sum(p.memory_info().rss for p in [proc, *proc.children(recursive=True)])
    finally:
        server.terminate()
        server.wait(timeout=30)
    rows = list(csv.DictReader(io.StringIO(out)))
    lat = np.array([float(r["response-time"]) for r in rows]) * 1000
    status = [int(r["status-code"]) for r in rows]
    errors = sum(s != 200 for s in status)
    n = len(rows)
    p50, p90, p99, p999 = np.percentile(lat, [50, 90, 99, 99.9])
    figures = {
        "requests": n,
        "seconds": round(wall, 1),
        "rate_per_s": round(n / wall, 1),
        "errors": errors,
        "p50_ms": round(p50, 2),
        "p90_ms": round(p90, 2),
        "p99_ms": round(p99, 2),
        "p99_9_ms": round(p999, 2),
        "max_ms": round(lat.max(), 2),
        "server_rss_mib": round(rss / 2**20, 1),
        # Other work on the machine shows in the 1-minute load average (2 cores).
        "load_avg_1min_before": round(load_before, 2),
        "load_avg_1min_after": round(load_after, 2),
    }
    ok = errors == 0 and p99 <= 50 and n / wall >= 0.97 * args.rate
    print(json.dumps(figures))
    print(
        f"target: {args.rate} req/s for {args.seconds} s, p99 <= 50 ms, zero errors -> "
        f"{'PASS' if ok else 'FAIL'}"
    )
    print("example response:", json.dumps(example)[:300])
    RESULTS.write_text(
        "# Workspace benchmark results\n\n"
        f"Measured {dt.date.today().isoformat()} on this 2-core machine with "
        "`uv run python benchmarks/bench_workspace_load.py` (load generator: Debian `hey`, "
        f"{args.workers} workers x {per_worker:g} req/s, loopback, bearer token, SQLite store "
        "with the bundled 2021 Q1 declarations, model trained on the bundled 2020 data, "
        f"{args.server_workers} uvicorn worker).\n\n"
        "| metric | value |\n| --- | --- |\n"
        f"| target | {args.rate} single-score requests/s for {args.seconds} s |\n"
        + "".join(f"| {k} | {v} |\n" for k, v in figures.items())
        + f"| verdict (p99 <= 50 ms, zero errors, rate held) | {'pass' if ok else 'fail'} |\n"
    )
    print(f"wrote {RESULTS.relative_to(REPO)}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
