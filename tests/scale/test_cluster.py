"""The LocalCluster that a job starts runs its workers as one process would run the code."""

from __future__ import annotations

import os

import dask
import pytest

from opencustoms.errors import InvalidInput
from opencustoms.scale.cluster import ClusterSpec, connect


def _worker_setup() -> tuple[str | None, bool]:
    return os.environ.get("MALLOC_TRIM_THRESHOLD_"), dask.config.get(
        "distributed.worker.profile.enabled"
    )


def test_local_cluster_workers_keep_the_default_allocator_and_no_profiler(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A nanny started earlier in this process (the session's cluster fixture) writes its
    # pre-spawn environment into os.environ, and spawned workers inherit os.environ.
    monkeypatch.delenv("MALLOC_TRIM_THRESHOLD_", raising=False)
    with connect("", ClusterSpec(workers=1, memory_limit="1GiB")) as client:
        setups = list(client.run(_worker_setup).values())
    assert setups == [(None, False)]
    # Dask's own default is otherwise in force again (the setting was scoped to the start).
    assert dask.config.get("distributed.worker.profile.enabled") is True


def test_a_cluster_without_workers_is_refused() -> None:
    with pytest.raises(InvalidInput) as err, connect("", ClusterSpec(workers=0)):
        pass
    assert err.value.field == "workers"
