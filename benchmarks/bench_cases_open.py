"""Benchmark: open a case with 5,000 linked records (<= 1 s, issue 14), on a store that
already holds many other alerts; also alert import throughput and the triage queue page.

Usage: uv run python benchmarks/bench_cases_open.py [--background 20000] [--linked 5000]
       [--postgres URL]   (default: a fresh SQLite file in a temporary directory)
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import statistics
import tempfile
import time
from pathlib import Path

from _machine import machine_report
from opencustoms.cases.access import Actor
from opencustoms.cases.alerts import IncomingAlert, import_alerts
from opencustoms.cases.queue import list_alerts
from opencustoms.cases.service import create_case, get_case
from opencustoms.db import make_engine, migrate

KINDS = ("declarations", "settlements", "va_transfers", "parcels", "links")


def _alert(i: int, subject: str, typology: str, n_evidence: int, start: int = 0) -> IncomingAlert:
    per = max(1, n_evidence // len(KINDS))
    return IncomingAlert(
        external_id=f"X{i}",
        typology=typology,
        subject_id=subject,
        score=(i % 97) / 97,
        period_start=dt.date(2026, 1, 1),
        period_end=dt.date(2026, 1, 31),
        amount_krw=1e6 * (i % 13),
        evidence={k: [f"{k[:2].upper()}{start + j}" for j in range(per)] for k in KINDS},
        explanation=f"synthetic alert {i}",
    )


def web_page(url: str, case_id: int, repeat: int) -> None:
    """The case page over HTTP (FastAPI test client, HTML and JSON), when the web face is
    installed: what an officer waits for, template rendering included."""
    try:
        from fastapi.testclient import TestClient

        from opencustoms.web.app import create_app
    except ImportError:
        print("web face not installed: case page over HTTP not measured")
        return
    from opencustoms.settings import Settings
    from opencustoms.workspace.models import UserCreate
    from opencustoms.workspace.users import create_user

    settings = Settings(database_url=url, var_dir=Path(tempfile.mkdtemp()), secret_key="bench")
    with TestClient(create_app(settings)) as client:
        create_user(
            engine=make_engine(url),
            data=UserCreate(username="bench", password="bench-password", role="admin", office="10"),
        )
        token = client.post(
            "/api/auth/token", json={"username": "bench", "password": "bench-password"}
        ).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        for label, params in (("HTML", {}), ("JSON", {"format": "json"})):
            times = []
            for _ in range(repeat):
                t0 = time.perf_counter()
                r = client.get(f"/cases/{case_id}", headers=headers, params=params)
                times.append(time.perf_counter() - t0)
                assert r.status_code == 200, r.text[:200]
            # The first request of a process also compiles the templates: shown apart.
            first, times = times[0], sorted(times[1:])
            median, worst = statistics.median(times) * 1000, times[-1] * 1000
            size = len(r.content) / 1024
            print(f"GET /cases/{case_id} ({label}, {size:.0f} KiB): first {first * 1000:.0f} ms, "
                  f"then median {median:.0f} ms, max {worst:.0f} ms")  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--background", type=int, default=20_000)
    ap.add_argument("--linked", type=int, default=5_000)
    ap.add_argument("--postgres", default=None)
    ap.add_argument("--repeat", type=int, default=20)
    args = ap.parse_args()
    url = args.postgres or f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite"
    mode = (
        f"case open ({args.linked:,} linked records) and triage queue page, "
        f"{args.background:,} background alerts, {args.repeat} runs each, "
        f"{'postgresql' if args.postgres else 'sqlite'}, 1 process"
    )
    with machine_report(mode=mode):
        migrate(url)
        engine = make_engine(url)
        admin = Actor(username="bench", role="admin", office="10")

        background = [_alert(i, f"S{i}", "bg", 10, start=i * 10) for i in range(args.background)]
        t0 = time.perf_counter()
        res = import_alerts(engine=engine, alerts=background, source="bench", office="40")
        t_import = time.perf_counter() - t0
        print(f"import {res.input:,} alerts ({res.input * 10:,} evidence ids): {t_import:.1f} s, "
              f"{res.input / t_import:,.0f} alerts/s")  # fmt: skip

        # Five detectors' alerts on one subject, 1,000 records each = 5,000 linked records.
        per_alert = args.linked // 5
        big = [
            _alert(10_000_000 + k, "BIG", f"typology_{k}", per_alert, start=k * per_alert)
            for k in range(5)
        ]
        import_alerts(engine=engine, alerts=big, source="bench2", office="40")
        ids = [r.id for r in list_alerts(engine=engine, actor=admin, source="bench2")[1]]
        case = create_case(engine=engine, actor=admin, alert_ids=ids)

        times = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            detail = get_case(engine=engine, actor=admin, case_id=case.id)
            times.append(time.perf_counter() - t0)
        linked = sum(len(v) for v in detail.evidence.values())
        times.sort()
        print(f"open case with {linked:,} linked records ({len(detail.alerts)} alerts): "
              f"median {statistics.median(times) * 1000:.0f} ms, "
              f"p95 {times[int(0.95 * (len(times) - 1))] * 1000:.0f} ms, "
              f"max {times[-1] * 1000:.0f} ms over {args.repeat} runs")  # fmt: skip

        qt = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            list_alerts(engine=engine, actor=admin, state="new", sort="score", limit=50)
            qt.append(time.perf_counter() - t0)
        print(f"triage queue page (50 of {args.background:,}, by score): "
              f"median {statistics.median(qt) * 1000:.0f} ms")  # fmt: skip
        web_page(url, case.id, args.repeat)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"database: {engine.dialect.name}; peak RSS {peak:.0f} MiB")


if __name__ == "__main__":
    main()
