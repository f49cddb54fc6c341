"""Trade-frequency prior: codes that are declared often are likelier answers.

When retrieval cannot separate two candidates, the one the agency clears every day is the
better bet (a Bayesian prior over what is imported). The prior is a count of declaration
items per HS 2022 subheading; older HS 2017 codes are spread over their HS 2022 successors.
The shipped counts (``data/hs/trade_prior.csv``) come from the bundled KCS declarations;
``opencustoms hs prior`` rebuilds them from an agency's own declaration store.

>>> from opencustoms.hs.knowledge import load_knowledge
>>> counts = count_codes(["020130", "020130", "851712", "999999"], load_knowledge())
>>> counts  # 8517.12 (HS 2017 mobile phones) became 8517.13; 999999 is no code
{'020130': 2.0, '851713': 1.0}
"""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path

import numpy as np

from opencustoms.hs.knowledge import HS_DATA_DIR, KnowledgeBase

__all__ = [
    "PRIOR_FILE",
    "carry_to_hs2022",
    "count_codes",
    "load_prior",
    "prior_vector",
    "write_prior",
]

PRIOR_FILE = HS_DATA_DIR / "trade_prior.csv"


def count_codes(hs6_codes: Iterable[str], kb: KnowledgeBase) -> dict[str, float]:
    """Declaration items per HS 2022 subheading (unknown codes are dropped)."""
    return carry_to_hs2022(Counter(str(c).strip().zfill(6)[:6] for c in hs6_codes), kb)


def carry_to_hs2022(counts: Mapping[str, float], kb: KnowledgeBase) -> dict[str, float]:
    """Items per declared code (6 or more digits) -> items per HS 2022 subheading; an HS 2017
    code's items are spread evenly over its successors, unknown codes are dropped."""
    out: dict[str, float] = {}
    for declared, n in counts.items():
        code = declared[:6]
        targets = [code] if code in kb.subheadings else kb.hs2017_to_2022.get(code, [])
        for target in targets:
            out[target] = out.get(target, 0.0) + n / len(targets)
    return out


def write_prior(counts: dict[str, float], *, source: str, path: Path = PRIOR_FILE) -> Path:
    """Write ``hs6,declarations`` rows, the source named in a leading comment line."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as f:
        f.write(f"# source: {source}\n")
        writer = csv.writer(f)
        writer.writerow(["hs6", "declarations"])
        for code in sorted(counts):
            writer.writerow([code, round(counts[code], 3)])
    return path


@lru_cache(maxsize=2)
def load_prior(path: Path = PRIOR_FILE) -> dict[str, float]:
    with path.open(encoding="utf-8", newline="") as f:
        rows = csv.DictReader(line for line in f if not line.startswith("#"))
        out: dict[str, float] = {}
        for n, row in enumerate(rows, start=2):
            try:
                out[row["hs6"]] = float(row["declarations"])
            except (KeyError, TypeError, ValueError) as exc:
                raise ValueError(f"{path.name} row {n}: declarations: not a number") from exc
    return out


def prior_vector(counts: dict[str, float], codes: list[str]) -> np.ndarray:
    """log(1 + count) scaled to 0..1 over ``codes`` (all zeros without counts)."""
    raw = np.log1p(np.array([counts.get(c, 0.0) for c in codes], dtype=np.float64))
    top = raw.max() if len(raw) else 0.0
    return (raw / top if top > 0 else raw).astype(np.float32)
