"""Query-time dense products: the line matrices multiplied block by block, and the work of a
query shared between the calling thread and one worker thread (see ``index.HsIndex.signals``).

The worker MiniLM-encodes the product-name core, encodes the query with e5 and multiplies
e5's line matrix; meanwhile the caller does BM25 and MiniLM-encodes the whole text, and offers
half of each MiniLM line product to the worker. Nothing waits in the worker's queue: work the
worker has not started when the caller needs it is taken back and done by the caller.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from functools import lru_cache, partial
from typing import Any, Generic, TypeVar

import numpy as np

from opencustoms.hs.embed import get_encoder

# Rows of the line matrix per block: 512 x 384 float32 (768 KiB) stays in the core's L2
# cache while every query column is multiplied with it. One plain ``lines @ Q`` streams the
# 30 MB matrix from memory once per column (measured 5.2 ms for two columns, 2.8 ms blocked).
LINE_BLOCK = 512
T = TypeVar("T")


def line_products(lines: np.ndarray, vectors: np.ndarray) -> np.ndarray:
    """``vectors @ lines.T`` (one row of line scores per query vector), computed block by
    block of lines so each block is read from memory once for all the vectors."""
    out = np.empty((lines.shape[0], vectors.shape[0]), dtype=np.float32)
    cols = np.ascontiguousarray(vectors.T, dtype=np.float32)
    for start in range(0, lines.shape[0], LINE_BLOCK):
        np.matmul(lines[start : start + LINE_BLOCK], cols, out=out[start : start + LINE_BLOCK])
    return np.ascontiguousarray(out.T)


def _half(n_lines: int) -> int:
    # Split on a block boundary: the halves give the same numbers as one product.
    return (n_lines // 2 // LINE_BLOCK) * LINE_BLOCK


class Offered(Generic[T]):
    """A call offered to the worker thread: ``result()`` runs it in the caller instead when
    the worker has not started it yet, so the caller never waits behind the worker's queue."""

    def __init__(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> None:
        self._call = partial(fn, *args, **kwargs)
        self._future = _worker().submit(self._call)

    def result(self) -> T:
        return self._call() if self._future.cancel() else self._future.result()


def shared_line_products(lines: np.ndarray, vectors: np.ndarray) -> np.ndarray:
    """``line_products`` with the first half offered to the worker thread: the caller
    multiplies the second half, then the first unless the worker has already taken it."""
    split = _half(len(lines))
    if split == 0:
        return line_products(lines, vectors)
    head = Offered(line_products, lines[:split], vectors)
    tail = line_products(lines[split:], vectors)
    return np.concatenate([head.result(), tail], axis=1)


class E5Job:
    """One query's e5 encoding and its line products, shared by the worker and the caller.

    The worker encodes, hands the vector over, multiplies the first half of the line matrix,
    then the second half unless the caller has claimed it: for English text the caller is
    still busy with MiniLM and finds both halves done; when MiniLM abstains (non-Latin text)
    the caller asks early and multiplies the second half itself.
    """

    def __init__(self, text: str, lines: np.ndarray | None) -> None:
        self._encoded: Future[np.ndarray] = Future()
        self._tail: Future[np.ndarray] = Future()
        self._tail_claimed = False
        self._claim_lock = threading.Lock()
        self._lines = lines
        self._split = 0 if lines is None else _half(len(lines))
        self._head = _worker().submit(self._run, text)

    def _claim_tail(self) -> bool:
        with self._claim_lock:
            claimed, self._tail_claimed = self._tail_claimed, True
        return not claimed

    def _run(self, text: str) -> np.ndarray | None:
        try:
            q = get_encoder("e5").encode([text], query=True)[0]
        except BaseException as exc:
            self._encoded.set_exception(exc)
            raise
        self._encoded.set_result(q)
        if self._lines is None:
            return None
        head = line_products(self._lines[: self._split], q[None, :])[0]
        if self._claim_tail():
            try:
                self._tail.set_result(line_products(self._lines[self._split :], q[None, :])[0])
            except BaseException as exc:
                self._tail.set_exception(exc)
                raise
        return head

    def vector(self) -> np.ndarray:
        return self._encoded.result()

    def line_sims(self) -> np.ndarray:
        """e5 similarity of every line (the product of both halves)."""
        if self._lines is None:
            raise RuntimeError("no e5 line matrix")
        q = self.vector()
        if self._claim_tail():
            tail = line_products(self._lines[self._split :], q[None, :])[0]
        else:
            tail = self._tail.result()
        head = self._head.result()
        assert head is not None
        return np.concatenate([head, tail])


@lru_cache(maxsize=1)
def _worker() -> ThreadPoolExecutor:
    """One thread for the e5 view and helper products of every query (``index.signals``)."""
    return ThreadPoolExecutor(max_workers=1, thread_name_prefix="hs-e5")
