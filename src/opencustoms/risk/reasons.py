"""The reasons of a whole batch at once, as flat columns: one entry per reason.

``explain.explain`` words the reasons of a few rows one row at a time; a national batch
needs the same words for hundreds of thousands of rows. Here every step is a column
operation: contributions summed per factor with numpy, the top factors by sorting each
row's factor weights, data notes as boolean masks. Texts are written by the same
functions as ``explain`` (so the wording cannot drift), once per distinct combination
of the values a text shows (one "importer's past fraud rate 64% (41 inspections)" per
importer history, not per row). The result feeds the Parquet output as Arrow arrays
(``batch``) or, for a few rows, the per-row dicts of ``score_frame``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from opencustoms.risk.explain import (
    EXTREME_RATIO,
    EXTREME_Z,
    GROUP_NAMES,
    GROUPS,
    MIN_WEIGHT,
    MODERATE,
    NOTE_ENTITIES,
    NOTE_GROUP,
    OPTIONAL_NOTED,
    STRONG,
    TOP_FACTORS,
    _article,
    _noun,
    effect_text,
    extreme_unit_value,
    factor_text,
)
from opencustoms.risk.features import FEATURES
from opencustoms.risk.history import KEYS, STATS, S

# Where a reason sits in its row's list: rules fired, model factors, data notes, lanes.
RULE, MODEL, NOTE, LANE = 0, 1, 2, 3
KIND = np.array(["rule", "model", "note", "lane"], dtype=object)
_GROUP_OF_FEATURE = np.array([GROUP_NAMES.index(g) for g in GROUPS])
# Columns a key's noun shows ("HS code 851712", "origin country CN"); the other key
# columns only matter for being given or not.
_NOUN_COLUMNS = {
    "hs6": ("hs6",),
    "hs4": ("hs4",),
    "hs2": ("hs2",),
    "origin": ("origin_country",),
    "departure": ("departure_country",),
    "office": ("office_id",),
    "importer_hs6": ("hs6",),
    "hs6_origin": ("hs6", "origin_country"),
    "seller_hs6": ("hs6",),
    "office_hs6": ("hs6", "office_id"),
    "line": ("hs6", "origin_country"),
}
_KEY_STATS = [S["n_decl"], S["n_insp"], S["fraud"], S["critical"]]
_UNIT_VALUE_STATS = [S["luv_n"], S["luv_sum"]]


@dataclass
class Parts:
    """Reasons of a batch, unordered: ``order`` sorts them by row, section, position."""

    row: np.ndarray
    section: np.ndarray
    position: np.ndarray
    text: np.ndarray  # object array of str
    factor: np.ndarray  # object array: factor name of a model reason, else None
    weight: np.ndarray  # float64: weight of a model reason (rounded), else NaN
    rule_id: np.ndarray  # object array: rule of a rule reason, else None
    strength: np.ndarray  # object array: "strongly"... of a model reason, else None

    @classmethod
    def empty(cls) -> Parts:
        return cls.make(np.zeros(0, np.int64), RULE, np.zeros(0, np.int64), [])

    @classmethod
    def make(
        cls,
        row: np.ndarray,
        section: int,
        position: np.ndarray | int,
        text: Sequence[str] | np.ndarray,
        **extra: np.ndarray,
    ) -> Parts:
        n = len(row)
        return cls(
            np.asarray(row, dtype=np.int64),
            np.full(n, section, dtype=np.int8),
            np.broadcast_to(np.asarray(position, dtype=np.int64), (n,)).copy(),
            np.asarray(text, dtype=object).reshape(n),
            extra.get("factor", np.full(n, None, dtype=object)),
            extra.get("weight", np.full(n, np.nan)),
            extra.get("rule_id", np.full(n, None, dtype=object)),
            extra.get("strength", np.full(n, None, dtype=object)),
        )

    @classmethod
    def concat(cls, parts: Sequence[Parts], offsets: Sequence[int] | None = None) -> Parts:
        """Parts of several batches (``offsets``: each batch's first row) as one."""
        offsets = offsets if offsets is not None else [0] * len(parts)
        if not parts:
            return cls.empty()
        return cls(
            np.concatenate([p.row + o for p, o in zip(parts, offsets, strict=True)]),
            *(
                np.concatenate([getattr(p, name) for p in parts])
                for name in (
                    "section",
                    "position",
                    "text",
                    "factor",
                    "weight",
                    "rule_id",
                    "strength",
                )
            ),
        )

    def take(self, keep: np.ndarray) -> Parts:
        return Parts(*(getattr(self, n)[keep] for n in Parts.__dataclass_fields__))

    def sorted(self) -> Parts:
        return self.take(np.lexsort((self.position, self.section, self.row)))

    def offsets(self, n_rows: int) -> np.ndarray:
        """Start of each row's reasons (sorted parts), n_rows + 1 entries."""
        counts = np.bincount(self.row, minlength=n_rows)
        return np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)


