"""Speed: 10,000 parties against a 20,000-entity list (blocking, not all pairs).

    nice -n 10 uv run python benchmarks/bench_screening_speed.py [--parties N] [--entities N]

The list is synthetic (Korean, Russian, Chinese persons and companies, hub companies); the
parties are variants of listed names, hard negatives and background names in the mix of
the evaluation set. Reports index build and screening time separately and together, the
candidate pairs compared (vs all pairs) and peak memory.
"""

from __future__ import annotations

import argparse
import os
import resource
import time

from _machine import machine_report
from opencustoms.screening.index import BlockingIndex
from opencustoms.screening.matcher import load_review_threshold
from opencustoms.screening.normalize import name_form
from opencustoms.screening.screen import screen
from opencustoms.screening.synth import screening_set


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parties", type=int, default=10_000)
    parser.add_argument("--entities", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    mode = (
        f"party screening, {args.parties:,} parties against {args.entities:,} entities, "
        "blocking index, 1 thread"
    )
    with machine_report(mode=mode):
        share = args.parties / 4800  # the evaluation set's mix, scaled
        data = screening_set(
            seed=args.seed,
            n_entities=3000,
            extra_entities=args.entities - 3000,
            per_style=round(220 * share),
            hard_per_kind=round(120 * share),
            background=round(2000 * share),
        )
        parties = data.parties[: args.parties]
        print(
            f"{len(data.entities):,} entities, {len(parties):,} parties; "
            f"load {os.getloadavg()[0]:.2f}"
        )
        name_form.cache_clear()  # time the normalisation too, not a warm cache
        start, cpu = time.perf_counter(), time.process_time()
        index = BlockingIndex(data.entities)
        built, built_cpu = time.perf_counter() - start, time.process_time() - cpu
        start, cpu = time.perf_counter(), time.process_time()
        matches = screen(parties, index, threshold=load_review_threshold())
        screened, screened_cpu = time.perf_counter() - start, time.process_time() - cpu
        pairs = sum(len(index.candidates(name_form(p.name))) for p in parties[:2000]) / 2000
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        total = built + screened
        # On a shared machine wall time includes waiting for a core; CPU time is what the
        # work costs (one thread, so it is the wall time on an idle core).
        print(f"index: {len(index.forms):,} names in {built:.2f} s wall, {built_cpu:.2f} s CPU")
        print(
            f"screen: {len(parties):,} parties in {screened:.2f} s wall, {screened_cpu:.2f} s CPU"
        )
        print(
            f"total: {total:.2f} s wall, {built_cpu + screened_cpu:.2f} s CPU (goal <= 10 s); "
            f"{len(matches):,} matches above the review threshold"
        )
        print(
            f"candidates per party: {pairs:.1f} entities "
            f"(all pairs would be {len(data.entities):,})"
        )
        print(f"peak memory: {peak:,.0f} MiB; load after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
