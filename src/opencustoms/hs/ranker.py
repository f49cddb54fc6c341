"""Fusion re-ranker: a linear model over standardised retrieval signals and their
heading/chapter aggregates, trained on synthetic queries (``scripts/build_hs_ranker.py``).

Each signal is centred and scaled across the 5,612 subheadings for the query (best code = 1),
so BM25 scores and cosine similarities share one scale. A code can also see the best score
within its heading and its chapter for every signal (hierarchy-consistency features; the
shipped weights use only the heading-level documents, see scripts/build_hs_ranker.py).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from opencustoms.hs.knowledge import HS_DATA_DIR

RANKER_FILE = HS_DATA_DIR / "ranker.json"
LEVELS = ("code", "head", "chap")


@dataclass(frozen=True)
class Groups:
    """Contiguous runs of codes sharing a heading / chapter (codes are sorted)."""

    head_starts: np.ndarray
    head_lens: np.ndarray
    chap_starts: np.ndarray
    chap_lens: np.ndarray

    @classmethod
    def of(cls, codes: list[str]) -> Groups:
        def runs(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
            return starts, np.diff(np.r_[starts, len(keys)])

        hs, hl = runs(np.array([c[:4] for c in codes]))
        cs, cl = runs(np.array([c[:2] for c in codes]))
        return cls(hs, hl, cs, cl)

    def head_max(self, v: np.ndarray) -> np.ndarray:
        return np.repeat(np.maximum.reduceat(v, self.head_starts), self.head_lens)

    def chap_max(self, v: np.ndarray) -> np.ndarray:
        return np.repeat(np.maximum.reduceat(v, self.chap_starts), self.chap_lens)


def zscore(v: np.ndarray) -> np.ndarray:
    """Centre on the mean and scale so the best code scores 1.

    Not a z-score: BM25 leaves most codes at 0, so a standard deviation is tiny and a
    handful of matches would reach z = 40 and drown every dense signal (whose z tops out
    near 4). Scaling by the distance from mean to maximum gives each signal the same range
    at the top, where ranking happens.
    """
    mean = float(v.mean())
    spread = float(v.max()) - mean
    return (v - mean) / (spread if spread > 1e-9 else 1.0)


def feature_names(signals: list[str]) -> list[str]:
    return [f"{s}@{level}" for s in signals for level in LEVELS]


def features(values: dict[str, np.ndarray], groups: Groups, signals: list[str]) -> np.ndarray:
    """Matrix (codes x features) in ``feature_names(signals)`` order; absent signals are 0."""
    n = len(next(iter(values.values())))
    cols: list[np.ndarray] = []
    for name in signals:
        v = values.get(name)
        z = zscore(v) if v is not None else np.zeros(n, dtype=np.float32)
        cols += [z, groups.head_max(z), groups.chap_max(z)]
    return np.stack(cols, axis=1).astype(np.float32)


@dataclass(frozen=True)
class LinearRanker:
    signals: list[str]
    weights: np.ndarray
    # Second pass: the fused score of the best code in the heading / chapter.
    head_weight: float
    chap_weight: float
    trained_on: str
    # Hand-set weights of the multilingual model's signals, which only non-Latin queries
    # produce (the synthetic training queries are English, so they cannot learn these).
    multilingual: dict[str, float] = field(default_factory=dict)
    # Weight of the trade-frequency prior (hs/prior.py), in units of the query's score spread.
    prior_weight: float = 0.0

    def score(self, values: dict[str, np.ndarray], groups: Groups) -> np.ndarray:
        """Same result as ``features(...) @ weights`` plus the second pass, computing only
        the columns with a non-zero weight (the query path's budget is ~50 ms)."""
        n = len(next(iter(values.values())))
        fused: np.ndarray = np.zeros(n, dtype=np.float32)
        w = self.weights.reshape(len(self.signals), len(LEVELS))
        for (w_code, w_head, w_chap), name in zip(w, self.signals, strict=True):
            v = values.get(name)
            if v is None or not (w_code or w_head or w_chap):
                continue
            z = zscore(v)
            if w_code:
                fused += w_code * z
            if w_head:
                fused += w_head * groups.head_max(z)
            if w_chap:
                fused += w_chap * groups.chap_max(z)
        for name, weight in self.multilingual.items():
            if name in values:
                fused = fused + weight * zscore(values[name])
        if self.head_weight:
            fused = fused + self.head_weight * groups.head_max(fused)
        if self.chap_weight:
            fused = fused + self.chap_weight * groups.chap_max(fused)
        return fused

    def save(self, path: Path = RANKER_FILE) -> None:
        payload = {
            "signals": self.signals,
            "features": feature_names(self.signals),
            "weights": [round(float(w), 6) for w in self.weights],
            "head_weight": self.head_weight,
            "chap_weight": self.chap_weight,
            "trained_on": self.trained_on,
            "multilingual": self.multilingual,
            "prior_weight": self.prior_weight,
        }
        path.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")


@lru_cache(maxsize=4)
def load_ranker(path: Path = RANKER_FILE) -> LinearRanker:
    data = json.loads(path.read_text(encoding="utf-8"))
    if data["features"] != feature_names(data["signals"]):
        raise ValueError(f"{path}: feature list does not match its signals")
    return LinearRanker(
        signals=list(data["signals"]),
        weights=np.asarray(data["weights"], dtype=np.float32),
        head_weight=float(data["head_weight"]),
        chap_weight=float(data["chap_weight"]),
        trained_on=str(data["trained_on"]),
        multilingual={k: float(v) for k, v in data.get("multilingual", {}).items()},
        prior_weight=float(data.get("prior_weight", 0.0)),
    )
