"""Intake of 1,000,000 parcels into SQLite and PostgreSQL (fresh database each): read,
validate, duplicate check against the store, bulk load (executemany / COPY), quarantine,
run record per batch. Prints seconds, parcels/s and peak memory per database.

    uv run python benchmarks/bench_parcels_intake.py [--postgres URL] [--file MANIFEST]

Without --file the 1M-parcel manifest of bench_parcels_screen.py is used (generated if
missing). PostgreSQL: pass a URL, or set OPENCUSTOMS_TEST_POSTGRES_URL
(``bash scripts/test-postgres.sh`` starts a local cluster).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from _machine import machine_report, snapshot

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_parcels_screen import ensure_manifest


def run_once(path: Path, url: str) -> dict[str, object]:
    from opencustoms.db import make_engine, migrate
    from opencustoms.parcels.intake import ingest_manifest

    engine = make_engine(url)
    migrate(engine)
    cpu, t = time.process_time(), time.perf_counter()
    s = ingest_manifest(path=path, engine=engine)
    seconds = time.perf_counter() - t
    cpu = time.process_time() - cpu
    return {
        "database": engine.dialect.name,
        "input": s.input,
        "stored": s.stored,
        "quarantined": s.quarantined,
        "duplicates": s.duplicates,
        "seconds": round(seconds, 1),
        "cpu_s": round(cpu, 1),
        "parcels_per_s": round(s.input / seconds),
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "load_1min": round(os.getloadavg()[0], 2),
    }


def _pg_schema(base: str) -> str:
    import psycopg

    schema = f"bench_{uuid.uuid4().hex[:10]}"
    plain = base.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    sep = "&" if "?" in base else "?"
    return f"{base}{sep}options=-csearch_path%3D{schema}"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--file", type=Path, default=None)
    ap.add_argument("--postgres", default=os.environ.get("OPENCUSTOMS_TEST_POSTGRES_URL", ""))
    ap.add_argument("--child", default="", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps({**run_once(args.file, args.child), "machine": snapshot()}))
        return
    path = args.file or ensure_manifest(30, 33_334, 11)
    mode = (
        f"parcels intake of {path.name} into sqlite"
        + (" and postgresql" if args.postgres else "")
        + ", 1 process per database"
    )
    with machine_report(mode=mode):
        urls = [f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite"]
        if args.postgres:
            urls.append(_pg_schema(args.postgres))
        for url in urls:
            cmd = [sys.executable, __file__, "--child", url, "--file", str(path)]
            out = subprocess.run(cmd, capture_output=True, text=True)
            if out.returncode:
                print(out.stderr.strip().splitlines()[-1])
                continue
            print(out.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    main()
