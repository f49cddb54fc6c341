"""Generate KCS-format CSV files with known damage, and remember what was done to each row."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

import numpy as np

from opencustoms.declarations.profiles import KCS
from opencustoms.declarations.synth import kcs_like

COLUMNS = list(KCS.columns)
BAD_BYTES = "@@BADBYTES@@"  # replaced by invalid UTF-8 after csv quoting

# (source column, bad value) -> the canonical field a reason must name
DAMAGE: list[tuple[str, str]] = [
    ("HS6 Code", "12a456"),
    ("HS6 Code", "770512"),
    ("HS6 Code", ""),
    ("HS6 Code", "1"),
    ("Country of Origin", "XX"),
    ("Country of Departure", "Korea"),
    ("Net Mass", "-5"),
    ("Net Mass", "abc"),
    ("Item Price", "inf"),
    ("Tax Rate", "1,5"),
    ("Date", "2020-13-45"),
    ("Date", "01/02/2020"),
    ("Date", ""),
    ("Fraud", "2"),
    ("Fraud", "yes"),
    ("Critical Fraud", "0.5"),
    ("Office ID", ""),
    ("Office ID", "X" * 20),
    ("Declaration ID", ""),
    ("Importer ID", BAD_BYTES),
    ("Declarant ID", "Y" * 65),
]


@dataclass
class Fuzzed:
    data: bytes
    n_rows: int
    broken: dict[int, str] = field(default_factory=dict)  # row number -> field to be named
    malformed: set[int] = field(default_factory=set)  # wrong number of cells
    duplicates: set[int] = field(default_factory=set)
    conflicts: set[int] = field(default_factory=set)

    @property
    def clean(self) -> int:
        bad = len(self.broken) + len(self.malformed) + len(self.duplicates)
        return self.n_rows - bad - len(self.conflicts)


def fuzzed_kcs_csv(n: int, *, seed: int = 7, damage_rate: float = 0.3) -> Fuzzed:
    """``n`` rows; about ``damage_rate`` of them broken, duplicated or conflicting."""
    rng = np.random.default_rng(seed)
    frame = kcs_like(n, seed=seed)
    rows = frame.to_numpy(dtype=object).tolist()
    out = Fuzzed(data=b"", n_rows=n)
    lines = [",".join(COLUMNS).encode()]
    clean_rows: list[int] = []
    for i, row in enumerate(rows):
        number = i + 1
        row = ["" if v is None else str(v) for v in row]
        roll = rng.random()
        if roll < damage_rate * 0.6:
            column, value = DAMAGE[rng.integers(len(DAMAGE))]
            row[COLUMNS.index(column)] = value
            out.broken[number] = KCS.columns[column]
        elif roll < damage_rate * 0.7:
            row = row[: rng.integers(1, len(COLUMNS) - 1)] if rng.random() < 0.5 else [*row, "x"]
            if rng.random() < 0.3:  # a malformed row with bad bytes as well
                row[0] += BAD_BYTES
            out.malformed.add(number)
        elif roll < damage_rate * 0.85 and clean_rows:
            row = list(rows[clean_rows[rng.integers(len(clean_rows))]])
            row = ["" if v is None else str(v) for v in row]
            out.duplicates.add(number)
        elif roll < damage_rate and clean_rows:
            row = list(rows[clean_rows[rng.integers(len(clean_rows))]])
            row = ["" if v is None else str(v) for v in row]
            price = COLUMNS.index("Item Price")
            row[price] = str(float(row[price]) + 1.5)
            out.conflicts.add(number)
        else:
            # valid variants: padding, quoting, a lost leading zero, dotted HS codes
            if roll > 0.97:
                row[COLUMNS.index("Seller ID")] = ' A,"B" '
            elif roll > 0.94:
                row[COLUMNS.index("HS6 Code")] = "0101.30"
            clean_rows.append(i)
            rows[i] = row
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerow(row)
        line = buf.getvalue().encode()
        line = line.replace(BAD_BYTES.encode(), b"\xff\xfe\xfa")
        lines.append(line.rstrip(b"\n"))
    out.data = b"\n".join(lines) + b"\n"
    return out
