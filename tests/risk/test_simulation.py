"""Weekly replay on a small fixture: budget, labels only for inspected items, retraining."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from opencustoms.risk.simulate import select, simulate


def test_select_respects_budget_and_exploration_share() -> None:
    rng = np.random.default_rng(0)
    score = rng.random(1000)
    picked = select(score, budget=0.1, share=0.1, method="random", rng=rng)
    assert len(picked) == 100 and len(set(picked.tolist())) == 100
    top90 = set(np.argsort(-score)[:90].tolist())
    assert top90 <= set(picked.tolist())
    assert len(set(picked.tolist()) - top90) == 10


def test_weekly_replay_reveals_only_inspected_labels(small_train: pd.DataFrame) -> None:
    results = simulate(
        small_train,
        start="2020-12-01",
        budget=0.1,
        strategies=("model", "model+uncertainty"),
        weeks=3,
        seed=0,
    )
    assert set(results) == {"model", "model+uncertainty"}
    past_labelled = int((small_train["declaration_date"] < "2020-12-01").sum())
    for res in results.values():
        weeks = res.weeks
        assert [w["week"] for w in weeks] == [1, 2, 3]
        assert weeks[0]["trained_on_inspected"] == past_labelled
        # Each retraining adds exactly the items inspected the week before, no other label.
        for prev, cur in itertools.pairwise(weeks):
            assert cur["trained_on_inspected"] == prev["trained_on_inspected"] + prev["inspected"]
        for w in weeks:
            assert w["inspected"] == max(1, round(0.1 * w["declarations"]))
            assert 0 <= w["precision"] <= 1 and 0 <= w["recall"] <= 1
        summary = res.summary()
        assert summary["weeks"] == 3
        assert summary["precision"] == pytest.approx(np.mean([w["precision"] for w in weeks]))
    # On this data the model beats the base rate (about 22%) by far.
    assert results["model"].summary()["precision"] > 0.5


def test_bad_arguments_are_refused(small_train: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="budget"):
        simulate(small_train, start="2020-12-01", budget=1.5)
    with pytest.raises(ValueError, match="unknown strategies"):
        simulate(small_train, start="2020-12-01", strategies=("oracle",))
    with pytest.raises(ValueError, match="labelled declarations before"):
        simulate(small_train, start="2019-01-01")


def test_html_report_is_self_contained(small_train: pd.DataFrame, model_dir, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from opencustoms.risk.artefact import load
    from opencustoms.risk.evaluation import evaluate_frame
    from opencustoms.risk.report import write_report

    results = simulate(
        small_train, start="2020-12-15", budget=0.1, strategies=("model",), weeks=2, seed=0
    )
    model = load(model_dir)
    evaluation = evaluate_frame(small_train.tail(2000), model=model)
    out = write_report(
        tmp_path / "r.html",
        evaluation=evaluation,
        results=results,
        model_meta=model.metadata,
        budget=0.1,
    )
    html = out.read_text()
    assert "Precision per week" in html and "Revenue caught per week" in html
    import re

    assert re.search(r"<script[^>]*\ssrc=", html) is None  # plotly.js inline, no CDN
    assert "plotly" in html.lower()
    assert html.count("model") >= 2
