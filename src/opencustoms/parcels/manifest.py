"""Reading and validating e-commerce manifests (``docs/parcels-format.md``).

:func:`read_manifest` reads CSV or Parquet with every column as text; a file that cannot
be read, or that lacks a required column, raises :class:`ManifestError` naming the
column. :func:`validate` checks every row vectorised and splits the rows into valid ones
(typed columns) and quarantined ones (row number, raw content and one reason per field),
so nothing is dropped: ``input == valid + quarantined``. Duplicates of a parcel_id are
resolved by the callers (screening within a file, intake against the store).

>>> import pandas as pd
>>> raw = pd.DataFrame([_example(), {**_example(), "parcel_id": "B", "currency": "XXX",
...                     "declared_value": "-3", "recipient_pccc": "P12"}])
>>> checked = validate(raw)
>>> len(checked.valid), [r["field"] for r in checked.quarantine[0]["reasons"]]
(1, ['recipient_pccc', 'declared_value', 'currency'])
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from opencustoms.declarations.types import _country_ok
from opencustoms.errors import InvalidInput
from opencustoms.parcels.money import known_currencies, krw_per_unit

REQUIRED = (
    "parcel_id",
    "manifest_id",
    "arrival_date",
    "carrier_id",
    "departure_country",
    "recipient_pccc",
    "recipient_name",
    "recipient_phone",
    "recipient_address",
    "description",
    "quantity",
    "declared_value",
    "currency",
    "gross_weight_kg",
)
OPTIONAL = ("platform", "seller_name", "seller_country", "origin_country", "hs_code", "office_code")
COLUMNS = REQUIRED + OPTIONAL
# PCCC: 'P' + 12 digits; B2B parcels may carry a business registration number (10 digits).
PCCC_RE = r"^(P\d{12}|\d{3}-?\d{2}-?\d{5})$"
TEXT_LIMITS = {"parcel_id": 40, "manifest_id": 40, "carrier_id": 20, "description": 500}


class ManifestError(InvalidInput):
    """The manifest file as a whole is unusable (unreadable, or a required column missing)."""


def _example() -> dict[str, str]:
    return {
        "parcel_id": "A", "manifest_id": "M1", "arrival_date": "2026-10-01",
        "carrier_id": "DHL", "departure_country": "US", "recipient_pccc": "P123456789012",
        "recipient_name": "김민준", "recipient_phone": "010-1234-5678",
        "recipient_address": "서울 강남구 테헤란로 12", "description": "running shoes",
        "quantity": "1", "declared_value": "80", "currency": "USD", "gross_weight_kg": "1.1",
    }  # fmt: skip


def read_manifest(path: str | Path) -> pd.DataFrame:
    """Every column of a CSV/Parquet manifest as text (Arrow-backed), in file order."""
    path = Path(path)
    if not path.is_file():
        raise ManifestError("manifest", f"{path}: no such file")
    suffix = path.suffix.lower()
    try:
        if suffix in (".parquet", ".pq"):
            table = pq.read_table(path)
            table = table.cast(pa.schema([(f.name, pa.string()) for f in table.schema]))
        elif suffix == ".csv":
            header = pacsv.read_csv(
                path, convert_options=pacsv.ConvertOptions(include_columns=[])
            ).column_names
            table = pacsv.read_csv(
                path,
                parse_options=pacsv.ParseOptions(newlines_in_values=True),
                convert_options=pacsv.ConvertOptions(
                    column_types={c: pa.string() for c in header},
                    strings_can_be_null=True,
                    quoted_strings_can_be_null=False,
                ),
            )
        else:
            raise ManifestError("manifest", f"{path}: expected a .csv or .parquet file")
    except (pa.ArrowException, OSError) as exc:
        reason = " ".join(str(exc).split())[:200]
        raise ManifestError("manifest", f"{path}: unreadable ({reason})") from exc
    check_columns(table.column_names)
    return table.to_pandas(types_mapper=pd.ArrowDtype)


def check_columns(columns: list[str]) -> None:
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        raise ManifestError(missing[0], "required column missing from the manifest")


@dataclass
class Checked:
    valid: pd.DataFrame  # typed columns, index = position in the input
    quarantine: list[dict[str, Any]] = field(default_factory=list)  # row, raw, reasons


def _text(frame: pd.DataFrame, name: str) -> pd.Series:
    if name not in frame:
        return pd.Series(pd.NA, index=frame.index, dtype="string[pyarrow]")
    col = frame[name]
    if not isinstance(col.dtype, pd.StringDtype) or col.dtype.storage != "pyarrow":
        col = col.astype("string[pyarrow]")
    arr = pa.array(col)
    arr = arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr
    trimmed = pc.utf8_trim_whitespace(arr)
    clean = pc.if_else(pc.equal(trimmed, ""), pa.scalar(None, pa.string()), trimmed)
    return pd.Series(pd.arrays.ArrowStringArray(clean), index=frame.index)


def _per_value(col: pd.Series, fn: Callable[[pd.Series], pd.Series]) -> pd.Series:
    """``fn`` applied to the distinct values only (dates, codes, currencies repeat)."""
    codes, uniq = pd.factorize(col, use_na_sentinel=False)
    done = fn(pd.Series(uniq, dtype=col.dtype)).reset_index(drop=True)
    if isinstance(done.dtype, pd.StringDtype):
        # stay in Arrow: a take of the few distinct strings, no per-row Python objects
        arr = pc.take(pa.array(done.astype("string[pyarrow]")), pa.array(codes))
        arr = arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr
        return pd.Series(pd.arrays.ArrowStringArray(arr), index=col.index)
    return pd.Series(done.take(codes).to_numpy(), index=col.index)


def _number(frame: pd.DataFrame, name: str) -> tuple[pd.Series, pd.Series]:
    """(parsed numbers, given-but-not-a-number mask); the Arrow cast is the fast path."""
    col = frame[name]
    if pd.api.types.is_numeric_dtype(col.dtype):
        num = pd.Series(col.to_numpy(dtype=float, na_value=np.nan), index=frame.index)
        return num, pd.Series(False, index=frame.index)
    text = _text(frame, name)
    try:
        arr = pc.cast(pa.array(text), pa.float64())
        num = pd.Series(arr.to_numpy(zero_copy_only=False), index=frame.index)
    except pa.ArrowInvalid:
        num = pd.to_numeric(text, errors="coerce").astype(float)
    return num, text.notna() & num.isna()


def validate(frame: pd.DataFrame, *, first_row: int = 1) -> Checked:
    """Check every row; ``first_row`` is the 1-based row number of ``frame``'s first row."""
    check_columns(list(frame.columns))
    n = len(frame)
    out = pd.DataFrame(index=frame.index)
    problems: list[tuple[np.ndarray, str, str]] = []

    def bad(mask: Any, name: str, why: str) -> None:
        m = np.asarray(pd.Series(mask, index=frame.index).fillna(False), dtype=bool)
        if m.any():
            problems.append((m, name, why))

    numbers = ("quantity", "declared_value", "gross_weight_kg")
    for name in COLUMNS:
        if name not in numbers:
            out[name] = _text(frame, name)
    for name in REQUIRED:
        if name not in numbers:
            bad(out[name].isna(), name, "missing")
    for name, limit in TEXT_LIMITS.items():
        bad(out[name].str.len() > limit, name, f"longer than {limit} characters")
    date = _per_value(
        out["arrival_date"], lambda u: pd.to_datetime(u, format="%Y-%m-%d", errors="coerce")
    )
    bad(out["arrival_date"].notna() & date.isna(), "arrival_date", "not a date in YYYY-MM-DD form")
    out["arrival_date"] = date.astype("datetime64[ns]")
    for name in ("departure_country", "origin_country", "seller_country"):
        codes = _per_value(out[name], lambda u: u.str.upper())
        ok = _per_value(
            codes,
            lambda u: u.map(lambda c: c is pd.NA or (len(c) == 2 and _country_ok(c))),
        )
        bad(~ok.astype(bool), name, "not an ISO 3166 alpha-2 country code")
        out[name] = codes
    pccc = out["recipient_pccc"].str.upper()
    bad(
        pccc.notna() & ~pccc.str.match(PCCC_RE).fillna(False).astype(bool),
        "recipient_pccc",
        "not a PCCC (P + 12 digits) nor a business registration number (10 digits)",
    )
    out["recipient_pccc"] = pccc.str.replace("-", "", regex=False)

    def hs_clean(u: pd.Series) -> pd.Series:
        hs = u.str.replace(r"[.\s-]", "", regex=True)
        ok = hs.str.match(r"^\d{2,10}$").fillna(False).astype(bool)
        hs = hs.where(hs.str.len() % 2 == 0, "0" + hs)
        return hs.where(ok | u.isna(), "!")

    hs = _per_value(out["hs_code"], hs_clean)
    bad(hs == "!", "hs_code", "not an HS code of 2 to 10 digits")
    out["hs_code"] = hs.mask(hs == "!")
    for name in numbers:
        num, not_number = _number(frame, name)
        bad(num.isna() & ~not_number, name, "missing")
        bad(not_number, name, "not a number")
        out[name] = num
    qty = out["quantity"]
    bad(qty.notna() & ~(qty > 0), "quantity", "must be a positive number")
    bad((qty > 0) & (qty % 1 != 0), "quantity", "must be a whole number of units")
    for name in ("declared_value", "gross_weight_kg"):
        bad(out[name] < 0, name, "negative")
    cur = _per_value(out["currency"], lambda u: u.str.upper())
    known = known_currencies()
    bad(cur.notna() & ~cur.isin(known), "currency", "unknown currency (no customs exchange rate)")
    out["currency"] = cur
    # A known currency can still lack a rate for the week of arrival (the rate table ends,
    # or starts later): such a value cannot be brought to USD, so the row cannot be judged.
    dated = (cur.isin(known) & date.notna()).to_numpy(dtype=bool)
    if dated.any():
        when = out.loc[dated, "arrival_date"]
        rate = krw_per_unit(cur[dated].astype(object), when)
        usd = krw_per_unit(pd.Series("USD", index=when.index), when)
        no_rate = np.zeros(n, dtype=bool)
        no_rate[np.flatnonzero(dated)] = np.isnan(rate) | np.isnan(usd)
        bad(
            no_rate,
            "arrival_date",
            "no customs exchange rate for the currency (or USD) in the week of this date",
        )
    failed = np.zeros(n, dtype=bool)
    for m, _, _ in problems:
        failed |= m
    quarantine = _quarantine(frame, problems, failed, first_row)
    valid = out.loc[~failed]
    valid = valid.astype(
        {"quantity": "int64", "declared_value": "float64", "gross_weight_kg": "float64"}
    )
    return Checked(valid=valid, quarantine=quarantine)


