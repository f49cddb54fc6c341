"""Cost of authenticating a request now that tokens and sessions are looked up in the
database on every request (issue 18, finding 7; the 30 s in-process token cache is gone).

Builds a scratch SQLite workspace with one officer, then times, in this process:
the bare lookups (``sessions.user_for_token``, ``sessions.user_for_session``) and a whole
authenticated request (``GET /api/me`` through the ASGI app with a bearer token, and with
a session cookie). Prints microseconds per call as CPU time of this process (what the
lookup costs the server; less disturbed by other work on the machine than wall time) and
as wall time, with the 1-minute load average.

    uv run python benchmarks/bench_workspace_auth.py [--calls 3000]
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path


def timed(fn: Callable[[], object], calls: int) -> dict[str, float]:
    for _ in range(min(200, calls)):  # warm-up: connection pool, statement cache
        fn()
    cpu0, wall0 = time.process_time(), time.perf_counter()
    for _ in range(calls):
        fn()
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    return {"cpu_us": round(cpu / calls * 1e6, 1), "wall_us": round(wall / calls * 1e6, 1)}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--calls", type=int, default=3000)
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="oc-bench-auth-"))
    os.environ["OPENCUSTOMS_VAR_DIR"] = str(work / "var")
    os.environ["OPENCUSTOMS_DATABASE_URL"] = f"sqlite:///{work / 'auth.sqlite'}"
    os.environ["OPENCUSTOMS_SECRET_KEY"] = "bench"
    os.environ["OPENCUSTOMS_MODEL_DIR"] = str(work / "no-model")

    from fastapi.testclient import TestClient

    from opencustoms.db import get_engine
    from opencustoms.settings import get_settings
    from opencustoms.web.app import create_app
    from opencustoms.web.auth import SESSION_COOKIE
    from opencustoms.workspace import sessions
    from opencustoms.workspace.models import UserCreate
    from opencustoms.workspace.users import create_user, prepare_database

    settings = get_settings()
    engine = get_engine(settings.resolved_database_url)
    prepare_database(engine)
    password = "bench-auth-password"
    user = create_user(
        engine=engine,
        data=UserCreate(username="bench", password=password, role="officer", office="40"),  # type: ignore[arg-type]
    )
    token, _ = sessions.issue_token(engine=engine, user=user)
    sid, _ = sessions.open_session(engine=engine, user=user)
    load = os.getloadavg()[0]
    figures: dict[str, object] = {
        "user_for_token": timed(
            lambda: sessions.user_for_token(engine=engine, token=token), args.calls
        ),
        "user_for_session": timed(
            lambda: sessions.user_for_session(engine=engine, sid=sid), args.calls
        ),
    }
    with TestClient(create_app(settings)) as client:
        bearer = {"Authorization": f"Bearer {token}"}
        assert client.get("/api/me", headers=bearer).status_code == 200
        figures["GET /api/me bearer"] = timed(
            lambda: client.get("/api/me", headers=bearer), args.calls
        )
        client.post("/login", data={"username": "bench", "password": password})
        assert client.cookies.get(SESSION_COOKIE)
        assert client.get("/api/me").status_code == 200
        figures["GET /api/me cookie"] = timed(lambda: client.get("/api/me"), args.calls)
        client.cookies.clear()
        figures["GET /healthz (no auth)"] = timed(lambda: client.get("/healthz"), args.calls)
    figures["calls"] = args.calls
    figures["load_avg_1min"] = [round(load, 2), round(os.getloadavg()[0], 2)]
    print(json.dumps(figures, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
