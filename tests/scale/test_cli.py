"""`--engine` / `--scheduler` on the batch commands: a directory runs partition by
partition; a file with Dask options is refused with one error line."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from opencustoms.cli.main import app
from opencustoms.scale.dataset import discover, write_by_day

from .conftest import kcs_rows
from .test_parity import read_output


def _lines(tmp_path: Path) -> Path:
    raw = kcs_rows("2021-01-04", "2021-01-05")
    lines = pd.DataFrame(
        {
            "hs_code": raw["HS6 Code"],
            "origin": raw["Country of Origin"],
            "value": pd.to_numeric(raw["Item Price"]),
            "currency": "KRW",
            "date": raw["Date"],
        }
    )
    write_by_day(lines, tmp_path / "lines", column="date")
    return tmp_path / "lines"


def test_calc_file_on_a_dataset_local_and_dask(tmp_path: Path, cluster: str) -> None:
    data = _lines(tmp_path)
    local = CliRunner().invoke(
        app, ["tariff", "calc-file", str(data), "--out", str(tmp_path / "l")]
    )
    assert local.exit_code == 0, local.output
    summary = json.loads(local.output.strip().splitlines()[-1])
    assert summary["rows"] == sum(p.rows for p in discover(data)) and summary["engine"] == "local"
    dask = CliRunner().invoke(
        app,
        [
            *("tariff", "calc-file", str(data), "--out", str(tmp_path / "d")),
            *("--engine", "dask", "--scheduler", cluster),
        ],
    )
    assert dask.exit_code == 0, dask.output
    assert json.loads(dask.output.strip().splitlines()[-1])["engine"] == "dask"
    pd.testing.assert_frame_equal(read_output(tmp_path / "l"), read_output(tmp_path / "d"))


def test_ingest_of_a_dataset_counts_every_row(declarations_dataset: Path) -> None:
    res = CliRunner().invoke(app, ["declarations", "ingest", str(declarations_dataset)])
    assert res.exit_code == 0, res.output
    summary = json.loads(res.output.strip().splitlines()[-1])
    n = sum(p.rows for p in discover(declarations_dataset))
    assert summary["stored"] + summary["quarantined"] + summary["duplicates"] == n
    assert summary["quarantined"] == 3


def test_a_file_with_dask_options_is_refused(tmp_path: Path) -> None:
    src = tmp_path / "lines.csv"
    src.write_text("hs_code,origin,value,currency,date\n420221,IT,100,KRW,2024-06-01\n")
    res = CliRunner().invoke(
        app, ["tariff", "calc-file", str(src), "--out", str(tmp_path / "o.csv"), "--engine", "dask"]
    )
    assert res.exit_code == 2
    assert res.output.strip().splitlines() == [
        f"error: engine: --engine dask needs a partitioned Parquet directory "
        f"(one sub-directory per day), not the file {src}"
    ]


def test_unknown_engine_is_one_error_line(tmp_path: Path) -> None:
    data = _lines(tmp_path)
    res = CliRunner().invoke(
        app,
        ["tariff", "calc-file", str(data), "--out", str(tmp_path / "o"), "--engine", "spark"],
    )
    assert res.exit_code == 2
    assert res.output.strip().splitlines() == [
        "error: engine: must be one of local, dask, got 'spark'"
    ]


@pytest.mark.slow
def test_dask_without_an_address_starts_a_local_cluster(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from opencustoms.settings import get_settings

    monkeypatch.setenv("OPENCUSTOMS_DASK_WORKERS", "1")
    monkeypatch.setenv("OPENCUSTOMS_DASK_MEMORY_LIMIT", "2GiB")
    get_settings.cache_clear()
    data = _lines(tmp_path)
    res = CliRunner().invoke(
        app, ["tariff", "calc-file", str(data), "--out", str(tmp_path / "o"), "--engine", "dask"]
    )
    assert res.exit_code == 0, res.output
    summary = json.loads(res.output.strip().splitlines()[-1])
    assert summary["engine"] == "dask" and summary["workers"] == 1
    assert summary["rows"] == sum(p.rows for p in discover(data))
