"""Frame helpers of the tariff engine: per-row error collection, integer-coded lookups of
dated tables, and gathering per-unique results back to rows."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

_TRUE = {"1", "true", "yes", "y", "t"}


class Errors:
    """First error per row; later checks never overwrite an earlier one."""

    def __init__(self, index: pd.Index) -> None:
        self.index = index
        self.messages = np.full(len(index), None, dtype=object)
        self.failed = np.zeros(len(index), dtype=bool)

    def add(self, mask: pd.Series, message: str | pd.Series | Callable[[Any], str]) -> None:
        m = np.asarray(pd.Series(mask, index=self.index).fillna(False), dtype=bool)
        m = m & ~self.failed
        if not m.any():
            return
        if callable(message):
            # Formatted per failing row only, so clean rows cost nothing.
            self.messages[m] = [message(i) for i in self.index[m]]
        elif isinstance(message, pd.Series):
            self.messages[m] = message.to_numpy(dtype=object)[m]
        else:
            self.messages[m] = message
        self.failed |= m

    @property
    def s(self) -> pd.Series:
        return pd.Series(self.messages, index=self.index, dtype=object)


def flag(col: pd.Series) -> pd.Series:
    if col.dtype == bool:
        return col
    return col.astype("string").str.strip().str.lower().isin(_TRUE).fillna(False).astype(bool)


def checked_map(values: pd.Series, check: object) -> tuple[pd.Series, pd.Series]:
    """Apply a validator to the unique values; return (normalised, error message)."""
    good: dict[object, object] = {}
    bad: dict[object, str] = {}
    for v in values.dropna().unique():
        try:
            good[v] = check(str(v))  # type: ignore[operator]
        except ValueError as exc:
            bad[v] = str(exc)
    return values.map(good).astype("object"), values.map(bad).astype("object")


def trunc(amount: pd.Series | np.ndarray, unit: pd.Series | float) -> pd.Series:
    """Truncate down to a multiple of ``unit`` (rounding first absorbs float noise)."""
    return np.floor(np.round(amount / unit, 6)) * unit


def key_codes(keys: pd.DataFrame, on: list[str]) -> tuple[np.ndarray, pd.DataFrame]:
    """Group code per row and the unique key rows (in code order)."""
    combined = np.zeros(len(keys), dtype=np.int64)
    categorical = []
    for col in on:
        s = keys[col]
        if isinstance(s.dtype, pd.CategoricalDtype):
            # Categorical keys already carry integer codes: no hashing of 1M strings.
            c, n = s.cat.codes.to_numpy().astype(np.int64) + 1, len(s.cat.categories) + 1
            categorical.append(col)
        else:
            c, u = pd.factorize(s, use_na_sentinel=False)
            n = len(u) + 1
        combined = combined * n + c
    codes, uniq = pd.factorize(combined)
    # Position of each code's first row: reversed assignment lets the earliest row win.
    first = np.empty(len(uniq), dtype=np.int64)
    first[codes[::-1]] = np.arange(len(codes) - 1, -1, -1)
    out = keys[on].iloc[first].reset_index(drop=True)
    return codes, out.astype({c: object for c in categorical})


def categorical(values: pd.Series | np.ndarray, codes: np.ndarray, index: pd.Index) -> pd.Series:
    """Per-row categorical from per-unique ``values`` (None and code -1 become NaN)."""
    cat_codes, cats = pd.factorize(pd.Series(np.asarray(values, dtype=object), dtype=object))
    cat_codes = np.append(cat_codes, -1)
    rows = cat_codes[np.where(codes < 0, len(cat_codes) - 1, codes)]
    return pd.Series(
        pd.Categorical.from_codes(rows, categories=pd.Index(cats, dtype=object)), index=index
    )


# Up to this many rows, dated_lookup scans the table once per row instead of merging: one
# declaration's items (the declaration page, ``calculate``) then cost ~1 ms per lookup
# instead of ~10 ms of merge set-up (issue 19, item 8).
FEW_ROWS = 8


def dated_lookup(
    keys: pd.DataFrame, table: pd.DataFrame, on: list[str], cols: list[str]
) -> pd.DataFrame:
    """Per row of ``keys`` (with a ``date`` column), the table row matching ``on`` whose
    validity period contains the date; NaN where none does."""
    several = bool(table.duplicated(on).any())
    if len(keys) <= FEW_ROWS:
        return _scan_lookup(keys, table, on, cols, several=several)
    if several:
        # Several periods per key: match every period, keep the one containing the date.
        left = keys[[*on, "date"]].copy()
        left["_row"] = keys.index
        m = left.merge(table[[*on, "valid_from", "valid_to", *cols]], on=on, how="inner")
        m = m[(m["valid_from"] <= m["date"]) & (m["date"] <= m["valid_to"])]
        m = m.drop_duplicates("_row").set_index("_row")
        return m[cols].reindex(keys.index)
    # One period per key (the common case): join the unique keys only, then gather.
    codes, uniq = key_codes(keys, on)
    u = uniq.merge(table[[*on, "valid_from", "valid_to", *cols]], on=on, how="left")
    date = keys["date"].to_numpy()
    inside = (u["valid_from"].to_numpy()[codes] <= date) & (date <= u["valid_to"].to_numpy()[codes])
    out = pd.DataFrame(index=keys.index)
    for col in cols:
        if u[col].dtype == float:
            out[col] = np.where(inside, u[col].to_numpy()[codes], np.nan)
        else:
            values = u[col].to_numpy(dtype=object)[codes]
            values[~inside] = None
            out[col] = pd.Series(values, index=keys.index, dtype=object)
    return out


def _scan_lookup(
    keys: pd.DataFrame, table: pd.DataFrame, on: list[str], cols: list[str], *, several: bool
) -> pd.DataFrame:
    """dated_lookup for a few rows, with the same result: the first table row (in table
    order, as the merge keeps it) matching the keys (a missing key matches a missing one,
    as in a merge) whose validity period contains the date. A missing text value is NaN
    when the table has several periods per key (the merge path) and None otherwise."""
    key_cols = {c: table[c].to_numpy() for c in on}
    start, end = table["valid_from"].to_numpy(), table["valid_to"].to_numpy()
    hits: list[int | None] = []
    for i in range(len(keys)):
        match = np.ones(len(table), dtype=bool)
        for c in on:
            v = keys[c].iloc[i]
            match &= pd.isna(key_cols[c]) if pd.isna(v) else (key_cols[c] == v)
        date = keys["date"].iloc[i]
        if not pd.isna(date):
            day_ = np.datetime64(pd.Timestamp(date))
            match &= (start <= day_) & (day_ <= end)
        else:
            match[:] = False
        found = np.flatnonzero(match)
        hits.append(int(found[0]) if len(found) else None)
    out = pd.DataFrame(index=keys.index)
    for col in cols:
        values = table[col].to_numpy()
        if table[col].dtype == float:
            out[col] = np.array([np.nan if h is None else values[h] for h in hits], dtype=float)
        else:
            missing = np.nan if several else None
            picked = [missing if h is None else values[h] for h in hits]
            out[col] = pd.Series(picked, index=keys.index, dtype=object)
    return out


def factor(col: pd.Series) -> tuple[np.ndarray, pd.Series]:
    """Codes per row and the unique values (as text); code -1 = missing."""
    codes, uniq = pd.factorize(col, use_na_sentinel=True)
    return codes, pd.Series([str(v) for v in uniq], dtype=object)


def gather(
    values: pd.Series | np.ndarray, codes: np.ndarray, index: pd.Index, missing: object = None
) -> pd.Series:
    """Per-row values from per-unique ``values`` (row code -1 gets ``missing``)."""
    arr = np.asarray(values, dtype=object)
    arr = np.append(arr, np.array([missing], dtype=object))
    return pd.Series(arr[np.where(codes < 0, len(arr) - 1, codes)], index=index, dtype=object)


def prefixed(field: str, messages: pd.Series) -> Callable[[Any], str]:
    return lambda i: f"{field}: {messages[i]!s}"


def text(values: np.ndarray, like: pd.DataFrame) -> pd.Series:
    return pd.Series(values.astype(object), index=like.index, dtype=object)


def day(value: object) -> str:
    return pd.Timestamp(value).strftime("%Y-%m-%d")  # type: ignore[arg-type]
