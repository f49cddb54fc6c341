"""Where an HS query's time goes: each stage of the query path timed on its own, one thread.

    uv run python benchmarks/bench_hs_stages.py [--limit N]

Runs the stages of ``service._rank`` one after the other over the ATLAS validation texts
(the same calls the service makes, without the worker thread, so each stage is measured
alone; the service runs the MiniLM core and e5 stages in its worker) and prints mean ms per
query for each, then the whole query as the service runs it.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections import defaultdict

import numpy as np
from threadpoolctl import threadpool_limits

from _machine import machine_report
from opencustoms.hs.dense import line_products
from opencustoms.hs.embed import get_encoder
from opencustoms.hs.evaluate import read_cases
from opencustoms.hs.facets import apply_facets
from opencustoms.hs.index import PRF_DEPTH, _tokenize, query_core
from opencustoms.hs.service import get_classifier, ranked_codes
from opencustoms.hs.text import prepare_query
from opencustoms.settings import BUNDLED_DATA_DIR

ATLAS = BUNDLED_DATA_DIR / "hs" / "eval" / "atlas_cross_validation.jsonl"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--limit", type=int, default=0)
    args = parser.parse_args()
    texts = [c.text for c in read_cases(ATLAS)]
    texts = texts[: args.limit] if args.limit else texts
    started = time.perf_counter()
    clf = get_classifier()
    load_s = time.perf_counter() - started
    index = clf.index
    ranked_codes("warm-up")
    spent: dict[str, float] = defaultdict(float)

    def timed(stage: str, fn, *a, **k):  # type: ignore[no-untyped-def]
        t = time.perf_counter()
        out = fn(*a, **k)
        spent[stage] += time.perf_counter() - t
        return out

    with machine_report(mode="HS query stages, sequential, 1 thread"):
        with threadpool_limits(limits=1):
            for text in texts:
                q = timed("prepare_query", prepare_query, text)
                core = query_core(q.english)
                values: dict[str, np.ndarray] = {}
                views = [(q.english, "")] + ([(core, "_core")] if core else [])
                toks = [timed("bm25 tokenise", _tokenize, [t])[0] for t, _ in views]
                for (_, suffix), tok in zip(views, toks, strict=True):
                    timed("bm25 scoring (3 fields)", index._lexical, tok, suffix, values)
                minilm = get_encoder("minilm")
                enc = timed("minilm encode (text)", minilm.encode, [q.english])
                if core and core != q.english:
                    core_vec = timed("minilm encode (core)", minilm.encode, [core])
                    enc = np.vstack([enc, core_vec])
                mats = index.dense["minilm"]
                t = time.perf_counter()
                _ = mats["subheadings"] @ enc[0], mats["headings"] @ enc[0]
                first = line_products(mats["lines"], enc)
                top = np.argpartition(-first[0], PRF_DEPTH)[:PRF_DEPTH]
                moved = enc[0] + mats["lines"][top].mean(axis=0)
                prf = line_products(mats["lines"], moved[None, :])[0]
                for col in (first[0], first[-1], prf):
                    index._max_per_code(col)
                spent["minilm matrix products + max per code"] += time.perf_counter() - t
                e5_text = core or q.english
                e5q = timed("e5 encode (core)", get_encoder("e5").encode, [e5_text], query=True)
                t = time.perf_counter()
                index._max_per_code(line_products(index.dense["e5"]["lines"], e5q)[0])
                spent["e5 matrix product + max per code"] += time.perf_counter() - t
                signals = index.signals(q)  # the real values for the fusion stages
                fused = timed("fusion (ranker)", clf.ranker.score, signals.values, clf.groups)
                facets = timed("facets read", clf.facets.read, q.english)
                timed("facets apply", apply_facets, fused, facets, clf.facets, clf.code_facets)
                timed("sort", np.argsort, -fused, kind="stable")
        lat = []
        for text in texts:
            t = time.perf_counter()
            ranked_codes(text, depth=20)
            lat.append((time.perf_counter() - t) * 1000)
    n = len(texts)
    print(f"index load {load_s:.2f} s; {n} ATLAS texts")
    for stage, seconds in spent.items():
        print(f"  {stage:40s} {seconds * 1000 / n:6.2f} ms/query")
    print(f"  {'sum of stages (sequential)':40s} {sum(spent.values()) * 1000 / n:6.2f} ms/query")
    p95 = sorted(lat)[int(0.95 * n) - 1]
    print(
        f"service query (as shipped): mean {statistics.mean(lat):.1f}, "
        f"p50 {statistics.median(lat):.1f}, p95 {p95:.1f} ms"
    )


if __name__ == "__main__":
    main()
