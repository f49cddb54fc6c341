"""Where Dask work runs: an existing scheduler, or a LocalCluster sized to the machine.

With a scheduler address (argument, else the setting ``OPENCUSTOMS_DASK_SCHEDULER``) the
job is a client of that cluster, whatever its size and however its workers were started
(plain processes, Kubernetes, YARN: see docs/scale-out.md). Without one, a LocalCluster of
worker *processes* is started for the job and stopped after it: processes, not threads,
because pandas and the risk features hold the GIL for much of their time.

The LocalCluster's workers run the partition code as one process would (``WORKER_CONFIG``):
Dask's nanny would set ``MALLOC_TRIM_THRESHOLD_``, which also switches off glibc's dynamic
mmap threshold, so every pandas/Arrow buffer over 128 KiB is mapped and faulted in afresh
(3.5x the page faults); and the worker's statistical profiler samples the task thread's
stack every 10 ms. Together they cost the parcel screen a fifth more CPU per row in a
worker than in one process (benchmarks/RESULTS-scale.md, "allocator and profiler").
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import TYPE_CHECKING

from opencustoms.errors import InvalidInput, Unavailable
from opencustoms.settings import get_settings

if TYPE_CHECKING:
    from distributed import Client

# Dask configuration in force while the LocalCluster (its nannies) is created: a nanny
# reads its pre-spawn environment and the workers' configuration then, and uses them again
# when it restarts a dead worker. None removes the variable instead of setting it
# (distributed.nanny._get_env_variables). Nobody reads the profile of a batch job.
WORKER_CONFIG: dict[str, object] = {
    "distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None,
    "distributed.worker.profile.enabled": False,
}


@dataclass(frozen=True)
class ClusterSpec:
    """Size of a LocalCluster: worker processes, threads each, memory limit each.

    >>> spec = ClusterSpec.from_settings()
    >>> spec.workers >= 1 and spec.threads_per_worker >= 1
    True
    """

    workers: int
    threads_per_worker: int = 1
    memory_limit: str = "auto"

    @classmethod
    def from_settings(cls) -> ClusterSpec:
        s = get_settings()
        return cls(
            workers=s.dask_workers or os.cpu_count() or 1,
            threads_per_worker=s.dask_threads_per_worker,
            memory_limit=s.dask_memory_limit,
        )


def scheduler_address(scheduler: str | None = None) -> str:
    """The scheduler to use: the argument, else the setting (may be empty)."""
    return scheduler if scheduler is not None else get_settings().dask_scheduler


@contextmanager
def connect(scheduler: str | None = None, spec: ClusterSpec | None = None) -> Iterator[Client]:
    """A ``distributed.Client`` for the job; a LocalCluster when no address is known."""
    import dask
    from distributed import Client, LocalCluster

    address = scheduler_address(scheduler)
    if address:
        try:
            client = Client(address, timeout="30s")
        except OSError as exc:
            raise Unavailable(f"dask scheduler {address}: {exc}") from exc
        try:
            yield client
        finally:
            client.close()
        return
    spec = spec or ClusterSpec.from_settings()
    if spec.workers < 1 or spec.threads_per_worker < 1:
        raise InvalidInput("workers", "a LocalCluster needs at least one worker and thread")
    with dask.config.set(WORKER_CONFIG):
        cluster = LocalCluster(
            n_workers=spec.workers,
            threads_per_worker=spec.threads_per_worker,
            memory_limit=spec.memory_limit,
            processes=True,
            dashboard_address=":0",  # a free port: several clusters may share a host
        )
    client = Client(cluster)
    try:
        yield client
    finally:
        # By now every finished partition is committed; a shutdown that times out on a
        # loaded machine must not turn a completed job into a failed one (the worker
        # processes are killed with their nanny anyway).
        for close in (client.close, cluster.close):
            with suppress(TimeoutError, OSError, RuntimeError, asyncio.CancelledError):
                close()