def per_unique(columns: dict[str, Any], word: Callable[[dict[str, Any]], str]) -> np.ndarray:
    """``word(values)`` for each row of ``columns``, called once per distinct row."""
    frame = pd.DataFrame(columns)
    if frame.empty:
        return np.zeros(0, dtype=object)
    codes = frame.groupby(list(frame.columns), dropna=False, sort=False).ngroup().to_numpy()
    first = np.unique(codes, return_index=True)[1]
    texts = [word({str(k): v for k, v in r.items()}) for r in frame.iloc[first].to_dict("records")]
    return np.array(texts, dtype=object)[codes]


def _stats_row(name: str, cols: list[int], values: dict[str, Any]) -> dict[str, np.ndarray]:
    st = np.zeros((1, len(STATS)))
    for c in cols:
        st[0, c] = values[f"_s{c}"]
    return {name: st}


class _Columns:
    """Columns of a frame as numpy arrays, each converted once."""

    def __init__(self, frame: pd.DataFrame) -> None:
        self.frame = frame
        self.cache: dict[str, np.ndarray] = {}
        self.missing: dict[str, np.ndarray] = {}

    def __call__(self, col: str, rows: np.ndarray) -> np.ndarray:
        if col not in self.cache:
            self.cache[col] = self.frame[col].to_numpy()
        return self.cache[col][rows]

    def given(self, col: str, rows: np.ndarray) -> np.ndarray:
        if col not in self.missing:
            self.missing[col] = self.frame[col].isna().to_numpy()
        out = np.full(len(rows), "given", dtype=object)
        out[self.missing[col][rows]] = None
        return out


def _factor_inputs(
    group: str, col: _Columns, stats: dict[str, np.ndarray], rows: np.ndarray
) -> tuple[dict[str, Any], Callable[[dict[str, Any]], str]]:
    """The values ``factor_text(group, ...)`` reads, for ``rows``; and how to word them."""
    if group in KEYS:
        shown = _NOUN_COLUMNS.get(group, ())
        cols: dict[str, Any] = {c: col(c, rows) for c in shown}
        for c in KEYS[group]:
            if c not in shown:  # only whether it is given matters: keep uniques few
                cols[c] = col.given(c, rows)
        key, idx = group, _KEY_STATS
    elif group == "unit_value":
        cols = {c: col(c, rows) for c in ("log_unit_value", "hs6")}
        key, idx = "hs6_origin", _UNIT_VALUE_STATS
    else:
        wanted = {
            "tax": ("tax_rate", "duty_at_stake"),
            "origin_ne_departure": ("origin_country", "departure_country"),
            "calendar": ("declaration_date",),
        }.get(group, (group.removeprefix("cat__"),))
        cols = {c: col(c, rows) for c in wanted}
        key, idx = "", []
    for i in idx:
        cols[f"_s{i}"] = stats[key][rows, i]

    def word(values: dict[str, Any]) -> str:
        return factor_text(group, values, _stats_row(key, idx, values) if key else {}, 0)

    return cols, word


