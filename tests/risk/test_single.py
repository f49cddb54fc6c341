"""The single-declaration path (``risk.single``) returns what ``score_records`` returns."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from opencustoms.declarations.schema import Declaration
from opencustoms.risk.artefact import RiskModel
from opencustoms.risk.features import assemble, record_inputs, row_features
from opencustoms.risk.history import derive_record
from opencustoms.risk.lanes import load_capacity
from opencustoms.risk.rules import load_rules
from opencustoms.risk.scoring import score_records
from opencustoms.risk.service import score_many
from opencustoms.risk.single import score_record


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    rows = frame.drop(columns=["fraud", "critical_fraud", "additional_duty"], errors="ignore")
    plain = rows.astype(object).where(rows.notna(), None).to_dict("records")
    return [
        Declaration.model_validate({k: v for k, v in r.items() if v is not None}).model_dump()
        for r in plain
    ]


def _varied(kcs_2021q1: pd.DataFrame) -> list[dict[str, Any]]:
    """Every third 2021 Q1 declaration, some with missing optional fields, extreme
    values and unseen parties, so every kind of feature, reason and rule occurs."""
    rows = kcs_2021q1.iloc[::3].reset_index(drop=True).copy()
    rows.loc[::23, "importer_id"] = None
    rows.loc[5::29, "origin_country"] = None
    rows.loc[7::31, "net_mass_kg"] = np.nan
    rows.loc[11::37, "item_price_krw"] = rows.loc[11::37, "item_price_krw"] * 1e4
    rows.loc[13::41, "tax_rate"] = np.nan
    rows.loc[17::43, "seller_id"] = "UNSEEN-SELLER"
    rows.loc[19::47, "departure_country"] = None
    rows.loc[21::53, "net_mass_kg"] = 0.0
    return _records(rows)


def test_one_row_features_equal_the_shared_arithmetic(
    model: RiskModel, kcs_2021q1: pd.DataFrame
) -> None:
    recs = [derive_record(r) for r in _varied(kcs_2021q1)]
    want = assemble(record_inputs(recs), model.history.lookup_records(recs), model.vocab)
    got = np.array(
        [
            row_features(
                r,
                {k: v[0].tolist() for k, v in model.history.lookup_row(r).items()},
                model.category_index(),
            )
            for r in recs
        ]
    )
    # bit for bit, NaN where NaN
    assert np.array_equal(got, want, equal_nan=True)
    assert np.isnan(want).any() and (want != 0).any()


def test_the_single_path_equals_score_records_on_many_rows(
    model: RiskModel, kcs_2021q1: pd.DataFrame
) -> None:
    rules, plan = load_rules(), load_capacity()
    recs = _varied(kcs_2021q1)
    want = score_records(recs, model=model, rules=rules, plan=plan)
    got = [score_record(r, model=model, rules=rules, plan=plan) for r in recs]
    differing = [i for i, (g, w) in enumerate(zip(got, want, strict=True)) if g != w]
    assert not differing, (differing[:5], got[differing[0]], want[differing[0]])
    # the comparison covers rules, forced lanes, every kind of reason and all lanes
    assert sum(bool(w["rules_fired"]) for w in want) > 20
    kinds = {it["kind"] for w in want for it in w["reasons"]}
    assert kinds >= {"rule", "model", "note"}
    assert {w["lane"] for w in want} >= {"green", "red"}


def test_score_many_of_one_declaration_takes_the_single_path(
    model: RiskModel, kcs_2021q1: pd.DataFrame
) -> None:
    rec = _records(kcs_2021q1.iloc[[40]])[0]
    rules, plan = load_rules(), load_capacity()
    one = score_many([rec], model=model, rules=rules, plan=plan)[0]
    assert (
        one.model_dump()
        == score_many([rec, rec], model=model, rules=rules, plan=plan)[1].model_dump()
    )
    assert model._explainer is not None  # built by the single path (the batch never ran)