def _quarantine(
    frame: pd.DataFrame, problems: list[tuple[np.ndarray, str, str]], failed: np.ndarray, first: int
) -> list[dict[str, Any]]:
    rows = np.flatnonzero(failed)
    if not len(rows):
        return []
    reasons: dict[int, list[dict[str, str]]] = {int(i): [] for i in rows}
    for m, name, why in problems:
        for i in np.flatnonzero(m):
            reasons[int(i)].append({"field": name, "problem": why})
    raw = frame.iloc[rows].astype(object).where(frame.iloc[rows].notna(), None)
    records = raw.to_dict(orient="records")
    return [
        {
            "row_number": first + int(i),
            "raw": {str(k): v for k, v in rec.items()},
            "reasons": reasons[int(i)],
        }
        for i, rec in zip(rows, records, strict=True)
    ]


def content_hash(valid: pd.DataFrame) -> np.ndarray:
    """A 63-bit hash of each valid row's content (same parcel resent vs. a conflict): the
    columns joined into one text per row in Arrow, hashed once."""
    parts = []
    for c in COLUMNS:
        col = valid[c] if c in valid else pd.Series(pd.NA, index=valid.index)
        arr = pc.cast(pa.array(col.astype("string[pyarrow]")), pa.large_string())
        parts.append(pc.fill_null(arr, "\x00"))
    if not len(valid):
        return np.zeros(0, dtype=np.int64)
    joined = pc.binary_join_element_wise(*parts, pa.scalar("\x1f", pa.large_string()))
    text = np.asarray(joined.to_numpy(zero_copy_only=False), dtype=object)
    return (pd.util.hash_array(text).astype(np.int64) >> 1).astype(np.int64)
