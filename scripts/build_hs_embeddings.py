"""Encode the HS knowledge-base texts once and write the shipped embedding files.

    uv run python scripts/build_hs_embeddings.py --model minilm   # ~5-20 min on 2 cores
    uv run python scripts/build_hs_embeddings.py --model e5       # ~5 min on 2 cores

Writes data/hs/embeddings/<model>-<kind>.npy (float16) and .json (manifest: model, version,
sha256 of the texts). CI never runs this: the classifier loads the shipped files and checks
their manifests against the current texts.
"""

from __future__ import annotations

import argparse
import time

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", choices=["minilm", "e5"], required=True)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--kinds", default="", help="Subset, e.g. headings (default: all).")
    args = parser.parse_args()
    corpus = build_corpus(load_knowledge())
    texts_by_kind = dense_texts(corpus, args.model)
    wanted = args.kinds.split(",") if args.kinds else list(texts_by_kind)
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
