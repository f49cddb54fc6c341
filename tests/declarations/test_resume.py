"""An ingest interrupted after some batches resumes where it stopped, for every format."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

import opencustoms.declarations.service as service
from opencustoms.db import exclusive
from opencustoms.declarations.models import declarations, ingest_runs, quarantine
from opencustoms.declarations.profiles import KCS
from opencustoms.declarations.reader import SourceFile
from opencustoms.declarations.service import IngestBusyError, ingest_file
from opencustoms.declarations.synth import kcs_like


def write(frame, fmt: str, path: Path) -> Path:  # type: ignore[no-untyped-def]
    if fmt == "csv":
        frame.to_csv(path, index=False)
    elif fmt == "parquet":
        frame.to_parquet(path, index=False)
    else:
        path.write_text("\n".join(json.dumps(r) for r in frame.to_dict(orient="records")))
    return path


@pytest.mark.parametrize("fmt", ["csv", "parquet", "jsonl"])
def test_interrupted_ingest_resumes(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmt: str
) -> None:
    frame = kcs_like(5_000, seed=9)
    frame.loc[7, "HS6 Code"] = "7705x"  # one bad row in the first batch
    frame.loc[4_321, "Net Mass"] = "-1"  # and one in a later batch
    path = write(frame, fmt, tmp_path / f"resume.{fmt}")

    real = service.store_batch
    calls = {"n": 0}

    def flaky(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 3:
            raise ConnectionError("database went away")
        return real(*args, **kwargs)

    monkeypatch.setattr(service, "store_batch", flaky)
    with pytest.raises(ConnectionError):
        ingest_file(path=path, engine=engine, batch_size=1_000)
    with engine.connect() as conn:
        run = conn.execute(select(ingest_runs)).mappings().one()
    assert (run["status"], run["rows_done"], run["stored"]) == ("failed", 2_000, 1_999)

    s = ingest_file(path=path, engine=engine, batch_size=700)  # batch size may change
    assert s.resumed and s.ingest_id == run["id"]
    assert (s.input, s.stored, s.quarantined, s.duplicates) == (5_000, 4_998, 2, 0)
    with engine.connect() as conn:
        ids = conn.execute(select(declarations.c.declaration_id)).scalars().all()
        rows = conn.execute(select(quarantine.c.row_number)).scalars().all()
    assert len(ids) == len(set(ids)) == 4_998
    assert sorted(rows) == [8, 4_322]


def test_second_live_ingest_of_the_same_file_is_refused(engine: Engine, tmp_path: Path) -> None:
    path = write(kcs_like(100, seed=2), "csv", tmp_path / "busy.csv")
    digest = SourceFile(path, KCS).file_hash
    with exclusive(engine, f"ingest-{digest[:32]}-kcs") as held:  # as a live ingest would
        assert held
        with pytest.raises(IngestBusyError):
            ingest_file(path=path, engine=engine)
    assert ingest_file(path=path, engine=engine).stored == 100  # free again afterwards
