"""The reasons of a fixed batch, frozen in a golden file: any change of wording, order,
kind or weight of a reason shows up here, so wording changes are deliberate.

Regenerate (after a deliberate wording change, reviewed in the diff of the golden file):
``UPDATE_GOLDEN=1 uv run pytest tests/risk/test_explain_golden.py``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from opencustoms.risk import artefact
from opencustoms.risk.artefact import RiskModel
from opencustoms.risk.batch import output_table
from opencustoms.risk.lanes import load_capacity
from opencustoms.risk.rules import load_rules
from opencustoms.risk.scoring import score_batch

GOLDEN = Path(__file__).parent / "golden" / "reasons.json"
# LightGBM and the bulk contributions may differ in the last bits of a float: weights are
# rounded to 3 decimals, so a rounding step may differ by one unit.
WEIGHT_TOLERANCE = 0.0015


def golden_rows(kcs_2021q1: pd.DataFrame) -> pd.DataFrame:
    """200 rows spread over the quarter, some with missing optional fields and extreme values, so
    every kind of reason occurs."""
    rows = kcs_2021q1.iloc[::27].head(200).reset_index(drop=True).copy()
    rows.loc[::23, "importer_id"] = None
    rows.loc[5::29, "origin_country"] = None
    rows.loc[7::31, "net_mass_kg"] = np.nan
    rows.loc[11::37, "item_price_krw"] = rows.loc[11::37, "item_price_krw"] * 1e4
    rows.loc[13::41, "tax_rate"] = np.nan
    rows.loc[17::43, "seller_id"] = "UNSEEN-SELLER"
    return rows


def current(model: RiskModel, rows: pd.DataFrame) -> dict[str, Any]:
    out: dict[str, Any] = {}
    rules, plan = load_rules(), load_capacity()
    for mode in ("all", "selected"):
        scored = score_batch(
            rows, model=model, rules=rules, plan=plan, exploration_share=0.1, explain_mode=mode
        )
        table = output_table(
            scored,
            rows=np.arange(len(rows)),
            n=len(rows),
            errors=[None] * len(rows),
            version=model.version,
            ids=rows["declaration_id"],
        )
        frame = scored.frame()
        out[mode] = {
            "lane": frame["lane"].tolist(),
            "reasons": [list(r) for r in frame["reasons"]],
            "reasons_text": table.column("reasons").to_pylist(),
            "reasons_json": table.column("reasons_json").to_pylist(),
        }
    return out


def dump(got: dict[str, Any]) -> str:
    """One line per row (reviewable diffs); ``reasons_json`` is checked against the
    reasons themselves, not stored twice."""
    lines = ["{"]
    for m, (mode, part) in enumerate(got.items()):
        lines.append(f'"{mode}": {{"lane": {json.dumps(part["lane"])},')
        for key in ("reasons", "reasons_text"):
            rows = ",\n".join(json.dumps(r, ensure_ascii=False) for r in part[key])
            lines.append(f'"{key}": [\n{rows}\n]' + ("," if key == "reasons" else ""))
        lines.append("}" + ("," if m < len(got) - 1 else ""))
    return "\n".join(lines) + "\n}\n"


def _without_weights(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v for k, v in it.items() if k != "weight"} for it in items]


def _close(a: list[dict[str, Any]], b: list[dict[str, Any]]) -> bool:
    return all(
        abs(x.get("weight", 0.0) - y.get("weight", 0.0)) <= WEIGHT_TOLERANCE
        for x, y in zip(a, b, strict=True)
    )


@pytest.mark.parametrize("tables", [False, True], ids=["lightgbm", "treeshap-tables"])
def test_reasons_match_the_golden_file(
    model: RiskModel, kcs_2021q1: pd.DataFrame, tables: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both ways of computing contributions (LightGBM for a few rows, per-tree tables
    for large batches) give today's reasons."""
    monkeypatch.setattr(artefact, "TABLE_MIN_ROWS", 0 if tables else 10**9)
    got = json.loads(json.dumps(current(model, golden_rows(kcs_2021q1))))
    if os.environ.get("UPDATE_GOLDEN"):
        GOLDEN.write_text(dump(got))
        pytest.skip("golden file written")
    want = json.loads(GOLDEN.read_text())
    kinds = {it["kind"] for r in want["all"]["reasons"] for it in r}
    assert kinds >= {"model", "note", "lane"}  # the file covers every kind of reason
    for mode in ("all", "selected"):
        assert got[mode]["lane"] == want[mode]["lane"], mode
        for i, (g, w) in enumerate(zip(got[mode]["reasons"], want[mode]["reasons"], strict=True)):
            assert _without_weights(g) == _without_weights(w), (mode, i)
            assert _close(g, w), (mode, i, g, w)
        # the Parquet column is exactly what json.dumps writes of the reasons
        assert got[mode]["reasons_json"] == [json.dumps(r) for r in got[mode]["reasons"]]
        assert got[mode]["reasons_text"] == want[mode]["reasons_text"], mode
