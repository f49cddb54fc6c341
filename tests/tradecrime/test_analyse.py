"""Detectors on a small generated world: they find the planted cases, leave most look-alikes
alone, and never read the ground truth."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from opencustoms.tradecrime.analyse import TYPOLOGIES, Analysis, analyse
from opencustoms.tradecrime.baseline import baseline
from opencustoms.tradecrime.evaluate import evaluate, load_truth


@pytest.fixture(scope="module")
def result(world_dir: Path) -> Analysis:
    return analyse(world_dir)


def test_every_typology_found_with_few_false_alerts(result: Analysis, world_dir: Path) -> None:
    labels, negatives = load_truth(world_dir)
    table = evaluate(result.alerts, labels, negatives, typologies=TYPOLOGIES).set_index("typology")
    assert (table["recall"] >= 0.8).all(), table
    # a small world has few traders per HS6 x partner cell, so some genuine luxury falls
    # back to the HS6 benchmark: precision is lower here than at scale (RESULTS-tradecrime)
    assert (table["precision"] >= 0.6).all(), table
    assert table["hard_negatives_flagged"].sum() <= 0.1 * table["hard_negatives"].sum(), table


def test_detectors_beat_the_baseline_on_hard_negatives(result: Analysis, world_dir: Path) -> None:
    labels, negatives = load_truth(world_dir)
    ours = evaluate(result.alerts, labels, negatives, typologies=TYPOLOGIES)
    base = evaluate(baseline(result.data), labels, negatives, typologies=TYPOLOGIES)
    assert ours["hard_negatives_flagged"].sum() < base["hard_negatives_flagged"].sum()


def test_alerts_do_not_depend_on_the_labels(
    result: Analysis, world_dir: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "w"
    shutil.copytree(world_dir, folder)
    (folder / "labels.csv").unlink()
    (folder / "hard_negatives.csv").unlink()
    again = analyse(folder)
    cols = ["alert_id", "score", "amount_krw"]
    pd.testing.assert_frame_equal(again.alerts[cols], result.alerts[cols])


def test_evidence_names_rows_of_the_world(result: Analysis) -> None:
    decl = set(result.data.decl["declaration_id"])
    tx = set(result.data.tx["tx_id"])
    for ev in result.alerts["evidence"]:
        assert set(ev.get("declarations", [])) <= decl
        assert set(ev.get("va_transfers", [])) <= tx


def test_review_lists_and_details_for_analysts_only(
    result: Analysis, tmp_path: Path, world_dir: Path
) -> None:
    from opencustoms.alertfile import write_alerts
    from opencustoms.errors import Forbidden, NotFound
    from opencustoms.tradecrime.review import AlertBook

    write_alerts(result.alerts, tmp_path / "alerts.parquet")
    book = AlertBook.load(alerts_file=tmp_path / "alerts.parquet", world_dir=world_dir)
    rows = book.find(role="analyst", typology="hwanchigi")
    assert rows and {r["typology"] for r in rows} == {"hwanchigi"}
    assert [r["score"] for r in rows] == sorted((r["score"] for r in rows), reverse=True)
    company = next(r for r in rows if r["subject_id"].startswith("KC"))
    office = company["office"]
    assert all(r["office"] == office for r in book.find(role="admin", office=office))
    one = book.detail(role="analyst", alert_id=company["alert_id"])
    assert one["evidence"]["va_transfers"] and one["timeline"] and one["graph"]["edges"]
    for role in ("officer", "supervisor", "trader"):
        with pytest.raises(Forbidden):
            book.find(role=role)
        with pytest.raises(Forbidden):
            book.detail(role=role, alert_id=rows[0]["alert_id"])
    with pytest.raises(NotFound):
        book.detail(role="analyst", alert_id="nope")
