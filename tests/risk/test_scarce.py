"""Scarce labels: the label protocol, IPW weights, content blend, cell posterior, drift."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from opencustoms.errors import InvalidInput
from opencustoms.risk.artefact import load
from opencustoms.risk.drift import alerts, psi, weekly_drift
from opencustoms.risk.history import KEYS, derive_columns, key_values
from opencustoms.risk.labels import LabelProtocol, apply_label_share, ipw_weights
from opencustoms.risk.simulate import select, simulate, thompson_draw
from opencustoms.risk.training import train


def test_random_share_keeps_exactly_that_share_and_hides_all_label_columns(
    small_train: pd.DataFrame,
) -> None:
    out = apply_label_share(small_train, LabelProtocol(share=0.1, seed=3))
    kept = out["label_kept"].to_numpy()
    assert kept.sum() == round(0.1 * small_train["fraud"].notna().sum())
    assert out["fraud"].notna().to_numpy().tolist() == kept.tolist()
    assert out["critical_fraud"].notna().to_numpy().tolist() == kept.tolist()
    # Kept labels are the original ones; nothing else changed; every row is still there.
    assert (out.loc[kept, "fraud"] == small_train.loc[kept, "fraud"].astype(float)).all()
    assert len(out) == len(small_train)
    assert out["importer_id"].equals(small_train["importer_id"])
    same = apply_label_share(small_train, LabelProtocol(share=0.1, seed=3))
    other = apply_label_share(small_train, LabelProtocol(share=0.1, seed=4))
    assert same["label_kept"].equals(out["label_kept"])
    assert not other["label_kept"].equals(out["label_kept"])


def test_model_policy_is_biased_toward_fraud_and_flags_its_audit(
    small_train: pd.DataFrame,
) -> None:
    out = apply_label_share(small_train, LabelProtocol(share=0.1, seed=0, policy="model"))
    kept = out["label_kept"].to_numpy()
    audit = out["exploration"].to_numpy()
    assert audit.sum() == round(0.1 * kept.sum()) and (kept | ~audit).all()
    base = small_train["fraud"].astype(float).mean()
    picked_rate = out.loc[kept & ~audit, "fraud"].mean()
    assert picked_rate > base + 0.03  # the prior system finds more fraud than chance
    w = ipw_weights(out.loc[kept])
    assert w.mean() == pytest.approx(1.0)
    assert w[out.loc[kept, "exploration"].to_numpy()].min() > 5 * w.min()


def test_protocol_refuses_bad_values() -> None:
    with pytest.raises(InvalidInput, match="label_share"):
        LabelProtocol(share=0.0)
    with pytest.raises(InvalidInput, match="label_policy"):
        LabelProtocol(share=0.5, policy="oracle")
    assert LabelProtocol(share=0.3, seed=2).as_dict() == {
        "label_share": 0.3,
        "label_seed": 2,
        "label_policy": "random",
    }


def test_scarce_model_blends_content_and_round_trips(small_train: pd.DataFrame, tmp_path) -> None:  # type: ignore[no-untyped-def]
    masked = apply_label_share(small_train, LabelProtocol(share=0.1, seed=0))
    model = train(masked, seed=0, with_critical=False)
    assert model.content is not None
    assert model.metadata["blend_weight"] == 0.5 and model.metadata["line_posterior_k"] == 0.25
    assert model.metadata["posterior_k"] is None
    sample = small_train.tail(500)
    before = model.predict(sample)["fraud"]
    again = load(model.save(tmp_path / "m")).predict(sample)["fraud"]
    np.testing.assert_allclose(before, again, rtol=1e-9)
    assert ((before > 0) & (before < 1)).all()


def test_line_posterior_follows_the_kept_labels_of_the_declaration_line(
    small_train: pd.DataFrame,
) -> None:
    masked = derive_columns(apply_label_share(small_train, LabelProtocol(share=0.1, seed=0)))
    model = train(masked, seed=0, with_critical=False)
    line = key_values(masked, KEYS["line"])
    kept = masked["fraud"].notna()
    rate = masked.loc[kept, "fraud"].groupby(line[kept]).mean()
    fraud_rows = masked.loc[line.isin(rate.index[rate == 1])].head(50)
    clean_rows = masked.loc[line.isin(rate.index[rate == 0])].head(50)
    assert len(fraud_rows) == len(clean_rows) == 50
    with_post = [model.predict(f)["fraud"] for f in (fraud_rows, clean_rows)]
    model.metadata["line_posterior_k"] = None
    without = [model.predict(f)["fraud"] for f in (fraud_rows, clean_rows)]
    # One kept fraud of the line at k=0.25 puts the row at >= (1 + 0.25 p) / 1.25 >= 0.8.
    assert (with_post[0] >= 0.8 - 1e-9).all() and (with_post[0] > without[0]).all()
    assert (with_post[1] < without[1]).all() and with_post[1].max() <= 0.2 + 1e-9


def test_fully_labelled_model_has_no_content_model(model) -> None:  # type: ignore[no-untyped-def]
    assert model.content is None and not model.metadata.get("posterior_k")
    assert not model.metadata.get("line_posterior_k")


def test_psi_and_drift_alerts(small_train: pd.DataFrame) -> None:
    ref = small_train.iloc[:4000]
    cur = small_train.iloc[4000:6000].copy()
    rng = np.random.default_rng(0)
    ref_score, cur_score = rng.random(len(ref)), rng.random(len(cur))
    rows = weekly_drift(ref, ref_score, cur, cur_score, week="w")
    overall = next(r for r in rows if r["office"] == "ALL")
    assert overall["psi_score"] < 0.1 and overall["alert"] is None
    # Prices tenfold and a model promising fraud the inspections do not find.
    cur["item_price_krw"] = cur["item_price_krw"] * 10
    inspected = np.zeros(len(cur), dtype=bool)
    inspected[:200] = True
    cur["fraud"] = 0
    rows = weekly_drift(ref, ref_score, cur, np.full(len(cur), 0.8), week="w", inspected=inspected)
    overall = next(r for r in rows if r["office"] == "ALL")
    assert overall["alert"] == "retrain" and overall["psi_log_price"] > 0.25
    assert any("below the model's expectation" in why for why in overall["reasons"])
    assert overall in alerts(rows)
    assert psi(np.arange(100.0), np.arange(100.0)) < 0.01


def test_thompson_exploration_and_frozen_feedback(small_train: pd.DataFrame) -> None:
    rng = np.random.default_rng(0)
    score = rng.random(500)
    picked = select(
        score,
        budget=0.1,
        share=0.5,
        method="thompson",
        rng=rng,
        cell_inspections=np.zeros(500),
    )
    assert len(set(picked.tolist())) == 50
    draws = thompson_draw(np.full(1000, 0.3), np.zeros(1000), rng)
    assert 0.25 < draws.mean() < 0.35
    results = simulate(
        small_train,
        start="2020-12-01",
        budget=0.1,
        strategies=("model", "frozen"),
        weeks=2,
        seed=0,
        labels=LabelProtocol(share=0.3, seed=0),
    )
    past = (small_train["declaration_date"] < "2020-12-01").sum()
    first = results["model"].weeks[0]
    assert first["trained_on_inspected"] == round(0.3 * past)
    assert results["frozen"].weeks[1]["trained_on_inspected"] == first["trained_on_inspected"]
    for w in results["model"].weeks:
        assert "feedback_gain" in w and "psi_score" in w
    assert results["frozen"].summary()["mean_weekly_precision"] >= 0


def test_drift_watch_over_weeks(model, small_train: pd.DataFrame) -> None:  # type: ignore[no-untyped-def]
    from opencustoms.risk.drift import drift_watch

    ref = small_train.loc[small_train["declaration_date"] < "2020-12-01"]
    cur = small_train.loc[small_train["declaration_date"] >= "2020-12-01"]
    out = drift_watch(model, ref, cur)
    weeks = {r["week"] for r in out["weeks"] if r["office"] == "ALL"}
    assert len(weeks) >= 4 and min(weeks) == str(cur["declaration_date"].min().date())
    for r in out["weeks"]:
        assert r["inspected"] == r["rows"] or r["office"] != "ALL"
        assert r["psi_score"] >= 0
    assert all(a["alert"] in ("retrain", "review") for a in out["alerts"])


def test_revenue_target_follows_the_labels_the_protocol_keeps(small_train: pd.DataFrame) -> None:
    """Real additional duty trains the revenue model only when enough of it stays labelled;
    otherwise the proxy is used and the metadata says so."""
    frame = small_train.copy()
    fraud = frame["fraud"].astype(float).to_numpy()
    frame["additional_duty"] = np.where(fraud > 0, frame["item_price_krw"] * 0.05, np.nan)
    kept = apply_label_share(frame, LabelProtocol(share=0.3, seed=0))
    assert kept["additional_duty"].notna().sum() < frame["additional_duty"].notna().sum()
    model = train(kept, seed=0, with_critical=False)
    assert model.revenue is not None and model.metadata["revenue"]["model"] is True
    few = apply_label_share(frame, LabelProtocol(share=0.01, seed=0))
    assert few["additional_duty"].notna().sum() < 50
    proxy = train(few, seed=0, with_critical=False)
    assert proxy.revenue is None and "proxy" in proxy.metadata["revenue"]["note"]
