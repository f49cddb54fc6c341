"""Screening a generated manifest: decisions, reasons, taxes and accuracy on a small seed."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from opencustoms.parcels.evaluate import evaluate
from opencustoms.parcels.screen import OUTPUT_COLUMNS, SEVERITY, screen_file


def test_every_parcel_gets_a_decision_and_reasons(small_world: tuple[Path, Path]) -> None:
    result = screen_file(small_world[0])
    d = result.decisions
    assert set(OUTPUT_COLUMNS) <= set(d.columns)
    assert set(d["decision"]) <= set(SEVERITY)
    assert d["score"].between(0, 1).all()
    flagged = d["typologies"] != ""
    assert (d.loc[flagged, "reasons"] != "").all()
    assert (d.loc[flagged, "decision"] != "release").all()
    assert result.input == result.screened + result.quarantined + result.duplicates


def test_split_groups_pay_duty_and_vat(small_world: tuple[Path, Path]) -> None:
    d = screen_file(small_world[0]).decisions
    split = d[d["typologies"].str.contains("split_shipment")]
    assert len(split) > 0
    assert (split["decision"].isin(["pay_duty", "hold", "inspect"])).all()
    assert (split["vat_krw"] > 0).mean() > 0.95
    assert split["reasons"].str.contains("over the USD").all()
    released = d[d["decision"] == "release"]
    assert released["duty_krw"].isna().all()


def test_accuracy_on_a_small_unseen_seed(small_world: tuple[Path, Path]) -> None:
    d = screen_file(small_world[0]).decisions
    labels = pd.read_csv(small_world[1], dtype=str, keep_default_na=False)
    report = evaluate(d, labels)
    for code in ("split_shipment", "pccc_misuse", "prohibited_goods"):
        m = report["typologies"][code]["model"]
        assert m["recall"] >= 0.85 and m["precision"] >= 0.85, (code, m)
    for tag, h in report["hard_negatives"].items():
        assert h["flag_rate"] <= 0.05, (tag, h)


def test_detectors_never_see_labels(small_world: tuple[Path, Path], tmp_path: Path) -> None:
    # Screening the same manifest without its labels file nearby gives the same result.
    copy = tmp_path / "alone.csv"
    copy.write_bytes(small_world[0].read_bytes())
    a = screen_file(small_world[0]).decisions
    b = screen_file(copy).decisions
    assert np.array_equal(a["decision"].to_numpy(), b["decision"].to_numpy())
