"""The Parquet output of scored rows: one output row per input row, reasons as Arrow
columns (``risk.stream.score_file`` writes a file of them batch by batch)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from opencustoms.risk.reasons import KIND, MODEL, RULE, Parts
from opencustoms.risk.scoring import Scored

OUTPUT_SCHEMA = pa.schema(
    [
        ("row", pa.int64()),
        ("declaration_id", pa.string()),
        ("item_no", pa.int64()),
        ("office_id", pa.string()),
        ("declaration_date", pa.date32()),
        ("score", pa.float64()),
        ("model_score", pa.float64()),
        ("critical_score", pa.float64()),
        ("revenue_at_risk", pa.float64()),
        ("lane", pa.string()),
        ("exploration", pa.bool_()),
        ("rules_fired", pa.list_(pa.string())),
        ("reasons", pa.list_(pa.string())),
        ("reasons_json", pa.string()),
        ("error", pa.string()),
        ("model_version", pa.string()),
    ]
)


def summary(scored: Scored, *, rows: int, version: str) -> dict[str, Any]:
    cols = scored.columns
    return lane_summary(
        lane=cols["lane"], exploration=cols["exploration"], rows=rows, version=version
    )


def lane_summary(*, lane: Any, exploration: Any, rows: int, version: str) -> dict[str, Any]:
    """Counts of a scored file: rows, scored, invalid, per lane, exploration picks."""
    lanes = pd.Series(lane).value_counts().to_dict()
    n = len(lane)
    return {
        "rows": rows,
        "scored": n,
        "invalid": rows - n,
        "lanes": {str(k): int(v) for k, v in lanes.items()},
        "exploration": int(np.sum(exploration)),
        "model_version": version,
    }


def output_table(
    scored: Scored,
    *,
    rows: np.ndarray,
    n: int,
    errors: list[str | None],
    version: str,
    ids: pd.Series,
) -> pa.Table:
    """Arrow table in input order; rows that could not be scored keep their error.
    ``scored`` holds the scored rows (``rows``: their input positions) of ``n`` rows."""
    cols = scored.columns
    reasons, reasons_json = reason_arrays(scored)
    data = {
        "row": pa.array(np.arange(n, dtype=np.int64)),
        "declaration_id": pa.array(ids.astype("string"), type=pa.string(), from_pandas=True),
        "item_no": pa.array(cols["item_no"].fillna(1).to_numpy(dtype="int64")),
        "office_id": pa.array(cols["office_id"], type=pa.string(), from_pandas=True),
        "declaration_date": pa.array(
            pd.to_datetime(cols["declaration_date"]).to_numpy().astype("datetime64[D]")
        ),
        "score": pa.array(cols["score"]),
        "model_score": pa.array(cols["model_score"]),
        "critical_score": pa.array(cols["critical_score"]),
        "revenue_at_risk": pa.array(cols["revenue_at_risk"]),
        "lane": pa.array(cols["lane"], type=pa.string()),
        "exploration": pa.array(np.asarray(cols["exploration"], dtype=bool)),
        "rules_fired": _string_lists(cols["rules_fired"]),
        "reasons": reasons,
        "reasons_json": reasons_json,
    }
    if len(rows) != n:  # scatter the scored rows to their input positions, nulls between
        at = np.full(n, -1, dtype=np.int64)
        at[rows] = np.arange(len(rows))
        index = pa.array(at, mask=at < 0)
        data = {k: v if k in ("row", "declaration_id") else v.take(index) for k, v in data.items()}
    data["error"] = pa.array(errors, type=pa.string())
    data["model_version"] = pa.array(np.full(n, version, dtype=object), type=pa.string())
    return pa.table(data, schema=OUTPUT_SCHEMA)


def reason_arrays(scored: Scored) -> tuple[pa.Array, pa.Array]:
    """The ``reasons`` and ``reasons_json`` columns of ``scored`` (``reason_columns``)."""
    return reason_columns(scored.reasons, n_rows=len(scored), rule_items=scored.rule_items)


def reason_columns(
    parts: Parts, *, n_rows: int, rule_items: dict[str, dict[str, Any]]
) -> tuple[pa.Array, pa.Array]:
    """The ``reasons`` (list of texts) and ``reasons_json`` (the reason dicts as
    ``json.dumps`` writes them) columns of ``n_rows`` rows, built with Arrow string
    kernels from the flat reasons: no Python object per row, one per distinct weight or
    rule."""
    p = parts.sorted()
    offsets = pa.array(p.offsets(n_rows))
    model = pa.array(p.section == MODEL)
    text = pa.array(p.text, type=pa.string())
    effect = pc.if_else(pa.array(p.weight > 0), "raises risk", "lowers risk")
    strength = pa.array(p.strength, type=pa.string())
    display = pc.if_else(
        model, pc.binary_join_element_wise(text, " (", strength, " ", effect, ")", ""), text
    )
    quoted = _json_strings(text)
    kind = pa.array(KIND, type=pa.string()).take(pa.array(p.section))
    fragment = pc.if_else(
        model,
        pc.binary_join_element_wise(
            '{"kind": "model", "factor": "',
            pa.array(p.factor, type=pa.string()),
            '", "text": ',
            quoted,
            ', "effect": "',
            effect,
            '", "weight": ',
            _json_floats(p.weight),
            ', "strength": "',
            strength,
            '"}',
            "",
        ),
        pc.binary_join_element_wise('{"kind": "', kind, '", "text": ', quoted, "}", ""),
    )
    rule = np.flatnonzero(p.section == RULE)
    if len(rule):  # a few rules, each worded and encoded once
        ids = list(rule_items)
        which = pa.array(pd.Index(ids).get_indexer(pd.Index(p.rule_id[rule])))
        items = [rule_items[i] for i in ids]
        at = pa.array(rule)
        display = _put(
            display,
            at,
            pa.array([f"rule {i}: {it['text']}" for i, it in zip(ids, items, strict=True)]).take(
                which
            ),
        )
        fragment = _put(fragment, at, pa.array([json.dumps(it) for it in items]).take(which))
    texts = pa.ListArray.from_arrays(offsets, display)
    parts = pa.ListArray.from_arrays(offsets, fragment)
    return texts, pc.binary_join_element_wise("[", pc.binary_join(parts, ", "), "]", "")


def _string_lists(values: Sequence[Sequence[str]]) -> pa.Array:
    """A list<string> array from offsets: most rows fire no rule, and a million empty
    Python lists cost more than the column they make."""
    counts = np.fromiter(map(len, values), dtype=np.int32, count=len(values))
    offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int32)
    flat = [v for i in np.flatnonzero(counts).tolist() for v in values[i]]
    return pa.ListArray.from_arrays(pa.array(offsets), pa.array(flat, type=pa.string()))


def _put(values: pa.Array, at: pa.Array, new: pa.Array) -> pa.Array:
    """``values`` with ``values[at] = new``."""
    mask = np.zeros(len(values), dtype=bool)
    mask[at.to_numpy()] = True
    order = np.zeros(len(values), dtype=np.int64)
    order[at.to_numpy()] = np.arange(len(at))
    return pc.if_else(pa.array(mask), new.take(pa.array(order)), values)


_PLAIN = r"^[\x20\x21\x23-\x5b\x5d-\x7e]*$"  # printable ASCII but " and \ : as is in JSON


def _json_strings(texts: pa.Array) -> pa.Array:
    """``json.dumps`` of each text: quoted as is when nothing needs escaping, which is
    nearly always (the rest go through ``json.dumps``)."""
    quoted = pc.binary_join_element_wise('"', texts, '"', "")
    plain = pc.match_substring_regex(texts, _PLAIN).to_numpy(zero_copy_only=False)
    odd = np.flatnonzero(~plain.astype(bool))
    if not len(odd):
        return quoted
    escaped = pa.array([json.dumps(texts[int(i)].as_py()) for i in odd], type=pa.string())
    return _put(quoted, pa.array(odd), escaped)


def _json_floats(values: np.ndarray) -> pa.Array:
    """``json.dumps`` of each float (NaN: not a model reason, left empty), once per
    distinct value."""
    uniq, inverse = np.unique(np.nan_to_num(values), return_inverse=True)
    return pa.array([json.dumps(float(u)) for u in uniq], type=pa.string()).take(
        pa.array(inverse.ravel())
    )
