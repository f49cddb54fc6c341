"""The synthetic trade world: ``generate(seed=, scale=)`` builds it, ``GeneratedWorld.write``
puts it in a folder in the format of ``docs/world-format.md`` plus ``labels.csv`` (ground
truth, which no detector reads) and ``hard_negatives.csv`` (look-alikes that are innocent).

Scale 1.0 gives about 300,000 declaration items, 120,000 FX settlements and 160,000
virtual-asset transfers over 2023-01-01..2024-12-31; everything scales linearly.

Identifiers are stable and documented (``docs/world-format.md``, "Generator ids"):
``KC000001`` Korean companies, ``FC000001`` foreign companies, ``P0000001`` persons,
``W0000001`` wallets, ``D00000001`` declarations (with ``item_no``), ``S00000001``
settlements, ``T00000001`` transfers. New rows get ids from :meth:`GeneratedWorld.new_ids`,
which continues each prefix's sequence, so extensions never collide with the core.

Extension point
---------------
``EXTENSIONS`` is a tuple of functions ``(world: GeneratedWorld, rng, scale) -> None``
called in order after the core tables (companies, persons, links, declarations,
fx_settlements, wallets, va_transfers) and the core typologies are built. An extension may
add rows to existing tables with :meth:`GeneratedWorld.add_rows`, add new tables (written as
``<name>.csv``) the same way, add ground truth with :meth:`GeneratedWorld.label` and
innocent look-alikes with :meth:`GeneratedWorld.hard_negative`. To add one: write a module
(e.g. ``world/screening_ext.py``) with such a function, and append it to ``EXTENSIONS``
below. Use the ``rng`` you are given (never a new unseeded one) so a seed gives one world.

>>> w = generate(seed=3, scale=0.02)
>>> sorted(w.tables)[:4]
['companies', 'declarations', 'fx_settlements', 'links']
>>> w.new_ids("P", 2)[0].startswith("P")
True
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


def _core(world: GeneratedWorld, rng: np.random.Generator, scale: float) -> None:
    from opencustoms.world import crypto, population, schemes, trade

    pop = population.build(world, rng, scale)
    trade.build(world, pop, rng)
    schemes.build(world, pop, rng, scale)
    crypto.build(world, pop, rng, scale)


# Called after the core world exists; append your module's function here (see docstring).
EXTENSIONS: tuple[Extension, ...] = ()


def generate(
    *,
    seed: int,
    scale: float,
    progress: Callable[[int, int], None] | None = None,
) -> GeneratedWorld:
    """Build the world for ``seed`` at ``scale`` (deterministic for a given pair)."""
    if not 0 < scale <= 20:
        raise InvalidInput("scale", f"{scale} is outside (0, 20]")
    rng = np.random.default_rng(seed)
    world = GeneratedWorld(seed=seed, scale=scale)
    steps: list[Extension] = [_core, *EXTENSIONS]
    for i, step in enumerate(steps):
        step(world, rng, scale)
        if progress is not None:
            progress(i + 1, len(steps))
    return world
