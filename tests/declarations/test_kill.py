"""kill -9 in the middle of an ingest, then a rerun: each valid row is stored exactly once."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from opencustoms.db import make_engine
from opencustoms.declarations.models import declarations, ingest_runs, quarantine
from opencustoms.declarations.service import ingest_file

from .fuzzing import fuzzed_kcs_csv

CLI = [sys.executable, "-c", "from opencustoms.cli.main import main; main()"]
BATCH = 2_000


def snapshot(engine: Engine) -> tuple[set[tuple[str, int, int]], list[tuple[int, str]]]:
    with engine.connect() as conn:
        d = declarations.c
        rows = set(conn.execute(select(d.declaration_id, d.item_no, d.content_hash)).all())
        q = quarantine.c
        held = conn.execute(select(q.row_number, q.reasons).order_by(q.row_number)).all()
    return {tuple(r) for r in rows}, [(n, json.dumps(r)) for n, r in held]  # type: ignore[misc]


def run_row(engine: Engine) -> dict | None:  # type: ignore[type-arg]
    try:
        with engine.connect() as conn:
            row = conn.execute(select(ingest_runs)).mappings().first()
    except Exception:  # tables not created yet by the child
        return None
    return dict(row) if row else None


@pytest.mark.slow
def test_kill_mid_ingest_then_rerun(database_url: str, tmp_path: Path) -> None:
    fuzz = fuzzed_kcs_csv(30_000, seed=3, damage_rate=0.1)
    path = tmp_path / "big.csv"
    path.write_bytes(fuzz.data)
    reference = make_engine(f"sqlite:///{tmp_path / 'reference.sqlite'}")
    expected = ingest_file(path=path, engine=reference, batch_size=BATCH)
    want = snapshot(reference)

    env = {
        **os.environ,
        "OPENCUSTOMS_DATABASE_URL": database_url,
        "OPENCUSTOMS_INGEST_BATCH_SIZE": str(BATCH),
        "OPENCUSTOMS_VAR_DIR": str(tmp_path),
    }
    engine = make_engine(database_url)
    child = subprocess.Popen(
        [*CLI, "declarations", "ingest", str(path), "--json"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        run = run_row(engine)
        if run and run["rows_done"] >= 3 * BATCH:
            break
        assert child.poll() is None, child.communicate()
        time.sleep(0.01)
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    killed = run_row(engine)
    assert killed is not None and killed["status"] == "running"
    assert killed["rows_done"] < fuzz.n_rows, "the ingest finished before it was killed"
    assert killed["rows_done"] % BATCH == 0

    # consistent after the kill: whole batches only, counters match the tables
    stored, held = snapshot(engine)
    assert len(stored) == killed["stored"] and len(held) == killed["quarantined"]
    assert killed["input_rows"] == killed["rows_done"]
    assert max(n for n, _ in held) <= killed["rows_done"]

    rerun = subprocess.run(
        [*CLI, "declarations", "ingest", str(path), "--json"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    counts = json.loads(rerun.stdout.strip().splitlines()[-1])
    assert counts == {
        "input": expected.input,
        "stored": expected.stored,
        "quarantined": expected.quarantined,
        "duplicates": expected.duplicates,
    }
    assert counts["input"] == counts["stored"] + counts["quarantined"] + counts["duplicates"]
    assert snapshot(engine) == want  # same rows, same content, same quarantine, once each
    with engine.connect() as conn:
        runs = conn.execute(select(func.count()).select_from(ingest_runs)).scalar()
        done = conn.execute(select(ingest_runs.c.status)).scalar()
    assert (runs, done) == (1, "done")
    engine.dispose()
