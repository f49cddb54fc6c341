"""Query-time dense products: blocked, and split between the e5 worker and the caller."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest

from opencustoms.hs import dense
from opencustoms.hs.dense import LINE_BLOCK, E5Job, line_products

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
