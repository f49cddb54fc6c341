"""Score a declaration file into a Parquet file: one output row per input row."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from opencustoms.risk import service
from opencustoms.risk.artefact import RiskModel
from opencustoms.risk.explain import reasons_text
from opencustoms.risk.scoring import check_frame, read_for_scoring

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


def score_file(
    path: Path | str,
    *,
    profile: str,
    out: Path | str,
    model: RiskModel,
    explain_mode: str = "auto",
) -> dict[str, Any]:
    """Read, check, score and write; invalid rows get ``error`` and no score."""
    t0 = time.perf_counter()
    frame, text = read_for_scoring(path, profile)
    errors = check_frame(frame, text)
    ok = np.array([e is None for e in errors], dtype=bool)
    scored = service.score_frame(
        frame.loc[ok].reset_index(drop=True), model=model, explain_mode=explain_mode
    )
    table = output_table(
        scored,
        rows=np.flatnonzero(ok),
        n=len(frame),
        errors=errors,
        version=model.version,
        ids=frame["declaration_id"]
        .astype(object)
        .where(frame["declaration_id"].notna(), None)
        .tolist(),
    )
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, out)
    lanes = scored["lane"].value_counts().to_dict()
    return {
        "rows": len(frame),
        "scored": int(ok.sum()),
        "invalid": int((~ok).sum()),
        "lanes": {k: int(v) for k, v in lanes.items()},
        "exploration": int(scored["exploration"].sum()),
        "model_version": model.version,
        "seconds": round(time.perf_counter() - t0, 3),
    }


def output_table(
    scored: pd.DataFrame,
    *,
    rows: np.ndarray,
    n: int,
    errors: list[str | None],
    version: str,
    ids: list[Any],
) -> pa.Table:
    """Arrow table in input order; rows that could not be scored keep their error."""
    everything = len(rows) == n

    def full(values: list[Any] | np.ndarray) -> Any:
        if everything:
            return values
        col: list[Any] = [None] * n
        for i, v in zip(rows.tolist(), values, strict=True):
            col[i] = v
        return col

    def full_num(values: np.ndarray) -> np.ndarray:
        if everything:
            return values
        col = np.full(n, np.nan)
        col[rows] = values
        return col

    raw = scored
    # Most rows of a large batch have no reasons (green, explain_mode='selected'/'none'):
    # share one empty value instead of formatting a million empty lists.
    reasons = [reasons_text(r) if r else [] for r in raw["reasons"]]
    reasons_json = [json.dumps(r) if r else "[]" for r in raw["reasons"]]
    dates = pa.array(pd.to_datetime(raw["declaration_date"]).to_numpy().astype("datetime64[D]"))
    fired = [list(f) if f else [] for f in raw["rules_fired"]]
    data = {
        "row": np.arange(n, dtype=np.int64),
        "declaration_id": ids,
        "item_no": full(raw["item_no"].fillna(1).to_numpy(dtype="int64")),
        "office_id": full(raw["office_id"].to_numpy(dtype=object)),
        "declaration_date": dates if everything else full(dates.to_pylist()),
        "score": full_num(raw["score"].to_numpy()),
        "model_score": full_num(raw["model_score"].to_numpy()),
        "critical_score": full_num(raw["critical_score"].to_numpy()),
        "revenue_at_risk": full_num(raw["revenue_at_risk"].to_numpy()),
        "lane": full(raw["lane"].to_numpy(dtype=object)),
        "exploration": full(raw["exploration"].to_numpy(dtype=bool)),
        "rules_fired": full(fired),
        "reasons": full(reasons),
        "reasons_json": full(reasons_json),
        "error": errors,
        "model_version": [version] * n,
    }
    return pa.table(data, schema=OUTPUT_SCHEMA)