def group_weights(contrib: np.ndarray) -> np.ndarray:
    """Contributions summed per factor group (rows x groups), in feature order as
    ``explain`` sums them (same floating-point result)."""
    per_group = np.zeros((len(contrib), len(GROUP_NAMES)))
    for f in range(len(FEATURES)):
        per_group[:, _GROUP_OF_FEATURE[f]] += contrib[:, f]
    return per_group


def model_factors(
    frame: pd.DataFrame,
    stats: dict[str, np.ndarray],
    per_group: np.ndarray,
    *,
    top: int = TOP_FACTORS,
) -> Parts:
    """The ``top`` factors of each row by absolute contribution (``explain.explain``):
    ``per_group`` is ``group_weights`` of the rows of ``frame`` (derived columns)."""
    n = len(frame)
    order = np.argsort(-np.abs(per_group), axis=1)[:, :top]
    row = np.repeat(np.arange(n), order.shape[1])
    group = order.ravel()
    position = np.tile(np.arange(order.shape[1]), n)
    weight = per_group[row, group]
    keep = np.abs(weight) >= MIN_WEIGHT
    row, group, position, weight = row[keep], group[keep], position[keep], weight[keep]
    text = np.empty(len(row), dtype=object)
    columns = _Columns(frame)
    for g in np.unique(group):
        sel = np.flatnonzero(group == g)
        cols, word = _factor_inputs(GROUP_NAMES[g], columns, stats, row[sel])
        text[sel] = per_unique(cols, word)
    factor = np.array(GROUP_NAMES, dtype=object)[group]
    return Parts.make(
        row,
        MODEL,
        position,
        text,
        factor=factor,
        weight=_round3(weight),
        strength=_strength(weight),
    )


def _strength(w: np.ndarray) -> np.ndarray:
    size = np.abs(w)
    return np.where(
        size >= STRONG, "strongly", np.where(size >= MODERATE, "moderately", "slightly")
    ).astype(object)


def _effects(w: np.ndarray) -> np.ndarray:
    """``explain.effect_text`` of each weight."""
    moved = _strength(w) + np.where(w > 0, " raises risk", " lowers risk").astype(object)
    return np.where(np.abs(w) < MIN_WEIGHT, "no effect on this score", moved).astype(object)


def _round3(w: np.ndarray) -> np.ndarray:
    """``round(w, 3)`` as Python rounds (via the 3-decimal text of each distinct value)."""
    if not len(w):
        return w
    uniq, inverse = np.unique(np.round(w, 3), return_inverse=True)
    return np.array([float(f"{u:.3f}") for u in uniq])[inverse]


def data_notes(
    frame: pd.DataFrame, stats: dict[str, np.ndarray], per_group: np.ndarray | None = None
) -> Parts:
    """``explain.data_notes`` of every row of ``frame`` (derived columns); ``per_group``:
    the rows' ``group_weights``, None when not computed for these rows."""
    parts = []
    groups = []
    slot = 0
    for key in NOTE_ENTITIES:
        cols = KEYS[key]
        present = np.logical_and.reduce([frame[c].notna().to_numpy() for c in cols])
        rows = np.flatnonzero(present & (stats[key][:, S["n_decl"]] == 0))
        shown = _NOUN_COLUMNS.get(key, ())

        def word(values: dict[str, Any], key: str = key) -> str:
            return f"first declaration of {_article(_noun(key, values))}"

        text = per_unique({c: frame[c].to_numpy()[rows] for c in shown}, word) if shown else None
        if text is None:
            text = np.full(len(rows), word({}), dtype=object)
        parts.append(Parts.make(rows, NOTE, slot, text))
        groups.append(np.full(len(rows), GROUP_NAMES.index(key)))
        slot += 1
    for col, label in OPTIONAL_NOTED.items():
        rows = np.flatnonzero(frame[col].isna().to_numpy())
        parts.append(Parts.make(rows, NOTE, slot, np.full(len(rows), f"{label} missing")))
        groups.append(np.full(len(rows), GROUP_NAMES.index(NOTE_GROUP[col])))
        slot += 1
    extreme = _extreme(frame, stats["hs6_origin"], slot)
    parts.append(extreme)
    groups.append(np.full(len(extreme.row), GROUP_NAMES.index("unit_value")))
    notes = Parts.concat(parts)
    group = np.concatenate(groups).astype(np.int64)
    if per_group is None:
        effect = np.full(len(group), effect_text(None), dtype=object)
    else:
        effect = _effects(per_group[notes.row, group])
    notes.text = notes.text + " (" + effect + ")" if len(group) else notes.text
    return notes


