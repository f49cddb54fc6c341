"""Query-time dense products: blocked, and shared between the worker thread and the caller."""

from __future__ import annotations

import threading
from collections.abc import Sequence

import numpy as np
import pytest

from opencustoms.hs import dense
from opencustoms.hs.dense import (
    LINE_BLOCK,
    E5Job,
    Offered,
    line_products,
    shared_line_products,
)

RNG = np.random.default_rng(7)
LINES = RNG.standard_normal((LINE_BLOCK * 3 + 37, 16)).astype(np.float32)
QUERY = RNG.standard_normal(16).astype(np.float32)


class FakeE5:
    def __init__(self, fail: bool = False) -> None:
        self.fail = fail

    def encode(self, texts: Sequence[str], *, query: bool) -> np.ndarray:
        if self.fail:
            raise ValueError("encoder broke")
        return QUERY[None, :]


def test_blocked_line_products_equal_the_plain_product() -> None:
    vectors = RNG.standard_normal((3, 16)).astype(np.float32)
    np.testing.assert_allclose(line_products(LINES, vectors), vectors @ LINES.T, rtol=1e-5)
    assert line_products(LINES, vectors[:1]).shape == (1, len(LINES))


def test_split_e5_product_equals_one_product(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dense, "get_encoder", lambda name: FakeE5())
    job = E5Job("frozen shrimp", LINES)
    np.testing.assert_array_equal(job.vector(), QUERY)
    np.testing.assert_array_equal(job.line_sims(), line_products(LINES, QUERY[None, :])[0])


def test_encoder_error_reaches_the_caller(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dense, "get_encoder", lambda name: FakeE5(fail=True))
    job = E5Job("frozen shrimp", LINES)
    with pytest.raises(ValueError, match="encoder broke"):
        job.vector()
    with pytest.raises(ValueError, match="encoder broke"):
        job.line_sims()


def test_without_line_matrix_only_the_vector(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dense, "get_encoder", lambda name: FakeE5())
    job = E5Job("냉동 새우", None)
    np.testing.assert_array_equal(job.vector(), QUERY)
    with pytest.raises(RuntimeError):
        job.line_sims()


def test_shared_product_equals_one_product() -> None:
    vectors = RNG.standard_normal((2, 16)).astype(np.float32)
    np.testing.assert_array_equal(
        shared_line_products(LINES, vectors), line_products(LINES, vectors)
    )
    small = LINES[: LINE_BLOCK + 3]  # one block only: not split
    np.testing.assert_array_equal(
        shared_line_products(small, vectors), line_products(small, vectors)
    )


def test_shared_product_does_not_wait_for_a_busy_worker() -> None:
    # The worker is held (as by a long e5 encoding) until the product is back: the caller
    # must take its half back instead of queueing behind it.
    release = threading.Event()
    returned_while_busy: list[bool] = []
    busy = dense._worker().submit(release.wait, 30)
    try:
        out = shared_line_products(LINES, QUERY[None, :])
        returned_while_busy.append(not release.is_set())
    finally:
        release.set()
    assert busy.result() is True
    assert returned_while_busy == [True]
    np.testing.assert_array_equal(out, line_products(LINES, QUERY[None, :]))


def test_worker_multiplies_both_e5_halves_when_the_caller_is_late(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(dense, "get_encoder", lambda name: FakeE5())
    job = E5Job("frozen shrimp", LINES)
    job._head.result()  # the worker is done before the caller asks (the English-text case)
    assert job._tail.done()
    np.testing.assert_array_equal(job.line_sims(), line_products(LINES, QUERY[None, :])[0])


def test_offered_call_runs_exactly_once_whoever_runs_it() -> None:
    calls: list[str] = []

    def work(tag: str) -> str:
        calls.append(threading.current_thread().name)
        return tag

    release = threading.Event()
    busy = dense._worker().submit(release.wait, 30)
    taken_back = Offered(work, "a")  # the worker is held: the caller runs it
    assert taken_back.result() == "a"
    release.set()
    busy.result()
    done_by_worker = Offered(work, "b")
    dense._worker().submit(lambda: None).result()  # the queue has drained
    assert done_by_worker.result() == "b"
    assert len(calls) == 2
    assert calls[0] == threading.current_thread().name
    assert calls[1].startswith("hs-e5")
