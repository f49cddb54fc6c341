"""Query-time dense products: the line matrices multiplied block by block, and the e5
encoding of a query run in a worker thread (see ``index.HsIndex.signals``)."""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from functools import lru_cache

import numpy as np

from opencustoms.hs.embed import get_encoder

# Rows of the line matrix per block: 512 x 384 float32 (768 KiB) stays in the core's L2
# cache while every query column is multiplied with it. One plain ``lines @ Q`` streams the
# 30 MB matrix from memory once per column (measured 5.2 ms for two columns, 2.8 ms blocked).
LINE_BLOCK = 512


def line_products(lines: np.ndarray, vectors: np.ndarray) -> np.ndarray:
    """``vectors @ lines.T`` (one row of line scores per query vector), computed block by
    block of lines so each block is read from memory once for all the vectors."""
    out = np.empty((lines.shape[0], vectors.shape[0]), dtype=np.float32)
    cols = np.ascontiguousarray(vectors.T, dtype=np.float32)
    for start in range(0, lines.shape[0], LINE_BLOCK):
        np.matmul(lines[start : start + LINE_BLOCK], cols, out=out[start : start + LINE_BLOCK])
    return np.ascontiguousarray(out.T)


class E5Job:
    """One query's e5 encoding and its line products, shared by the worker and the caller.

    The worker encodes, hands the vector over, then multiplies the first half of the line
    matrix; the caller, once it has the vector, multiplies the second half. Whichever thread
    finishes its own work first, the product on the critical path is half of one.
    """

    def __init__(self, text: str, lines: np.ndarray | None) -> None:
        self._encoded: Future[np.ndarray] = Future()
        self._lines = lines
        # Split on a block boundary: the halves give the same numbers as one product.
        self._split = 0 if lines is None else (len(lines) // 2 // LINE_BLOCK) * LINE_BLOCK
        self._head = _worker().submit(self._run, text)

    def _run(self, text: str) -> np.ndarray | None:
        try:
            q = get_encoder("e5").encode([text], query=True)[0]
        except BaseException as exc:
            self._encoded.set_exception(exc)
            raise
        self._encoded.set_result(q)
        if self._lines is None:
            return None
        return line_products(self._lines[: self._split], q[None, :])[0]

    def vector(self) -> np.ndarray:
        return self._encoded.result()

    def line_sims(self) -> np.ndarray:
        """e5 similarity of every line (the product of both halves)."""
        if self._lines is None:
            raise RuntimeError("no e5 line matrix")
        tail = line_products(self._lines[self._split :], self.vector()[None, :])[0]
        head = self._head.result()
        assert head is not None
        return np.concatenate([head, tail])


@lru_cache(maxsize=1)
def _worker() -> ThreadPoolExecutor:
    """One thread for the e5 view of every query (see ``index.HsIndex.signals``)."""
    return ThreadPoolExecutor(max_workers=1, thread_name_prefix="hs-e5")
