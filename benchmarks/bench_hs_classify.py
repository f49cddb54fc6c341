"""HS classifier benchmark: index build time, loaded-index memory, query latency, accuracy.

    uv run python benchmarks/bench_hs_classify.py

Accuracy is measured on the two bundled evaluation files (data/hs/eval/), which are never used
to build the index or train the ranker. Writes benchmarks/RESULTS-hs.md.
"""

from __future__ import annotations

import json
import os
import statistics
import time

import psutil

from _machine import machine_report
from opencustoms.hs.evaluate import evaluate, read_cases
from opencustoms.settings import BUNDLED_DATA_DIR, REPO_DIR

EVAL_DIR = BUNDLED_DATA_DIR / "hs" / "eval"
FILES = ("atlas_cross_validation.jsonl", "hsclassify_benchmark_cases.csv")
NOTES_MARKER = "<!-- notes: kept across runs -->"
LATENCY_QUERIES = (
    "fresh boneless beef",
    "lithium-ion battery pack 48V for e-bikes",
    "women's trousers of synthetic fibres, knitted",
    "stainless steel hex bolts M10 with nuts",
    "냉동 새우",
    "Polivac film of PET laminated to polyethylene, for packaging",
)


MODE = (
    "ranked_codes depth 20; worker thread: MiniLM core + e5 (ONNX Runtime) + e5 line product, "
    "caller: BM25 + MiniLM text, line products shared; BLAS and each encoder 1 thread; "
    "index memory-mapped from the var/ store"
)


def percentiles(latencies: list[float]) -> tuple[float, float, float]:
    """Mean, p50 and p95 (nearest rank) in the unit given."""
    ordered = sorted(latencies)
    p95 = ordered[max(0, int(0.95 * len(ordered)) - 1)]
    return statistics.mean(ordered), statistics.median(ordered), p95


def main() -> None:
    proc = psutil.Process(os.getpid())
    rss0 = proc.memory_info().rss
    from opencustoms.hs.index_store import inputs_digest, store_root
    from opencustoms.hs.service import get_classifier, ranked_codes, suggest

    stored = (store_root() / inputs_digest()[:24] / "manifest.json").exists()
    with machine_report(mode=MODE):
        started = time.perf_counter()
        clf = get_classifier()
        build_s = time.perf_counter() - started
        rss1 = proc.memory_info().rss
        how = "from the var/ store" if stored else "built from the shipped files, then stored"
        print(f"index load {build_s:.2f} s ({how})", flush=True)
        ranked_codes("warm-up")
        latencies = []
        for _ in range(5):
            for q in LATENCY_QUERIES:
                t = time.perf_counter()
                suggest(text=q, top=5, use_feedback=False)
                latencies.append((time.perf_counter() - t) * 1000)
        _, p50, p95 = percentiles(latencies)
        print(
            f"index build {build_s:.1f}s; "
            f"dense matrices {clf.index.memory_bytes / 2**20:.0f} MiB; "
            f"process RSS +{(rss1 - rss0) / 2**20:.0f} MiB after load"
        )
        print(f"suggest latency: p50 {p50:.1f} ms, p95 {p95:.1f} ms over {len(latencies)} queries")
        results = {}
        per_query: dict[str, list[float]] = {}
        for name in FILES:
            cases = read_cases(EVAL_DIR / name)
            times: list[float] = []

            def rank(text: str, times: list[float] = times) -> list[str]:
                t = time.perf_counter()
                codes = ranked_codes(text, depth=20)
                times.append((time.perf_counter() - t) * 1000)
                return codes

            res = evaluate(cases, rank)
            results[name], per_query[name] = res, times
            mean, p50_q, p95_q = percentiles(times)
            print(name, json.dumps(res))
            print(f"{name}: per query mean {mean:.1f} ms, p50 {p50_q:.1f} ms, p95 {p95_q:.1f} ms")
    rows = [
        "# HS classification benchmark",
        "",
        f"Machine: {os.cpu_count()} cores; `uv run python benchmarks/bench_hs_classify.py`; "
        f"mode: {MODE}; ranker: {clf.ranker.trained_on}.",
        "",
        "| figure | value |",
        "|---|---|",
        f"| index load ({how}) | {build_s:.2f} s |",
        f"| dense matrices in memory | {clf.index.memory_bytes / 2**20:.0f} MiB |",
        f"| process RSS growth on load | {(rss1 - rss0) / 2**20:.0f} MiB |",
        f"| suggest latency p50 / p95 (warm) | {p50:.1f} / {p95:.1f} ms |",
        "",
        "| file | n | HS2 top1 | HS2 top5 | HS4 top1 | HS4 top5 | HS6 top1 | HS6 top5 "
        "| ms/query mean / p50 / p95 |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name, r in results.items():
        mean, p50_q, p95_q = percentiles(per_query[name])
        rows.append(
            f"| {name} | {r['n']} | {r['hs2']['top1']:.3f} | {r['hs2']['top5']:.3f} | "
            f"{r['hs4']['top1']:.3f} | {r['hs4']['top5']:.3f} | {r['hs6']['top1']:.3f} | "
            f"{r['hs6']['top5']:.3f} | {mean:.1f} / {p50_q:.1f} / {p95_q:.1f} |"
        )
    out = REPO_DIR / "benchmarks" / "RESULTS-hs.md"
    # Hand-written notes below the marker (one-off development measurements) survive reruns.
    notes = ""
    if out.exists() and NOTES_MARKER in out.read_text(encoding="utf-8"):
        notes = out.read_text(encoding="utf-8").split(NOTES_MARKER, 1)[1]
    out.write_text("\n".join(rows) + "\n\n" + NOTES_MARKER + notes, encoding="utf-8")
    print(f"wrote {out.relative_to(REPO_DIR)}")


if __name__ == "__main__":
    main()
