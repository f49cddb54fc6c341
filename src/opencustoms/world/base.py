"""The world being built: named tables, ground truth and innocent look-alikes, and the
documented id scheme (see ``world/generate.py`` for the generator and its extension point).

>>> w = GeneratedWorld(seed=1, scale=0.1)
>>> w.new_ids("KC", 2), w.new_ids("KC", 1)
(['KC000001', 'KC000002'], ['KC000003'])
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from opencustoms.errors import InvalidInput

START = dt.date(2023, 1, 1)
END = dt.date(2024, 12, 31)

# prefix -> digits of the generated ids; the documented id scheme
ID_WIDTH = {"KC": 6, "FC": 6, "P": 7, "W": 7, "D": 8, "S": 8, "T": 8}
ID_COLUMN = {
    "companies": "company_id",
    "persons": "person_id",
    "wallets": "wallet_id",
    "declarations": "declaration_id",
    "fx_settlements": "settlement_id",
    "va_transfers": "tx_id",
}


@dataclass
class GeneratedWorld:
    """A world being built: named tables, ground truth and innocent look-alikes."""

    seed: int
    scale: float
    start: dt.date = START
    end: dt.date = END
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    _labels: list[pd.DataFrame] = field(default_factory=list)
    _negatives: list[pd.DataFrame] = field(default_factory=list)
    _next: dict[str, int] = field(default_factory=dict)

    def new_ids(self, prefix: str, n: int) -> list[str]:
        """``n`` fresh ids with ``prefix`` (one of ``ID_WIDTH``), continuing its sequence."""
        if prefix not in ID_WIDTH:
            raise InvalidInput("prefix", f"{prefix!r} is not one of {sorted(ID_WIDTH)}")
        first = self._next.get(prefix, 1)
        self._next[prefix] = first + n
        width = ID_WIDTH[prefix]
        return [f"{prefix}{i:0{width}d}" for i in range(first, first + n)]

    def add_rows(self, table: str, rows: pd.DataFrame) -> None:
        """Append rows to ``table`` (created when new); columns missing on either side are
        left empty."""
        if table in self.tables and len(self.tables[table]):
            self.tables[table] = pd.concat([self.tables[table], rows], ignore_index=True)
        else:
            self.tables[table] = rows.reset_index(drop=True)

    def label(self, subject_ids: list[str] | np.ndarray, typology: str) -> None:
        """Record ground truth: each subject is a true case of ``typology``."""
        ids = [str(s) for s in subject_ids]
        self._labels.append(pd.DataFrame({"subject_id": ids, "typology": typology}))

    def hard_negative(self, subject_ids: list[str] | np.ndarray, typology: str, kind: str) -> None:
        """Record innocent subjects built to look like ``typology`` (``kind`` says how)."""
        ids = [str(s) for s in subject_ids]
        self._negatives.append(
            pd.DataFrame({"subject_id": ids, "typology": typology, "kind": kind})
        )

    @property
    def labels(self) -> pd.DataFrame:
        if not self._labels:
            return pd.DataFrame(columns=["subject_id", "typology"])
        return pd.concat(self._labels, ignore_index=True).drop_duplicates(ignore_index=True)

    @property
    def hard_negatives(self) -> pd.DataFrame:
        if not self._negatives:
            return pd.DataFrame(columns=["subject_id", "typology", "kind"])
        out = pd.concat(self._negatives, ignore_index=True)
        return out.drop_duplicates(["subject_id", "typology"], ignore_index=True)

    def write(self, out: str | Path) -> dict[str, int]:
        """Write every table as ``<name>.csv`` plus labels and hard negatives; rows per file."""
        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        counts = {}
        frames = {**self.tables, "labels": self.labels, "hard_negatives": self.hard_negatives}
        for name, frame in frames.items():
            frame.to_csv(out / f"{name}.csv", index=False, date_format="%Y-%m-%d")
            counts[name] = len(frame)
        return counts


Extension = Callable[[GeneratedWorld, np.random.Generator, float], None]
