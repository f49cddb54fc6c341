"""A worker process SIGKILLed mid-job: the job still completes, every row exactly once."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import text

from opencustoms.db import make_engine
from opencustoms.scale.dataset import discover
from opencustoms.scale.ingest import ingest_dataset
from opencustoms.scale.risk import score_dataset

from .test_parity import read_output


class Killer:
    """A progress callback that SIGKILLs one worker process that is running a partition,
    once the first partition has finished (so the job is under way)."""

    def __init__(self, address: str) -> None:
        from distributed import Client

        self.address = address
        self.client = Client(address)
        self.pids: dict[str, int] = self.client.run(os.getpid)
        self.killed: list[int] = []

    def __call__(self, done: int, total: int) -> None:
        if self.killed or done == 0 or done >= total:
            return
        for address, keys in self.client.processing().items():
            if keys and address in self.pids:
                os.kill(self.pids[address], signal.SIGKILL)
                self.killed.append(self.pids[address])
                return


@pytest.fixture()
def killer() -> Iterator[Killer]:
    """A LocalCluster of its own (2 worker processes) and a Killer connected to it: the
    job must finish on what is left, whether or not the nanny manages to restart the
    killed worker (on a loaded machine a restart can time out)."""
    from distributed import LocalCluster

    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
    ) as lc:
        kill = Killer(lc.scheduler_address)
        try:
            yield kill
        finally:
            kill.client.close()


@pytest.mark.slow
def test_ingest_survives_a_killed_worker(
    declarations_dataset: Path,
    database_url: str,
    killer: Killer,
) -> None:
    result = ingest_dataset(
        data=declarations_dataset,
        database_url=database_url,
        batch_size=20,  # many committed batches per partition: a kill lands mid-partition
        engine="dask",
        scheduler=killer.address,
        progress=killer,
    )
    assert len(killer.killed) == 1
    n_in = sum(p.rows for p in discover(declarations_dataset))
    with make_engine(database_url).connect() as conn:
        stored = conn.execute(text("SELECT count(*) FROM declarations")).scalar_one()
        quarantined = conn.execute(text("SELECT count(*) FROM quarantine")).scalar_one()
        runs = pd.read_sql(text("SELECT * FROM ingest_runs"), conn)
    # every row exactly once: stored or quarantined (the 3 planted bad rows), none twice
    assert stored == n_in - 3 == result.total("stored")
    assert quarantined == 3 == result.total("quarantined")
    assert stored + quarantined == n_in
    # one run per partition file, each done, whose counters add up to its input
    assert len(runs) == len(discover(declarations_dataset)) and set(runs["status"]) == {"done"}
    assert runs["input_rows"].sum() == n_in == runs["rows_done"].sum()


@pytest.mark.slow
def test_scoring_survives_a_killed_worker(
    declarations_dataset: Path,
    model_dir: Path,
    tmp_path: Path,
    killer: Killer,
) -> None:
    score_dataset(data=declarations_dataset, out=tmp_path / "l", model=model_dir)
    result = score_dataset(
        data=declarations_dataset,
        out=tmp_path / "d",
        model=model_dir,
        engine="dask",
        scheduler=killer.address,
        progress=killer,
    )
    assert len(killer.killed) == 1
    # one complete file per partition, no temporary file left, same rows as local
    assert not list((tmp_path / "d").rglob(".*.tmp"))
    pd.testing.assert_frame_equal(read_output(tmp_path / "l"), read_output(tmp_path / "d"))
    assert result.rows == sum(p.rows for p in discover(declarations_dataset))
