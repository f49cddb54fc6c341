"""Issue 18, finding 13: the database lost mid-job and while serving.

A private PostgreSQL cluster on its own port (never the shared test cluster, which other
tests use at the same time) is stopped in immediate mode after the first committed batch
of an ingest, and around a few requests. Before the fix the command died with a long
``psycopg.OperationalError`` traceback and the server answered 500; now the command ends
with one ``error:`` line saying rerunning resumes, the server answers 503 with
Retry-After (``/healthz`` naming the database), and both recover once it is back."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, func, select

from .conftest import KCS_VALID

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
PORT = 54000 + os.getpid() % 900  # private to this test process


def _pg_bin() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
    return found[-1].parent if found else None


class Cluster:
    def __init__(self, directory: Path) -> None:
        self.dir = directory
        self.bin = _pg_bin()
        env = {**os.environ, "OPENCUSTOMS_TEST_PG_PORT": str(PORT)}
        env["OPENCUSTOMS_TEST_PG_DIR"] = str(directory)
        self.env = env

    def start(self) -> str:
        out = subprocess.run(
            ["bash", str(ROOT / "scripts" / "test-postgres.sh")],
            env=self.env,
            check=True,
            capture_output=True,
            text=True,
        )
        return out.stdout.strip().splitlines()[-1]

    def stop(self) -> None:
        cmd = [str(self.bin / "pg_ctl"), "-D", str(self.dir), "-m", "immediate", "stop"]
        if os.getuid() == 0:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        subprocess.run(cmd, check=True, capture_output=True)


@pytest.fixture
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    if _pg_bin() is None:
        pytest.skip("no PostgreSQL binaries to start a private cluster")
    directory = Path(f"/tmp/opencustoms-pg-outage-{PORT}")
    shutil.rmtree(directory, ignore_errors=True)
    c = Cluster(directory)
    yield c
    with contextlib.suppress(subprocess.CalledProcessError):  # already stopped
        c.stop()
    shutil.rmtree(directory, ignore_errors=True)


def _stored(url: str) -> tuple[int, int]:
    from opencustoms.declarations.models import declarations

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            c = declarations.c
            rows = conn.execute(select(func.count()).select_from(declarations)).scalar_one()
            keys = conn.execute(
                select(func.count()).select_from(
                    select(c.declaration_id, c.item_no).distinct().subquery()
                )
            ).scalar_one()
            return int(rows), int(keys)
    finally:
        engine.dispose()


def test_ingest_and_server_survive_a_database_outage(
    cluster: Cluster, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from opencustoms.cli.main import app as cli
    from opencustoms.declarations import service
    from opencustoms.settings import get_settings

    url = cluster.start()
    data = tmp_path / "items.csv"
    pd.read_csv(KCS_VALID, dtype=str).head(600).to_csv(data, index=False)
    monkeypatch.setenv("OPENCUSTOMS_DATABASE_URL", url)
    monkeypatch.setenv("OPENCUSTOMS_INGEST_BATCH_SIZE", "100")
    get_settings.cache_clear()

    real = service.store_batch
    calls: list[int] = []

    def store_then_lose_the_database(conn: Any, batch: Any, *a: Any, **k: Any) -> Any:
        calls.append(1)
        if len(calls) == 3:  # two batches committed, the third is being written
            cluster.stop()
        return real(conn, batch, *a, **k)

    monkeypatch.setattr(service, "store_batch", store_then_lose_the_database)
    runner = CliRunner()
    res = runner.invoke(cli, ["declarations", "ingest", str(data), "--no-progress"])
    lines = [ln for ln in res.output.splitlines() if ln.strip()]
    assert res.exit_code == 2, res.output
    assert len(lines) == 1, res.output  # one line, no traceback
    assert lines[0].startswith("error: database: unreachable") and "rerunning" in lines[0]
    monkeypatch.setattr(service, "store_batch", real)

    cluster.start()
    res = runner.invoke(cli, ["declarations", "ingest", str(data), "--no-progress"])
    assert res.exit_code == 0, res.output
    assert _stored(url) == (600, 600)  # every row exactly once

    # The server: 503 + Retry-After while the database is down, then by itself 200.
    from opencustoms.web.app import create_app
    from opencustoms.workspace.models import UserCreate
    from opencustoms.workspace.sessions import issue_token
    from opencustoms.workspace.users import create_user

    settings = get_settings()
    with TestClient(create_app(settings)) as client:
        from opencustoms.db import get_engine

        user = create_user(
            engine=get_engine(url),
            data=UserCreate(
                username="outage-admin",
                password="outage-password-1",
                role="admin",  # type: ignore[arg-type]
                office="10",  # type: ignore[arg-type]
            ),
        )
        token, _ = issue_token(engine=get_engine(url), user=user)
        h = {"Authorization": f"Bearer {token}"}
        assert client.get("/healthz").status_code == 200
        assert client.get("/api/audit", headers=h).status_code == 200
        cluster.stop()
        r = client.get("/healthz")
        assert r.status_code == 503 and r.headers.get("retry-after")
        assert "database" in r.json()["failing"]
        # (/api/me may answer from the 30 s token cache: a request that reads the store)
        for path in ("/api/audit", "/audit"):
            r = client.get(path, headers=h)
            assert r.status_code == 503, (path, r.status_code, r.text)
            assert r.headers.get("retry-after")
        cluster.start()
        assert client.get("/healthz").status_code == 200
        assert client.get("/api/audit", headers=h).status_code == 200
