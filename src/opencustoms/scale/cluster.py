"""Where Dask work runs: an existing scheduler, or a LocalCluster sized to the machine.

With a scheduler address (argument, else the setting ``OPENCUSTOMS_DASK_SCHEDULER``) the
job is a client of that cluster, whatever its size and however its workers were started
(plain processes, Kubernetes, YARN: see docs/scale-out.md). Without one, a LocalCluster of
worker *processes* is started for the job and stopped after it: processes, not threads,
because pandas and the risk features hold the GIL for much of their time.
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
