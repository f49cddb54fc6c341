"""Officer search and importer profile on the demo data: server time of ``GET /search``
and ``GET /importers/{id}`` (JSON and HTML, through the app in-process, audit included)
for an officer of the busiest office and an analyst. Goal (issue 19): search <= 500 ms.

    uv run python benchmarks/bench_officer_search.py [--db PATH] [--repeat 20]

Without ``--db`` the bundled KCS files (train + valid, 45,519 items) are ingested into a
fresh SQLite database under var/bench-search/ first (not timed).
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

from _machine import machine_report
from opencustoms.settings import BUNDLED_DATA_DIR, REPO_DIR, get_settings


def _prepare(db: Path) -> None:
    from opencustoms.db import make_engine, migrate
    from opencustoms.declarations.service import ingest_file

    url = f"sqlite:///{db}"
    migrate(url)
    engine = make_engine(url)
    for name in ("df_syn_train_eng.csv", "df_syn_valid_eng.csv"):
        ingest_file(path=BUNDLED_DATA_DIR / "kcs" / name, profile="kcs", engine=engine)
    engine.dispose()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--db", type=Path, default=None)
    ap.add_argument("--repeat", type=int, default=20)
    args = ap.parse_args()
    work = REPO_DIR / "var" / "bench-search"
    work.mkdir(parents=True, exist_ok=True)
    db = args.db or work / "demo.sqlite"
    if not db.exists():
        _prepare(db)
    os.environ.update(
        {
            "OPENCUSTOMS_DATABASE_URL": f"sqlite:///{db}",
            "OPENCUSTOMS_VAR_DIR": str(work / "var"),
            "OPENCUSTOMS_SECRET_KEY": "bench-secret",
        }
    )
    get_settings.cache_clear()
    from fastapi.testclient import TestClient
    from sqlalchemy import text

    from opencustoms.db import make_engine
    from opencustoms.web.app import create_app
    from opencustoms.workspace.models import UserCreate
    from opencustoms.workspace.sessions import issue_token
    from opencustoms.workspace.users import create_user, list_users

    app = create_app(get_settings())
    engine = make_engine(f"sqlite:///{db}")
    with engine.connect() as conn:
        office, items = conn.execute(text(
            "SELECT office_id, count(*) FROM declarations GROUP BY office_id ORDER BY 2 DESC"
        )).first()  # fmt: skip
        importer = conn.execute(text(
            "SELECT importer_id FROM declarations WHERE office_id = :o GROUP BY importer_id "
            "ORDER BY count(*) DESC LIMIT 1"), {"o": office}).scalar_one()  # fmt: skip
        total = conn.execute(text("SELECT count(*) FROM declarations")).scalar_one()
    tokens = {}
    have = {u.username for u in list_users(engine=engine)}
    for name, role in (("bench-officer", "officer"), ("bench-analyst", "analyst")):
        if name not in have:
            create_user(engine=engine, data=UserCreate(
                username=name, password="bench password long 1", role=role, office=office))  # type: ignore[arg-type]  # fmt: skip
        user = next(u for u in list_users(engine=engine) if u.username == name)
        tokens[role] = issue_token(engine=engine, user=user)[0]
    cases = [
        ("search by importer", f"/search?importer_id={importer}"),
        ("search by HS prefix", "/search?hs_prefix=8471"),
        ("search by dates", "/search?date_from=2020-03-01&date_to=2020-03-31"),
        ("search, no filter", "/search"),
        ("importer profile", f"/importers/{importer}"),
    ]
    mode = (
        f"in-process TestClient, SQLite, {total:,} items, busiest office {office} "
        f"({items:,} items), importer {importer}, {args.repeat} runs each after 2 warm-ups"
    )
    with machine_report(mode=mode), TestClient(app) as client:
        for role, token in tokens.items():
            h = {"Authorization": f"Bearer {token}"}
            for label, path in cases:
                for fmt in ("json", "html"):
                    url = (
                        path + ("&" if "?" in path else "?") + "format=json"
                        if fmt == "json"
                        else path
                    )
                    hdrs = h if fmt == "json" else {**h, "Accept": "text/html"}
                    times = []
                    for i in range(args.repeat + 2):
                        t = time.perf_counter()
                        r = client.get(url, headers=hdrs)
                        if i >= 2:
                            times.append((time.perf_counter() - t) * 1000)
                        assert r.status_code == 200, (url, r.status_code, r.text[:200])
                    print(
                        f"{role:8s} {label:22s} {fmt:4s} median {statistics.median(times):6.1f} ms"
                        f"  p95 {sorted(times)[int(0.95 * (len(times) - 1))]:6.1f} ms"
                        f"  max {max(times):6.1f} ms"
                    )


if __name__ == "__main__":
    main()
