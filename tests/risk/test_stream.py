"""``stream.score_file`` (record batches, two passes) writes exactly what scoring the
whole file at once writes: same rows, order, columns, lanes and reason texts."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from opencustoms.declarations import jsonl
from opencustoms.errors import InvalidInput
from opencustoms.risk import service
from opencustoms.risk.artefact import RiskModel
from opencustoms.risk.batch import output_table
from opencustoms.risk.lanes import load_capacity
from opencustoms.risk.scoring import check_frame, read_for_scoring, score_batch
from opencustoms.risk.stream import HELD_BYTES, score_file
from opencustoms.settings import BUNDLED_DATA_DIR, get_settings

ROWS = 3000
BATCH = 700  # several batches, the last one short


def whole_file(path: Path, model: RiskModel, mode: str) -> pa.Table:
    """The output of the whole file scored in one batch (the pre-streaming path)."""
    frame, text = read_for_scoring(path, "kcs")
    errors = check_frame(frame, text)
    ok = np.array([e is None for e in errors], dtype=bool)
    s = get_settings()
    scored = score_batch(
        frame.loc[ok].reset_index(drop=True),
        model=model,
        rules=service.current_rules(),
        plan=load_capacity(),
        exploration_share=s.exploration_share,
        strategy=s.exploration_strategy,
        seed=s.seed,
        explain_mode=mode,
    )
    return output_table(
        scored,
        rows=np.flatnonzero(ok),
        n=len(frame),
        errors=errors,
        version=model.version,
        ids=frame["declaration_id"],
    )


@pytest.fixture(scope="module")
def raw_rows() -> pd.DataFrame:
    """Rows of 2021 Q1 as text, some of them unscorable (each for another reason)."""
    raw = pd.read_csv(BUNDLED_DATA_DIR / "kcs" / "df_syn_valid_eng.csv", dtype=str).head(ROWS)
    raw.loc[3, "Net Mass"] = "heavy"
    raw.loc[699, "HS6 Code"] = "7700"  # last row of the first batch
    raw.loc[700, "Date"] = "not a date"  # first row of the second batch
    raw.loc[1500:1520, "Office ID"] = None
    return raw


def write(raw: pd.DataFrame, tmp_path: Path, fmt: str) -> Path:
    src = tmp_path / f"in.{fmt}"
    if fmt == "csv":
        raw.to_csv(src, index=False)
    elif fmt == "jsonl":
        raw.to_json(src, orient="records", lines=True)
    else:
        raw.to_parquet(src)
    return src


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    """JSON Lines cut into chunks of ~100 lines, whose ends fall inside batches."""
    monkeypatch.setattr(jsonl, "CHUNK_BYTES", 64 << 10)


@pytest.mark.parametrize(
    ("fmt", "mode", "held"),
    [
        ("parquet", "auto", HELD_BYTES),  # row count known: pass 1 explains every row
        ("csv", "auto", HELD_BYTES),  # row count unknown: pass 2 explains them
        ("parquet", "selected", 0),  # every batch through the spill file
        ("csv", "all", 600_000),  # the first batches held, the rest spilled
        ("parquet", "none", HELD_BYTES),
        ("jsonl", "auto", HELD_BYTES),  # row count unknown, read in chunks
        ("jsonl", "selected", 600_000),
    ],
)
@pytest.mark.usefixtures("small_chunks")
def test_streamed_output_is_the_whole_file_output(
    model: RiskModel, raw_rows: pd.DataFrame, tmp_path: Path, fmt: str, mode: str, held: int
) -> None:
    src = write(raw_rows, tmp_path, fmt)
    expected = whole_file(src, model, mode)
    out = tmp_path / "out" / "scored.parquet"
    summary = score_file(
        src,
        profile="kcs",
        out=out,
        model=model,
        explain_mode=mode,
        batch_rows=BATCH,
        held_bytes=held,
    )
    got = pq.read_table(out)
    assert got.schema == expected.schema
    assert got.num_rows == ROWS and summary["rows"] == ROWS and summary["invalid"] == 24
    lanes = got.column("lane").to_pylist()
    assert len({lane for lane in lanes if lane}) > 1  # lanes were really assigned
    assert any(any("capacity" in r for r in rs) for rs in got.column("reasons").to_pylist() if rs)
    for name in expected.column_names:
        assert got.column(name).to_pylist() == expected.column(name).to_pylist(), name
    assert sorted(p.name for p in out.parent.iterdir()) == ["scored.parquet"]  # no temp left


@pytest.mark.parametrize("fmt", ["parquet", "jsonl"])
@pytest.mark.usefixtures("small_chunks")
def test_batch_size_does_not_change_the_output(
    model: RiskModel, raw_rows: pd.DataFrame, tmp_path: Path, fmt: str
) -> None:
    src = write(raw_rows.head(900), tmp_path, fmt)
    tables = []
    for rows in (1, 250, 10_000):
        out = tmp_path / f"out{rows}.parquet"
        score_file(
            src, profile="kcs", out=out, model=model, explain_mode="selected", batch_rows=rows
        )
        tables.append(pq.read_table(out).to_pylist())
    assert tables[0] == tables[1] == tables[2]


def test_a_file_broken_half_way_leaves_no_output(
    model: RiskModel, raw_rows: pd.DataFrame, tmp_path: Path
) -> None:
    src = tmp_path / "in.csv"
    text = raw_rows.head(2000).to_csv(index=False).splitlines()
    text[1500] += ",one field too many"  # past the first batches
    src.write_text("\n".join(text) + "\n")
    out = tmp_path / "out" / "scored.parquet"
    out.parent.mkdir()
    out.write_bytes(b"the previous result")
    with pytest.raises(InvalidInput) as err:
        score_file(src, profile="kcs", out=out, model=model, batch_rows=BATCH)
    assert str(err.value).startswith(f"{src}: not a readable csv file")
    assert out.read_bytes() == b"the previous result"  # untouched, and no temp file left
    assert [p.name for p in out.parent.iterdir()] == ["scored.parquet"]


@pytest.mark.usefixtures("small_chunks")
def test_json_lines_with_numbers_score_as_their_csv(
    model: RiskModel, raw_rows: pd.DataFrame, tmp_path: Path
) -> None:
    """A JSON Lines writer gives numbers as numbers (IDs, codes, rates): they are read as
    the text a CSV has, whatever chunk or batch they are in."""
    typed = pd.read_csv(BUNDLED_DATA_DIR / "kcs" / "df_syn_valid_eng.csv").head(1200)
    assert typed["Office ID"].dtype.kind == "i" and typed["Tax Rate"].dtype.kind == "f"
    src = {"csv": write(typed, tmp_path, "csv"), "jsonl": tmp_path / "in.jsonl"}
    # json.dumps, not DataFrame.to_json: that rounds floats to 10 digits, the CSV does not
    records = typed.astype(object).where(typed.notna(), None).to_dict("records")
    src["jsonl"].write_text("".join(json.dumps(r) + "\n" for r in records))
    out = {}
    for fmt in ("csv", "jsonl"):
        out[fmt] = tmp_path / f"{fmt}.parquet"
        score_file(src[fmt], profile="kcs", out=out[fmt], model=model, batch_rows=BATCH)
    assert pq.read_table(out["jsonl"]).to_pylist() == pq.read_table(out["csv"]).to_pylist()


@pytest.mark.usefixtures("small_chunks")
def test_a_json_lines_file_with_a_bad_line_names_it(
    model: RiskModel, raw_rows: pd.DataFrame, tmp_path: Path
) -> None:
    src = write(raw_rows.head(2000), tmp_path, "jsonl")
    lines = src.read_text().splitlines()
    lines[1500] = lines[1500].replace('"Office ID":', '"Office ID" ', 1)  # past a chunk
    lines[1700] = lines[1700].replace('"Net Mass":"', '"Net Mass":7,"x":"', 1)
    src.write_text("\n".join(lines) + "\n")
    out = tmp_path / "out" / "scored.parquet"
    with pytest.raises(InvalidInput) as err:
        score_file(src, profile="kcs", out=out, model=model, batch_rows=BATCH)
    assert str(err.value) == (
        f"{src}: not a readable jsonl file (line 1501: not valid JSON (Expecting ':' delimiter))"
    )
    lines[1500] = lines[1499]
    src.write_text("\n".join(lines) + "\n")
    with pytest.raises(InvalidInput) as err:
        score_file(src, profile="kcs", out=out, model=model, batch_rows=BATCH)
    assert str(err.value).endswith("(line 1701: field 'Net Mass' changed from string to number)")
    assert not out.parent.exists() or not list(out.parent.iterdir())


def test_bad_arguments_name_the_field(model: RiskModel, tmp_path: Path) -> None:
    src = tmp_path / "missing.csv"
    with pytest.raises(InvalidInput, match="explain_mode: must be one of auto"):
        score_file(src, profile="kcs", out=tmp_path / "o.parquet", model=model, explain_mode="x")
    with pytest.raises(InvalidInput, match="batch_rows: must be at least 1"):
        score_file(src, profile="kcs", out=tmp_path / "o.parquet", model=model, batch_rows=0)
    with pytest.raises(InvalidInput, match="no such file"):
        score_file(src, profile="kcs", out=tmp_path / "o.parquet", model=model)
    assert not (tmp_path / "o.parquet").exists()


def test_progress_counts_rows_over_both_passes(
    model: RiskModel, raw_rows: pd.DataFrame, tmp_path: Path
) -> None:
    src = write(raw_rows.head(1000), tmp_path, "parquet")
    seen: list[tuple[int, int]] = []
    score_file(
        src,
        profile="kcs",
        out=tmp_path / "o.parquet",
        model=model,
        batch_rows=400,
        progress=lambda done, total: seen.append((done, total)),
    )
    assert seen == [
        (400, 2000),
        (800, 2000),
        (1000, 2000),
        (1400, 2000),
        (1800, 2000),
        (2000, 2000),
    ]
