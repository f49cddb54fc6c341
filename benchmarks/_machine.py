"""The machine and the mode a benchmark measured, printed before and after its run, so a
figure is never quoted without the conditions it was taken in.

Use::

    with machine_report(mode="risk score, --explain auto, 1 thread"):
        ...  # the measured work

It prints one line when entering (cores, CPU model, memory, Python, load average) and one
when leaving (load average after, wall seconds); ``snapshot()`` gives the same facts as a
dict for benchmarks that print JSON; ``peak_rss_mib()`` the process's own peak memory.
"""

from __future__ import annotations

import os
import platform
import resource
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def _memory_gib() -> float:
    try:
        with open("/proc/meminfo", encoding="utf-8") as f:
            kib = int(f.readline().split()[1])
        return round(kib / 2**20, 1)
    except (OSError, ValueError, IndexError):
        return float("nan")


def snapshot() -> dict[str, Any]:
    """Cores, CPU, memory, Python and the load averages (1, 5, 15 min) right now."""
    return {
        "cores": os.cpu_count(),
        "cpu": _cpu_model(),
        "memory_gib": _memory_gib(),
        "python": platform.python_version(),
        "load": [round(x, 2) for x in os.getloadavg()],
    }


@contextmanager
def machine_report(*, mode: str) -> Iterator[dict[str, Any]]:
    """Print the machine and load before, the load and wall time after; yields a dict that
    ends up holding ``before``, ``after`` and ``seconds`` (for JSON output)."""
    facts: dict[str, Any] = {"mode": mode, "before": snapshot()}
    b = facts["before"]
    print(
        f"machine: {b['cores']} cores ({b['cpu']}), {b['memory_gib']} GiB, Python {b['python']}; "
        f"load before {' / '.join(map(str, b['load']))}; mode: {mode}",
        flush=True,
    )
    t0 = time.perf_counter()
    try:
        yield facts
    finally:
        facts["seconds"] = round(time.perf_counter() - t0, 3)
        facts["after"] = snapshot()
        print(
            f"machine: load after {' / '.join(map(str, facts['after']['load']))}; "
            f"wall {facts['seconds']} s; mode: {mode}",
            flush=True,
        )


def peak_rss_mib() -> float:
    """This process's peak RSS in MiB. VmHWM, not ru_maxrss: Linux carries ru_maxrss over
    from the parent across fork+exec, so a spawned child would report the memory its
    parent had (a benchmark's input generator) instead of its own."""
    status = Path("/proc/self/status")
    if status.is_file():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
