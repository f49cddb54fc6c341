"""Vectorised validation of canonical declaration frames, rule for rule the ``Declaration``
model (bounds and lengths are read from it), with a reason per failing field.

Validating a million rows one pydantic model at a time costs minutes; these column-wise
checks cost seconds. ``tests/declarations/test_validate.py`` checks that they accept and
reject the same rows as ``Declaration.model_validate``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from hashlib import blake2b
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pycountry

from opencustoms.declarations.schema import (
    FIELD_NAMES,
    REQUIRED_FIELDS,
    TRADE_FIELDS,
    Declaration,
    Direction,
    arrow_schema,
    constraint,
    python_type,
)
from opencustoms.declarations.types import EXTRA_COUNTRIES, check_hs_code, hs_chapters

TEXT = pd.StringDtype("pyarrow")
Reasons = list[dict[str, str]]
Message = str | Callable[[Any], str]


@lru_cache(maxsize=1)
def _countries() -> list[str]:
    # Same list as types.check_country: ISO 3166 plus the codes it allows besides.
    return sorted({c.alpha_2 for c in pycountry.countries} | EXTRA_COUNTRIES)


@lru_cache(maxsize=1)
def _currencies() -> list[str]:
    return sorted(c.alpha_3 for c in pycountry.currencies)


@dataclass
class Checked:
    frame: pd.DataFrame  # typed canonical columns; values of failing rows are meaningless
    reasons: dict[int, Reasons]  # position in the frame -> what is wrong

    @property
    def ok(self) -> np.ndarray:
        mask = np.ones(len(self.frame), dtype=bool)
        if self.reasons:
            mask[list(self.reasons)] = False
        return mask


def as_text(col: pd.Series) -> pd.Series:
    """Any column as stripped Arrow strings, empty -> NA; whole floats lose their '.0'."""
    if pd.api.types.is_float_dtype(col.dtype):
        # only floats that are exact integers print as such (beyond 2**53 they are not)
        finite = col.where(np.isfinite(col.fillna(0)))
        whole = finite.notna() & (finite % 1 == 0) & (finite.abs() < 2.0**53)
        text = col.astype(TEXT)
        text = text.mask(whole, col.where(whole).astype("Int64").astype(TEXT))
    elif pd.api.types.is_bool_dtype(col.dtype) or col.dtype == object:
        text = col.map(_scalar_text, na_action="ignore").astype(TEXT)
    else:
        text = col.astype(TEXT)
    text = text.str.strip()
    return text.mask(text == "")


def _scalar_text(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer() and abs(value) < 2.0**53:
        return str(int(value))
    if isinstance(value, bool):  # JSON true/false for 0/1 labels, as pydantic accepts them
        return str(int(value))
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="backslashreplace")
    return value if isinstance(value, str) else str(value)


_NUMBER = r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$|^[+-]?(inf|infinity|nan)$"


def parse_float(text: pd.Series) -> pd.Series:
    """Text -> float64 (NaN where not a number), parsed exactly.

    Arrow's parser round-trips decimal text ("86125.2" stays 86125.2); pandas'
    ``to_numeric`` may land one ulp off, which would turn re-deliveries into conflicts.
    """
    arr = pa.array(text.astype(TEXT).array, type=pa.string())
    looks = pc.match_substring_regex(arr, _NUMBER, ignore_case=True)
    values = pc.cast(pc.if_else(looks, arr, pa.scalar(None, pa.string())), pa.float64())
    return pd.Series(values.to_numpy(zero_copy_only=False), index=text.index, dtype="float64")


class _Checker:
    def __init__(self, frame: pd.DataFrame) -> None:
        self.src = frame
        self.n = len(frame)
        self.out: dict[str, pd.Series] = {}
        self.fails: list[tuple[str, np.ndarray, Message, pd.Series]] = []

    def fail(self, name: str, mask: Any, message: Message) -> None:
        """Record that rows in ``mask`` break a rule of ``name``; ``message`` is a template
        with ``{v!r}`` for the offending value, or a function of the value."""
        arr = np.asarray(mask, dtype=bool)
        if arr.any():
            self.fails.append((name, arr, message, self.src[name]))

    def text(self, name: str) -> pd.Series:
        text = as_text(self.src[name])
        if name in REQUIRED_FIELDS:
            self.fail(name, text.isna(), "is required")
        longest = constraint(name, "max_length")
        if longest:
            self.fail(
                name,
                text.str.len().fillna(0) > longest,
                f"is longer than {longest} characters",
            )
        # PostgreSQL text cannot hold NUL; refusing it here keeps both stores identical.
        nul = text.str.contains("\x00", regex=False).fillna(False).astype(bool)
        self.fail(name, nul, "contains a NUL character")
        return text

    def number(self, name: str, *, whole: bool) -> pd.Series:
        col = self.src[name]
        if pd.api.types.is_numeric_dtype(col.dtype) and not pd.api.types.is_bool_dtype(col):
            values = col.astype("float64")
        else:
            text = as_text(col)
            values = parse_float(text)
            self.fail(name, text.notna() & values.isna(), "{v!r} is not a number")
        present = values.notna()
        self.fail(name, present & ~np.isfinite(values.fillna(0)), "{v!r} is not a finite number")
        low, high = constraint(name, "ge"), constraint(name, "le")
        if whole:
            self.fail(name, present & (values % 1 != 0), "{v!r} is not a whole number")
        if low is not None and high is not None:
            self.fail(
                name,
                present & ((values < low) | (values > high)),
                f"{{v!r}} is not between {low} and {high}",
            )
        elif low is not None:
            self.fail(name, present & (values < low), f"{{v!r}} must be >= {low}")
        if not whole:
            return values
        # Rows with inf or values beyond int64 already failed a check above; blank them so
        # the cast to Int64 cannot raise.
        safe = values.where(np.isfinite(values.fillna(0)) & (values.abs() < 2.0**62))
        return safe.round().astype("Int64")

    def date(self, name: str) -> pd.Series:
        col = self.src[name]
        if pd.api.types.is_datetime64_any_dtype(col.dtype):
            values = col.dt.tz_localize(None) if getattr(col.dt, "tz", None) else col
            has_time = values.notna() & (values != values.dt.normalize())
            self.fail(name, has_time, "{v!r} is not a date (has a time of day)")
            values = values.astype("datetime64[ns]")
            missing = values.isna()
        else:
            text = as_text(col)
            # strptime alone would take 2020-1-1, which the model (ISO 8601) refuses.
            iso = text.str.fullmatch(r"\d{4}-\d{2}-\d{2}").fillna(False).astype(bool)
            values = pd.to_datetime(text.where(iso), format="%Y-%m-%d", errors="coerce")
            self.fail(
                name,
                text.notna() & values.isna(),
                "{v!r} is not a date (expected YYYY-MM-DD)",
            )
            missing = text.isna()
        if name in REQUIRED_FIELDS:
            self.fail(name, missing, "is required")
        return values.astype("datetime64[ns]")

    def code(self, name: str, allowed: list[str], what: str) -> pd.Series:
        text = as_text(self.src[name]).str.upper()
        ok = text.isna() | text.isin(allowed)
        self.fail(name, ~ok, f"{{v!r}} is not {what}")
        return text


def check_frame(frame: pd.DataFrame, problems: dict[int, Reasons] | None = None) -> Checked:
    """Validate a canonical frame (any dtypes) and return typed columns plus reasons.

    ``problems`` are reasons already known per position (e.g. undecodable bytes).

    >>> df = pd.DataFrame({"declaration_id": ["A1", None], "declaration_date": ["2020-01-31",
    ...     "2020-02-30"], "office_id": ["30", "40"], "hs_code": ["440890", "7705"]})
    >>> checked = check_frame(df)
    >>> checked.ok.tolist(), checked.reasons[1][0]["field"]
    ([True, False], 'declaration_id')
    """
    frame = frame.reset_index(drop=True)
    for name in FIELD_NAMES:
        if name not in frame.columns:
            frame[name] = pd.Series([None] * len(frame), dtype=object)
    c = _Checker(frame)
    out = c.out
    for name in FIELD_NAMES:
        if frame[name].dtype == object:  # JSON input: an object or list is not a value
            nested = frame[name].map(lambda v: isinstance(v, dict | list | tuple))
            c.fail(name, nested.to_numpy(dtype=bool), "is not a single value")
        kind = python_type(name)
        if name == "hs_code":
            out[name] = _hs(c)
        elif name.endswith("_country"):
            out[name] = c.code(name, _countries(), "an ISO 3166 alpha-2 country code")
        elif name == "currency":
            out[name] = c.code(name, _currencies(), "an ISO 4217 currency code")
        elif kind is Direction:
            text = as_text(frame[name]).fillna(Direction.IMPORT.value)
            c.fail(
                name,
                ~text.isin([d.value for d in Direction]),
                "{v!r} is not one of import, export",
            )
            out[name] = text
        elif kind is str:
            out[name] = c.text(name)
        elif kind is float:
            out[name] = c.number(name, whole=False)
        elif kind is int:
            values = c.number(name, whole=True)
            default = Declaration.model_fields[name].default
            out[name] = values.fillna(default) if isinstance(default, int) else values
        elif kind is dt.date:
            out[name] = c.date(name)
    c.fail(
        "currency",
        (out["fob_value"].notna() | out["cif_value"].notna()) & frame["currency"].isna(),
        "is required when fob_value or cif_value is given",
    )
    c.fail(
        "currency",
        out["invoice_value"].notna()
        & out["fob_value"].isna()
        & out["cif_value"].isna()
        & frame["currency"].isna(),
        "is required when invoice_value is given",
    )
    reasons: dict[int, Reasons] = {int(k): list(v) for k, v in (problems or {}).items()}
    if c.fails:
        bad = np.logical_or.reduce([m for _, m, _, _ in c.fails])
        # plain object arrays: positional access on pandas Series costs ~30 us a call
        fails = [(n, m, msg, src.to_numpy(dtype=object)) for n, m, msg, src in c.fails]
        for pos in np.flatnonzero(bad).tolist():
            for name, mask, message, given in fails:
                if mask[pos]:
                    v = _plain(given[pos])
                    problem = message(v) if callable(message) else message.format(v=v)
                    reasons.setdefault(pos, []).append({"field": name, "problem": problem})
    typed = pd.DataFrame(out, columns=list(FIELD_NAMES))
    return Checked(frame=typed, reasons=reasons)


def _hs(c: _Checker) -> pd.Series:
    text = as_text(c.src["hs_code"]).str.replace(r"[.\s]", "", regex=True)
    c.fail("hs_code", text.isna(), "is required")
    digits = text.str.fullmatch(r"\d{2,10}").fillna(True).astype(bool)
    c.fail("hs_code", ~digits, "{v!r} is not an HS code (2 to 10 digits)")
    padded = text.where(text.str.len() % 2 == 0, "0" + text)
    chapter = pd.to_numeric(padded.str.slice(0, 2), errors="coerce")
    exists = chapter.isna() | ~digits | chapter.isin(hs_chapters())
    c.fail("hs_code", ~exists.astype(bool), _hs_problem)
    return padded


def _hs_problem(value: Any) -> str:
    try:
        check_hs_code(str(value).replace(".", "").replace(" ", ""))
    except ValueError as exc:
        return str(exc)
    return "is not a valid HS code"


def _plain(value: Any) -> Any:
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return None
    return value.item() if isinstance(value, np.generic) else value


def to_arrow(typed: pd.DataFrame) -> pa.Table:
    """Typed canonical frame -> Arrow table with ``schema.arrow_schema()``."""
    schema = arrow_schema()
    arrays = []
    for f in schema:
        col = typed[f.name]
        if pa.types.is_date32(f.type):
            arr = pa.array(
                col.to_numpy(dtype="datetime64[ns]").astype("datetime64[D]"),
                type=pa.date32(),
                mask=col.isna().to_numpy(),
            )
        elif pa.types.is_int64(f.type):
            arr = pa.array(col.astype("Int64"), type=pa.int64(), from_pandas=True)
        else:
            arr = pa.array(col, type=f.type, from_pandas=True)
        arrays.append(arr)
    return pa.Table.from_arrays(arrays, schema=schema)


def content_hashes(table: pa.Table) -> np.ndarray:
    """Stable 64-bit digest of each row's canonical values (BLAKE2b of the joined text).

    Computed from typed values, so the same item read from CSV, Parquet or JSON gets the
    same digest; it is part of the stored data, hence a fixed algorithm, not ``hash()``.
    """

    def join(names: tuple[str, ...]) -> pa.Array:
        cols = [pc.cast(table.column(n), pa.string()) for n in names]
        return pc.binary_join_element_wise(
            *cols, "\x1f", null_handling="replace", null_replacement="\x00"
        )

    joined = join(tuple(n for n in FIELD_NAMES if n not in TRADE_FIELDS))
    trade = join(TRADE_FIELDS)
    # rows without any trade field hash exactly as before those fields existed
    empty = pc.equal(trade, "\x1f".join(["\x00"] * len(TRADE_FIELDS)))
    joined = pc.if_else(empty, joined, pc.binary_join_element_wise(joined, trade, "\x1f"))
    return np.fromiter(
        (
            int.from_bytes(blake2b(v.encode(), digest_size=8).digest(), "little", signed=True)
            for v in joined.to_pylist()
        ),
        dtype=np.int64,
        count=len(joined),
    )
