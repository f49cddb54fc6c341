"""Local engine and a 2-worker Dask LocalCluster give the same results, row by row."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
from sqlalchemy import text

from opencustoms.db import make_engine
from opencustoms.scale.dataset import discover, write_by_day
from opencustoms.scale.engine import JobResult
from opencustoms.scale.ingest import ingest_dataset
from opencustoms.scale.risk import score_dataset
from opencustoms.scale.tariff import calc_dataset

from .conftest import kcs_rows


def read_output(out: Path) -> pd.DataFrame:
    """Every output partition in key order, with its key, as one frame."""
    parts = []
    for part in discover(out):
        assert len(part.files) == 1, f"{part.key}: one output file per partition"
        parts.append(pq.read_table(part.files[0]).to_pandas().assign(partition=part.key))
    return pd.concat(parts, ignore_index=True)


def test_risk_scores_lanes_and_reasons_identical(
    declarations_dataset: Path, model_dir: Path, cluster: str, tmp_path: Path
) -> None:
    local = score_dataset(data=declarations_dataset, out=tmp_path / "l", model=model_dir)
    dask = score_dataset(
        data=declarations_dataset,
        out=tmp_path / "d",
        model=model_dir,
        engine="dask",
        scheduler=cluster,
    )
    a, b = read_output(tmp_path / "l"), read_output(tmp_path / "d")
    n_in = sum(p.rows for p in discover(declarations_dataset))
    assert len(a) == n_in == local.rows == dask.processed_rows
    # the comparison means something: every lane occurs, scores vary, reasons exist,
    # the planted bad rows carry their error instead of a score
    assert {"green", "yellow", "red", "blue"} <= set(a["lane"].dropna())
    assert a["exploration"].fillna(False).any() and a["score"].nunique() > 100
    assert a["error"].notna().sum() == 3 and a["reasons"].dropna().map(len).gt(0).any()
    pd.testing.assert_frame_equal(a, b)
    assert len(dask.per_worker()) == 2  # both workers took partitions
    assert local.total("scored") == dask.total("scored") == n_in - 3


def test_tariff_taxes_identical(cluster: str, tmp_path: Path) -> None:
    raw = kcs_rows("2021-01-04", "2021-01-08")
    lines = pd.DataFrame(
        {
            "hs_code": raw["HS6 Code"],
            "origin": raw["Country of Origin"],
            "value": pd.to_numeric(raw["Item Price"]),
            "currency": "KRW",
            "date": raw["Date"],
        }
    )
    lines.loc[5, "origin"] = "XX"  # an error row travels through both engines too
    write_by_day(lines, tmp_path / "in", column="date")
    calc_dataset(data=tmp_path / "in", out=tmp_path / "l")
    result = calc_dataset(
        data=tmp_path / "in", out=tmp_path / "d", engine="dask", scheduler=cluster
    )
    a, b = read_output(tmp_path / "l"), read_output(tmp_path / "d")
    assert len(a) == len(lines) == result.rows
    assert a["total_krw"].gt(0).sum() > len(a) / 2 and a["error"].notna().sum() == 1
    pd.testing.assert_frame_equal(a, b)


def _store(url: str) -> pd.DataFrame:
    with make_engine(url).connect() as conn:
        rows = conn.execute(
            text("SELECT * FROM declarations ORDER BY declaration_id, item_no")
        ).mappings()
        frame = pd.DataFrame(list(rows))
    # values as text: SQLite returns dates as ISO text, PostgreSQL as dates
    return frame.drop(columns=["ingest_id", "ingested_at"]).map(
        lambda v: None if v is None or (isinstance(v, float) and v != v) else str(v)
    )


def _counts(result: JobResult) -> dict[str, int]:
    return {k: result.total(k) for k in ("input", "stored", "quarantined", "duplicates")}


def test_ingest_stores_the_same_rows(
    declarations_dataset: Path, cluster: str, database_url: str, tmp_path: Path
) -> None:
    local_url = f"sqlite:///{tmp_path / 'local.sqlite'}"
    local = ingest_dataset(data=declarations_dataset, database_url=local_url, batch_size=100)
    dask = ingest_dataset(
        data=declarations_dataset,
        database_url=database_url,
        batch_size=100,
        engine="dask",
        scheduler=cluster,
    )
    n_in = sum(p.rows for p in discover(declarations_dataset))
    assert _counts(local) == _counts(dask)
    assert dask.total("input") == n_in and dask.total("quarantined") == 3  # the 3 planted
    a, b = _store(local_url), _store(database_url)
    assert len(a) == dask.total("stored")
    pd.testing.assert_frame_equal(a, b)
    # a rerun finds every partition committed and does nothing
    again = ingest_dataset(
        data=declarations_dataset, database_url=database_url, engine="dask", scheduler=cluster
    )
    assert again.processed_rows == 0 and _counts(again) == _counts(dask)
    assert len(_store(database_url)) == len(b)


def test_unknown_engine_names_the_field(declarations_dataset: Path, tmp_path: Path) -> None:
    from opencustoms.errors import InvalidInput

    with pytest.raises(InvalidInput, match="engine: must be one of local, dask"):
        calc_dataset(data=declarations_dataset, out=tmp_path / "o", engine="spark")


def test_unusable_inputs_name_the_field(declarations_dataset: Path, tmp_path: Path) -> None:
    from opencustoms.errors import InvalidInput

    with pytest.raises(InvalidInput, match=r"^model: .*not a risk model artefact"):
        score_dataset(data=declarations_dataset, out=tmp_path / "o", model=tmp_path)
    with pytest.raises(InvalidInput, match=r"^profile: unknown profile 'nope'"):
        ingest_dataset(data=declarations_dataset, profile="nope")
    with pytest.raises(InvalidInput, match=r"^data: .* is not a directory"):
        calc_dataset(data=tmp_path / "missing", out=tmp_path / "o")


def test_parcel_decisions_identical(cluster: str, tmp_path: Path) -> None:
    from opencustoms.parcels.generator import generate
    from opencustoms.scale.parcels import screen_dataset

    manifest, _labels = generate(days=2, parcels_per_day=400, seed=3)
    write_by_day(manifest, tmp_path / "in", column="arrival_date")
    local = screen_dataset(data=tmp_path / "in", out=tmp_path / "l")
    screen_dataset(data=tmp_path / "in", out=tmp_path / "d", engine="dask", scheduler=cluster)
    a, b = read_output(tmp_path / "l"), read_output(tmp_path / "d")
    assert len(a) == local.total("screened") and local.total("input") == len(manifest)
    assert a["decision"].nunique() > 1 and (a["typologies"] != "").any()
    pd.testing.assert_frame_equal(a, b)
