"""Load benchmark of the workspace API: single-score requests at a constant rate.

Starts `opencustoms serve` on loopback against a scratch database (bundled 2021 Q1
declarations ingested, a risk model trained on the bundled 2020 data unless
OPENCUSTOMS_MODEL_DIR already holds one), then drives `POST /api/risk/score` with `hey`
(Debian package `hey`, a Go HTTP load generator): 10 workers x 20 requests/s = 200
requests/s for 60 s, each request one declaration as JSON with a bearer token. Prints
the machine and mode (``_machine.machine_report``: cores, load before/after, server
workers, event loop, HTTP parser), throughput, latency percentiles (from hey's
per-request CSV), errors, server memory, and the CPU the server and hey each used per
request (both run on this machine's cores), ending with a markdown table row for
benchmarks/RESULTS-workspace.md.

    uv run python benchmarks/bench_workspace_load.py [--rate 200] [--seconds 60]
        [--server-workers 1] [--loop auto] [--http auto]
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import json
import os
import resource
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

from _machine import machine_report

REPO = Path(__file__).resolve().parent.parent
KCS_TRAIN = REPO / "data" / "kcs" / "df_syn_train_eng.csv"
KCS_VALID = REPO / "data" / "kcs" / "df_syn_valid_eng.csv"
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


def server_cpu(proc: psutil.Process) -> float:
    """CPU seconds (user + system) of the server and its worker processes so far."""
    total = 0.0
    for p in [proc, *proc.children(recursive=True)]:
        try:
            t = p.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += t.user + t.system
    return total


def children_cpu() -> float:
    """CPU seconds of this script's finished children (hey, once it has exited)."""
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


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
    ap.add_argument("--loop", default="auto", help="serve --loop: auto, uvloop or asyncio")
    ap.add_argument("--http", default="auto", help="serve --http: auto, httptools or h11")
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
            # only when asked: older versions of `serve` (compared runs) lack the options
            *(["--loop", args.loop] if args.loop != "auto" else []),
            *(["--http", args.http] if args.http != "auto" else []),
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
        mode = (
            f"POST /api/risk/score, {args.rate} req/s for {args.seconds} s, hey {args.workers} "
            f"connections on loopback; serve --workers {args.server_workers} --loop "
            f"{args.loop} --http {args.http}"
        )
        with machine_report(mode=mode) as machine:
            server_cpu0 = server_cpu(proc)
            hey_cpu0 = children_cpu()
            started = time.monotonic()
            out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
            wall = time.monotonic() - started
            hey_cpu = children_cpu() - hey_cpu0
            used_cpu = server_cpu(proc) - server_cpu0
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
        # CPU per request of the server processes and of hey (same cores), and the share
        # of the machine's cores each kept busy.
        "server_cpu_ms_per_request": round(used_cpu / n * 1000, 3),
        "server_cores_busy": round(used_cpu / wall, 2),
        "hey_cpu_ms_per_request": round(hey_cpu / n * 1000, 3),
        "hey_cores_busy": round(hey_cpu / wall, 2),
        # Other work on the machine shows in the load averages (1, 5, 15 min).
        "load_before": machine["before"]["load"],
        "load_after": machine["after"]["load"],
        "cores": machine["before"]["cores"],
        "mode": mode,
    }
    ok = errors == 0 and p99 <= 50 and n / wall >= 0.97 * args.rate
    print(json.dumps(figures))
    print(
        f"target: {args.rate} req/s for {args.seconds} s, p99 <= 50 ms, zero errors -> "
        f"{'PASS' if ok else 'FAIL'}"
    )
    print("example response:", json.dumps(example)[:300])
    print(
        "RESULTS row: | "
        + " | ".join(
            str(x)
            for x in (
                dt.date.today().isoformat(),
                f"{args.server_workers} ({args.loop}/{args.http})",
                figures["rate_per_s"],
                figures["p50_ms"],
                figures["p99_ms"],
                errors,
                figures["server_cpu_ms_per_request"],
                figures["hey_cores_busy"],
                " / ".join(map(str, figures["load_before"])),
            )
        )
        + " |"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