def _extreme(frame: pd.DataFrame, st: np.ndarray, slot: int) -> Parts:
    luv = frame["log_unit_value"].to_numpy(dtype="float64")
    n_uv = st[:, S["luv_n"]]
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = st[:, S["luv_sum"]] / n_uv
        std = np.sqrt(np.maximum(st[:, S["luv_sq"]] / n_uv - mean**2, 0.0)) + 0.1
        dev = np.abs(luv - mean)
        # a slightly wider net than the note's test, which then runs as written on the
        # few rows caught (same floating-point arithmetic as a single declaration)
        maybe = (~np.isnan(luv)) & (n_uv >= 2)
        maybe &= (dev / std > EXTREME_Z * (1 - 1e-9)) | (dev > math.log(EXTREME_RATIO) - 1e-9)
    rows, texts = [], []
    for i in np.flatnonzero(maybe):
        note = extreme_unit_value(float(luv[i]), st[i])
        if note is not None:
            rows.append(i)
            texts.append(note)
    return Parts.make(np.array(rows, dtype=np.int64), NOTE, slot, texts)


def rule_parts(fired: Sequence[tuple[str, ...]]) -> Parts:
    """One reason per rule fired (in firing order); most rows fire none."""
    counts = np.fromiter(map(len, fired), dtype=np.int64, count=len(fired))
    rows = np.flatnonzero(counts)
    ids = [rid for i in rows.tolist() for rid in fired[i]]
    row = np.repeat(rows, counts[rows])
    position = np.concatenate([np.arange(c) for c in counts[rows]]) if len(rows) else row
    return Parts.make(row, RULE, position, [""] * len(ids), rule_id=np.array(ids, dtype=object))


def lane_parts(notes: Sequence[tuple[str, ...]]) -> Parts:
    counts = np.fromiter(map(len, notes), dtype=np.int64, count=len(notes))
    rows = np.flatnonzero(counts)
    texts = [t for i in rows.tolist() for t in notes[i]]
    row = np.repeat(rows, counts[rows])
    position = np.concatenate([np.arange(c) for c in counts[rows]]) if len(rows) else row
    return Parts.make(row, LANE, position, texts)


def as_dicts(parts: Parts, n_rows: int, rule_items: dict[str, dict[str, Any]]) -> list[Any]:
    """Per row, its reasons as the dicts ``explain`` gives (rows without reasons share
    one empty list, which callers replace and never mutate)."""
    p = parts.sorted()
    offsets = p.offsets(n_rows)
    items: list[dict[str, Any]] = []
    for section, text, factor, weight, rid, strength in zip(
        p.section.tolist(),
        p.text.tolist(),
        p.factor.tolist(),
        p.weight.tolist(),
        p.rule_id.tolist(),
        p.strength.tolist(),
        strict=True,
    ):
        if section == MODEL:
            effect = "raises risk" if weight > 0 else "lowers risk"
            items.append(
                {
                    "kind": "model",
                    "factor": factor,
                    "text": text,
                    "effect": effect,
                    "weight": weight,
                    "strength": strength,
                }
            )
        elif section == RULE:
            items.append(rule_items[rid])
        else:
            items.append({"kind": KIND[section], "text": text})
    empty: list[dict[str, Any]] = []
    out: list[Any] = [empty] * n_rows
    for r in np.flatnonzero(np.diff(offsets)):
        out[r] = items[offsets[r] : offsets[r + 1]]
    return out
