"""Intake into the parcel store on SQLite and PostgreSQL: loss-free, idempotent, kill -9 safe."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import Engine, func, select

from opencustoms.db import make_engine
from opencustoms.parcels.generator import generate
from opencustoms.parcels.intake import ingest_manifest
from opencustoms.parcels.models import parcel_ingest_runs, parcel_quarantine, parcels

CLI = [sys.executable, "-c", "from opencustoms.cli.main import main; main()"]


def _damaged(tmp_path: Path, days: int = 2, per_day: int = 1500) -> tuple[Path, int, int]:
    """A generated manifest with bad rows, exact repeats and a conflicting repeat."""
    manifest, _ = generate(days=days, parcels_per_day=per_day, seed=9)
    raw = manifest.astype(str).replace({"<NA>": "", "nan": ""})
    raw.loc[10, "recipient_pccc"] = "X1"
    raw.loc[20, "declared_value"] = "-1"
    raw.loc[30, "currency"] = "ZZZ"
    repeats = raw.iloc[[40, 41, 42]]
    conflict = raw.iloc[[43]].assign(declared_value="12345")
    raw = pd.concat([raw, repeats, conflict], ignore_index=True)
    path = tmp_path / "manifest.csv"
    raw.to_csv(path, index=False)
    return path, len(raw), len(manifest) - 3


def _counts(engine: Engine) -> tuple[int, int]:
    with engine.connect() as conn:
        stored = conn.execute(select(func.count()).select_from(parcels)).scalar_one()
        held = conn.execute(select(func.count()).select_from(parcel_quarantine)).scalar_one()
    return int(stored), int(held)


def test_intake_is_loss_free_and_idempotent(database_url: str, tmp_path: Path) -> None:
    path, n_input, n_good = _damaged(tmp_path)
    engine = make_engine(database_url)
    first = ingest_manifest(path=path, engine=engine, batch_size=1000)
    assert first.input == n_input
    assert first.stored == n_good
    assert first.quarantined == 4  # 3 bad rows + the conflicting repeat
    assert first.duplicates == 3
    assert first.input == first.stored + first.quarantined + first.duplicates
    again = ingest_manifest(path=path, engine=engine, batch_size=1000)
    assert again.stored == 0 and again.duplicates == n_good + 3
    assert _counts(engine)[0] == n_good
    with engine.connect() as conn:
        row = conn.execute(
            select(parcel_quarantine.c.raw, parcel_quarantine.c.reasons).where(
                parcel_quarantine.c.row_number == 11
            )
        ).first()
        office = conn.execute(select(func.count(func.distinct(parcels.c.office_code)))).scalar()
    assert row is not None and row.raw["recipient_pccc"] == "X1"
    assert row.reasons[0]["field"] == "recipient_pccc"
    assert office and office > 1  # derived from the carrier
    engine.dispose()


def _run(engine: Engine) -> dict | None:  # type: ignore[type-arg]
    try:
        with engine.connect() as conn:
            row = conn.execute(select(parcel_ingest_runs)).mappings().first()
    except Exception:  # tables not created yet by the child
        return None
    return dict(row) if row else None


@pytest.mark.slow
def test_kill_mid_intake_then_rerun(database_url: str, tmp_path: Path) -> None:
    path, n_input, n_good = _damaged(tmp_path, days=4, per_day=5000)
    batch = 1000
    env = {
        **os.environ,
        "OPENCUSTOMS_DATABASE_URL": database_url,
        "OPENCUSTOMS_INGEST_BATCH_SIZE": str(batch),
        "OPENCUSTOMS_VAR_DIR": str(tmp_path),
    }
    engine = make_engine(database_url)
    child = subprocess.Popen(
        [*CLI, "parcels", "ingest", str(path), "--json"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        run = _run(engine)
        if run and run["rows_done"] >= 3 * batch:
            break
        assert child.poll() is None, child.communicate()
        time.sleep(0.01)
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    killed = _run(engine)
    assert killed is not None and killed["status"] == "running"
    assert killed["rows_done"] < n_input, "the intake finished before it was killed"
    assert killed["rows_done"] % batch == 0
    stored, held = _counts(engine)  # whole batches only: counters match the tables
    assert stored == killed["stored"] and held == killed["quarantined"]

    out = subprocess.run(
        [*CLI, "parcels", "ingest", str(path), "--json"], env=env, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    done = json.loads(out.stdout.strip().splitlines()[-1])
    assert done["input"] == n_input
    assert done["stored"] == n_good and _counts(engine) == (n_good, 4)
    assert done["input"] == done["stored"] + done["quarantined"] + done["duplicates"]
    engine.dispose()
