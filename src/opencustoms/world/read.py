"""Read and validate a trade-world folder without a database: every row is kept (typed),
counted as an exact duplicate, or quarantined with a reason per field.

``input == kept + quarantined + duplicates`` for every file. A missing file or required
column makes the folder unusable: ``InvalidInput`` naming it, before anything is read.

>>> import tempfile, pathlib
>>> from opencustoms.world.generate import generate
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> _ = generate(seed=5, scale=0.02).write(folder)
>>> w = read_world(folder)
>>> all(r.balanced for r in w.results.values()), w.results["va_transfers"].quarantined
(True, 0)
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pycountry

from opencustoms.declarations.io import rename_columns
from opencustoms.declarations.profiles import WORLD
from opencustoms.declarations.schema import FIELD_NAMES
from opencustoms.declarations.types import EXTRA_COUNTRIES
from opencustoms.declarations.validate import check_frame
from opencustoms.errors import InvalidInput
from opencustoms.world.format import (
    DECLARATION_COLUMNS,
    DECLARATION_REQUIRED,
    FILES,
    TABLES,
    Col,
    TableSpec,
)

Reasons = dict[int, list[dict[str, str]]]
TEXT = pd.StringDtype("pyarrow")


@lru_cache(maxsize=1)
def _countries() -> frozenset[str]:
    return frozenset(c.alpha_2 for c in pycountry.countries) | frozenset(EXTRA_COUNTRIES)


@lru_cache(maxsize=1)
def _currencies() -> frozenset[str]:
    return frozenset(c.alpha_3 for c in pycountry.currencies)


@dataclass
class TableResult:
    name: str
    frame: pd.DataFrame  # kept rows, typed, with ``row_number`` (1 = first data row)
    quarantine: pd.DataFrame  # table, row_number, raw (JSON text), reasons (JSON text)
    input: int
    duplicates: int

    @property
    def kept(self) -> int:
        return len(self.frame)

    @property
    def quarantined(self) -> int:
        return len(self.quarantine)

    @property
    def balanced(self) -> bool:
        return self.input == self.kept + self.quarantined + self.duplicates


@dataclass
class World:
    results: dict[str, TableResult]

    def __getitem__(self, name: str) -> pd.DataFrame:
        return self.results[name].frame

    @property
    def quarantine(self) -> pd.DataFrame:
        return pd.concat([r.quarantine for r in self.results.values()], ignore_index=True)

    def summary(self) -> dict[str, dict[str, int]]:
        return {
            n: {
                "input": r.input,
                "kept": r.kept,
                "quarantined": r.quarantined,
                "duplicates": r.duplicates,
            }
            for n, r in self.results.items()
        }


def find_file(folder: Path, name: str) -> Path:
    for suffix in (".csv", ".parquet"):
        if (folder / f"{name}{suffix}").is_file():
            return folder / f"{name}{suffix}"
    raise InvalidInput(f"{name}.csv", f"missing from {folder}")


def read_raw(path: Path) -> tuple[pd.DataFrame, list[tuple[int, str, str]]]:
    """All columns as stripped text (empty -> NA) and the malformed lines (number, text, why)."""
    if path.suffix == ".parquet":
        frame = pd.read_parquet(path)
        return frame.astype(TEXT).apply(lambda c: c.str.strip()).replace("", pd.NA), []
    with path.open("rb") as fh:
        header = fh.readline().decode("utf-8", errors="replace").strip().lstrip("\ufeff")
    columns = pd.read_csv(io.StringIO(header + "\n"), dtype=str).columns.to_list()
    bad: list[tuple[int, str, str]] = []

    def skip(row: Any) -> str:
        bad.append((int(row.number or 0) - 1, str(row.text), "wrong number of fields"))
        return "skip"

    try:
        table = pacsv.read_csv(
            path,
            convert_options=pacsv.ConvertOptions(
                column_types={c: pa.string() for c in columns}, strings_can_be_null=False
            ),
            parse_options=pacsv.ParseOptions(invalid_row_handler=skip),
            # row numbers of malformed lines are only known to a single-threaded reader
            read_options=pacsv.ReadOptions(use_threads=False),
        )
    except pa.ArrowInvalid as exc:
        if "UTF8" not in str(exc).upper().replace("-", ""):
            raise InvalidInput(path.name, f"unreadable CSV: {exc}") from None
        return _read_lossy(path, [])
    frame = table.to_pandas(types_mapper=lambda _: TEXT)
    frame = frame.apply(lambda c: c.str.strip()).replace("", pd.NA)
    return frame, bad


def _read_lossy(
    path: Path, bad: list[tuple[int, str, str]]
) -> tuple[pd.DataFrame, list[tuple[int, str, str]]]:
    """A file with bytes that are not UTF-8: those rows go to quarantine, the rest is read."""
    text = path.read_bytes().decode("utf-8", errors="surrogateescape").lstrip("\ufeff")
    reader = csv.reader(io.StringIO(text))
    header = next(reader)
    good = []
    for i, row in enumerate(reader, start=1):
        line = ",".join(row)
        if re.search("[\udc80-\udcff]", line):
            shown = line.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
            bad.append((i, shown, "not valid UTF-8"))
        elif len(row) != len(header):
            bad.append((i, line, "wrong number of fields"))
        else:
            good.append(row)
    frame = pd.DataFrame(good, columns=header, dtype=TEXT)
    frame = frame.apply(lambda c: c.str.strip()).replace("", pd.NA)
    return frame, bad


class _Checker:
    """Column checks that collect a reason per failing row."""

    def __init__(self, frame: pd.DataFrame) -> None:
        self.frame, self.reasons = frame, Reasons()

    def fail(self, mask: Any, field: str, problem: str | Callable[[Any], str]) -> None:
        mask = np.asarray(mask, dtype=bool)
        if not mask.any():
            return
        values = self.frame[field].to_numpy(dtype=object) if field in self.frame else None
        for pos in np.flatnonzero(mask).tolist():
            text = (
                problem(values[pos] if values is not None else None)
                if callable(problem)
                else problem
            )
            self.reasons.setdefault(pos, []).append({"field": field, "problem": text})

    def column(self, col: Col) -> pd.Series:
        raw = self.frame[col.name]
        given = raw.notna().to_numpy()
        if not col.nullable:
            self.fail(~given, col.name, "is empty")
        if col.width:
            self.fail(
                given & (raw.str.len().fillna(0) > col.width).to_numpy(),
                col.name,
                f"is longer than {col.width} characters",
            )
        kind = col.kind
        if kind in ("country", "currency"):
            text = raw.str.upper()
            known = _countries() if kind == "country" else _currencies()
            ok = text.isin(known).to_numpy()
            what = (
                "an ISO 3166 alpha-2 country code"
                if kind == "country"
                else "an ISO 4217 currency code"
            )
            self.fail(given & ~ok, col.name, lambda v: f"{v!r} is not {what}")
            return text
        if kind == "enum":
            self.fail(
                given & ~raw.isin(col.choices).to_numpy(),
                col.name,
                lambda v: f"{v!r} is not one of {', '.join(col.choices)}",
            )
            return raw
        if kind == "flag":
            self.fail(
                given & ~raw.isin(["0", "1"]).to_numpy(), col.name, lambda v: f"{v!r} is not 0 or 1"
            )
            return pd.to_numeric(raw, errors="coerce").astype("Int8")
        if kind == "number":
            num = pd.to_numeric(raw, errors="coerce")
            ok = (
                num.notna().to_numpy()
                & np.isfinite(num.fillna(-1).to_numpy())
                & (num.fillna(-1) >= 0).to_numpy()
            )
            self.fail(given & ~ok, col.name, lambda v: f"{v!r} is not a non-negative number")
            return num.astype(float)
        if kind == "date":
            parsed = pd.to_datetime(raw, format="%Y-%m-%d", errors="coerce")
            self.fail(
                given & parsed.isna().to_numpy(), col.name, lambda v: f"{v!r} is not an ISO date"
            )
            return parsed
        if kind == "timestamp":
            parsed = pd.to_datetime(raw, format="ISO8601", utc=True, errors="coerce")
            self.fail(
                given & parsed.isna().to_numpy(),
                col.name,
                lambda v: f"{v!r} is not an ISO 8601 timestamp",
            )
            return parsed
        if col.pattern:
            ok = raw.str.fullmatch(col.pattern).fillna(False).to_numpy(dtype=bool)
            if col.pattern_if:
                other, value = col.pattern_if
                ok |= (
                    (self.frame.get(other, pd.Series(pd.NA, index=raw.index)).str.upper() != value)
                    .fillna(True)
                    .to_numpy(dtype=bool)
                )
            self.fail(given & ~ok, col.name, lambda v: f"{v!r} is not {col.pattern_text}")
        return raw


def _missing_columns(name: str, frame: pd.DataFrame, required: tuple[str, ...]) -> None:
    for col in required:
        if col not in frame.columns:
            raise InvalidInput(f"{name}.csv: {col}", "required column missing")


def _finish(
    name: str,
    raw: pd.DataFrame,
    typed: pd.DataFrame,
    reasons: Reasons,
    key: tuple[str, ...],
    bad_lines: list[tuple[int, str, str]],
) -> TableResult:
    """Split rows into kept / duplicates / quarantined (bad values, key conflicts)."""
    typed = typed.copy()
    typed["row_number"] = np.arange(1, len(typed) + 1)
    ok = np.ones(len(typed), dtype=bool)
    if reasons:
        ok[list(reasons)] = False
    cols = [c for c in typed.columns if c != "row_number"]
    h = pd.util.hash_pandas_object(typed[cols], index=False).to_numpy()
    keys = typed[list(key)].copy()
    keys["h"], keys["pos"] = h, np.arange(len(typed))
    valid = keys[ok]
    first = valid.groupby(list(key), sort=False, dropna=False)[["h", "pos"]].transform("first")
    repeat = valid["pos"].to_numpy() != first["pos"].to_numpy()
    dup = repeat & (valid["h"].to_numpy() == first["h"].to_numpy())
    conflict = repeat & ~dup
    for pos, ref in zip(
        valid["pos"].to_numpy()[conflict], first["pos"].to_numpy()[conflict], strict=True
    ):
        reasons[int(pos)] = [
            {"field": key[0], "problem": f"same key as row {int(ref) + 1} with other content"}
        ]
    keep = np.zeros(len(typed), dtype=bool)
    keep[valid["pos"].to_numpy()[~repeat]] = True
    q_pos = sorted(reasons)
    records = raw.iloc[q_pos].astype(object).where(raw.iloc[q_pos].notna(), None).to_dict("records")
    quarantine = pd.DataFrame(
        {
            "table": name,
            "row_number": [p + 1 for p in q_pos],
            "raw": [json.dumps(r, ensure_ascii=False, default=str) for r in records],
            "reasons": [json.dumps(reasons[p], ensure_ascii=False) for p in q_pos],
        }
    )
    if bad_lines:
        quarantine = pd.concat(
            [
                quarantine,
                pd.DataFrame(
                    {
                        "table": name,
                        "row_number": [n for n, _, _ in bad_lines],
                        "raw": [
                            json.dumps({"_line": t}, ensure_ascii=False) for _, t, _ in bad_lines
                        ],
                        "reasons": [
                            json.dumps([{"field": "_row", "problem": why}])
                            for _, _, why in bad_lines
                        ],
                    }
                ),
            ],
            ignore_index=True,
        )
    return TableResult(
        name=name,
        frame=typed[keep].reset_index(drop=True),
        quarantine=quarantine,
        input=len(typed) + len(bad_lines),
        duplicates=int(dup.sum()),
    )


def read_table(path: Path, spec: TableSpec) -> TableResult:
    raw, bad = read_raw(path)
    _missing_columns(spec.name, raw, spec.required)
    for col in spec.columns:
        if col.name not in raw.columns:
            raw[col.name] = pd.Series(pd.NA, index=raw.index, dtype="string")
    check = _Checker(raw)
    typed = pd.DataFrame({c.name: check.column(c) for c in spec.columns})
    return _finish(spec.name, raw, typed, check.reasons, spec.key, bad)


def read_declarations(path: Path) -> TableResult:
    """declarations.csv checked by the declaration store's rules (``world`` profile)."""
    raw, bad = read_raw(path)
    _missing_columns("declarations", raw, DECLARATION_REQUIRED)
    canon = rename_columns(raw, WORLD)
    for name in FIELD_NAMES:  # absent fields as empty text: untyped ones cost a scan each
        if name not in canon.columns:
            canon[name] = pd.Series(pd.NA, index=canon.index, dtype=TEXT)
    checked = check_frame(canon)
    typed = checked.frame.rename(columns={"invoice_value": "value"})
    typed = typed[[c for c in DECLARATION_COLUMNS]].copy()
    typed["declaration_date"] = pd.to_datetime(typed["declaration_date"])
    return _finish(
        "declarations", raw, typed, dict(checked.reasons), ("declaration_id", "item_no"), bad
    )


def read_world(folder: str | Path, *, progress: Callable[[int, int], None] | None = None) -> World:
    """Every file of the folder, validated; raises ``InvalidInput`` for a missing file/column."""
    folder = Path(folder)
    if not folder.is_dir():
        raise InvalidInput("world", f"{folder} is not a folder")
    paths = {name: find_file(folder, name) for name in FILES}  # all present before reading
    results = {}
    for i, name in enumerate(FILES):
        if name == "declarations":
            results[name] = read_declarations(paths[name])
        else:
            results[name] = read_table(paths[name], TABLES[name])
        if progress is not None:
            progress(i + 1, len(FILES))
    return World(results)
