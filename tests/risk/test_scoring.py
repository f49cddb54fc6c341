"""Scoring single and batch declarations: unseen, missing and extreme values, bad input."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
from pydantic import ValidationError

from opencustoms.risk.artefact import RiskModel
from opencustoms.risk.explain import reasons_text
from opencustoms.risk.service import score_frame, score_one
from opencustoms.risk.stream import score_file

KNOWN = {
    "declaration_id": "T1",
    "declaration_date": "2021-01-04",
    "office_id": "40",
    "importer_id": None,
    "hs_code": "851712",
    "origin_country": "CN",
    "departure_country": "CN",
    "tax_rate": 8.0,
    "tax_type": "A",
    "net_mass_kg": 12.5,
    "item_price_krw": 1_250_000,
}


def _texts(result) -> list[str]:  # type: ignore[no-untyped-def]
    return reasons_text(result.reasons)


def test_known_declaration_gets_score_lane_and_factor_reasons(
    model: RiskModel, small_train: pd.DataFrame
) -> None:
    row = small_train.iloc[0]
    decl = {
        **KNOWN,
        "importer_id": row["importer_id"],
        "declarant_id": row["declarant_id"],
        "hs_code": row["hs_code"],
        "origin_country": row["origin_country"],
    }
    res = score_one(decl, model=model)
    assert 0 <= res.model_score <= 1 and 0 <= res.score <= 1
    assert res.lane in {"green", "yellow", "red", "blue"}
    model_reasons = [r for r in res.reasons if r["kind"] == "model"]
    assert model_reasons and all(
        r["effect"] in {"raises risk", "lowers risk"} for r in model_reasons
    )
    assert any("inspections" in r["text"] for r in model_reasons)
    assert res.model_version == model.version


def test_unseen_entities_are_scored_and_said(model: RiskModel, small_train: pd.DataFrame) -> None:
    seen = set(small_train["hs_code"])
    hs = next(c for c in ("010121", "970190", "890310", "930100") if c not in seen)
    decl = {
        **KNOWN,
        "importer_id": "NEVERSEEN1",
        "seller_id": "NEWSELLER",
        "hs_code": hs,
        "origin_country": "TV",
        "departure_country": "TV",
    }
    texts = _texts(score_one(decl, model=model))
    # each note ends with what the model's factor on the same thing does to the score
    assert any(t.startswith("first declaration of this importer (") for t in texts)
    assert any(t.startswith("first declaration of this seller (") for t in texts)
    assert any(f"first declaration of this HS code {hs}" in t for t in texts)
    assert any("first declaration of this origin country TV" in t for t in texts)


def test_missing_optional_fields_are_said(model: RiskModel) -> None:
    decl = {
        k: v
        for k, v in KNOWN.items()
        if k in ("declaration_id", "declaration_date", "office_id", "hs_code")
    }
    res = score_one(decl, model=model)
    texts = _texts(res)
    for what in (
        "importer missing",
        "net mass missing",
        "item price missing",
        "tax rate missing",
        "origin country missing",
    ):
        assert any(t.startswith(f"{what} (") for t in texts), what
    assert 0 <= res.score <= 1


def test_extreme_values_are_scored_and_flagged(model: RiskModel, small_train: pd.DataFrame) -> None:
    busy = small_train.groupby(["hs_code", "origin_country"]).size().idxmax()
    decl = {
        **KNOWN,
        "hs_code": busy[0],
        "origin_country": busy[1],
        "net_mass_kg": 0.001,
        "item_price_krw": 9e12,
        "tax_rate": 800.0,
    }
    res = score_one(decl, model=model)
    assert 0 <= res.score <= 1
    assert any(t.startswith("extreme unit value") for t in _texts(res))


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"hs_code": "77AB"}, "hs_code"),
        ({"declaration_date": "31/02/2021"}, "declaration_date"),
        ({"net_mass_kg": -5}, "net_mass_kg"),
        ({"origin_country": "XX"}, "origin_country"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_malformed_input_gets_a_validation_error_naming_the_field(
    model: RiskModel, change: dict[str, object], field: str
) -> None:
    with pytest.raises(ValidationError) as exc:
        score_one({**KNOWN, **change}, model=model)
    assert field in {str(e["loc"][0]) for e in exc.value.errors()}


def test_batch_scoring_matches_single_scoring(model: RiskModel, kcs_2021q1: pd.DataFrame) -> None:
    rows = kcs_2021q1.head(50)
    batch = score_frame(rows, model=model, exploration_share=0.0)
    single = score_one(
        rows.iloc[7].dropna().to_dict() | {"item_no": 1, "direction": "import"}, model=model
    )
    assert batch["model_score"].iloc[7] == pytest.approx(single.model_score, abs=1e-12)
    assert len(batch) == 50 and batch["declaration_id"].tolist() == rows["declaration_id"].tolist()


def test_score_file_keeps_one_row_per_input_row_with_errors(
    model: RiskModel, kcs_2021q1: pd.DataFrame, tmp_path: Path
) -> None:
    src = tmp_path / "in.csv"
    raw = pd.read_csv(
        Path(__file__).parents[2] / "data/kcs/df_syn_valid_eng.csv", nrows=30, dtype=str
    )
    raw.loc[3, "Net Mass"] = "heavy"
    raw.loc[5, "HS6 Code"] = "7700"
    raw.loc[8, "Date"] = "not a date"
    raw.to_csv(src, index=False)
    out = tmp_path / "out.parquet"
    summary = score_file(src, profile="kcs", out=out, model=model)
    table = pq.read_table(out).to_pandas()
    assert len(table) == 30 and summary["invalid"] == 3
    assert "net_mass_kg: not a number" in table.loc[3, "error"]
    assert "hs_code" in table.loc[5, "error"]
    assert "declaration_date" in table.loc[8, "error"]
    assert table.loc[[3, 5, 8], "lane"].isna().all()
    ok = table.drop(index=[3, 5, 8])
    assert ok["lane"].notna().all() and ok["error"].isna().all()
    assert all(len(r) > 0 for r in ok["reasons"])


def test_scores_ignore_labels_removed_or_shuffled(
    model: RiskModel, small_train: pd.DataFrame
) -> None:
    """Scoring drops the label columns on entry: the same rows score identically with
    their labels, without them, and with the labels shuffled between rows."""
    rows = small_train.head(300).reset_index(drop=True)
    labels = ["fraud", "critical_fraud", "additional_duty"]
    shuffled = rows.copy()
    order = rows.sample(frac=1.0, random_state=7).index
    for col in labels:
        shuffled[col] = rows[col].to_numpy()[order]
    assert not shuffled["fraud"].equals(rows["fraud"])  # the shuffle moved labels
    results = [
        score_frame(frame, model=model, exploration_share=0.0, explain_mode="all")
        for frame in (rows, rows.drop(columns=labels), shuffled)
    ]
    for other in results[1:]:
        for col in ("model_score", "critical_score", "score", "revenue_at_risk", "lane"):
            assert other[col].tolist() == results[0][col].tolist(), col
        assert other["reasons"].tolist() == results[0]["reasons"].tolist()
    single = [
        score_one({**KNOWN, **extra}, model=model)
        for extra in ({}, {"fraud": 1, "critical_fraud": 2, "additional_duty": 9e6})
    ]
    assert single[0].model_dump() == single[1].model_dump()
