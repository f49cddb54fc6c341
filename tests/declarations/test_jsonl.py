"""declarations.jsonl: JSON Lines in chunks, every declaration column as text, one frame
whatever the chunk or batch size; bad lines named by their line number."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pyarrow as pa
import pytest

from opencustoms.declarations import jsonl
from opencustoms.declarations.io import UnusableFileError, iter_raw, read_raw

ROWS = [
    {
        "Declaration ID": 1000 + i,
        "Date": f"2021-01-{1 + i % 28:02d}",  # Arrow would take these for timestamps
        "Office ID": 30 + i % 3,
        "Tax Rate": 8 if i % 2 else 8.5,
        "Courier ID": None if i < 30 else f"C{i}",  # empty in the first chunks
        "note": {"free": "form"},  # not a declaration field: left out
    }
    for i in range(60)
]


def write(tmp_path: Path, lines: list[str], name: str = "in.jsonl") -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture(autouse=True)
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(jsonl, "CHUNK_BYTES", 512)  # ~5 lines a chunk


def test_every_column_is_the_text_a_csv_would_have(tmp_path: Path) -> None:
    table = read_raw(write(tmp_path, [json.dumps(r) for r in ROWS]))
    assert table.column_names == ["Declaration ID", "Date", "Office ID", "Tax Rate", "Courier ID"]
    assert set(table.schema.types) == {pa.string()}
    assert table.slice(0, 2).to_pylist() == [
        {
            "Declaration ID": "1000",
            "Date": "2021-01-01",
            "Office ID": "30",
            "Tax Rate": "8.5",
            "Courier ID": None,
        },
        {
            "Declaration ID": "1001",
            "Date": "2021-01-02",
            "Office ID": "31",
            "Tax Rate": "8",
            "Courier ID": None,
        },
    ]
    assert table.column("Courier ID")[45].as_py() == "C45"


def test_streamed_tables_are_the_whole_file_whatever_the_batch(tmp_path: Path) -> None:
    lines = [json.dumps(r) for r in ROWS]
    lines.insert(7, "")  # a blank line is no row
    path = write(tmp_path, lines)
    whole = read_raw(path)
    assert whole.num_rows == len(ROWS)
    for rows in (1, 7, 1000):
        tables = list(iter_raw(path, batch_rows=rows))
        assert all(t.num_rows == rows for t in tables[:-1])
        assert pa.concat_tables(tables).equals(whole)
    gz = tmp_path / "in.jsonl.gz"
    gz.write_bytes(gzip.compress(path.read_bytes()))
    assert read_raw(gz).equals(whole)


def test_a_key_left_out_of_a_line_is_null(tmp_path: Path) -> None:
    lines = [json.dumps(r) for r in ROWS]
    lines[40] = json.dumps({k: v for k, v in ROWS[40].items() if k != "Tax Rate"})
    assert read_raw(write(tmp_path, lines)).column("Tax Rate")[40].as_py() is None


@pytest.mark.parametrize(
    ("line", "edit", "reason"),
    [
        (31, lambda r: '{"Declaration ID": 3, broken', "not valid JSON (Expecting property"),
        (37, lambda r: "[1, 2]", "not a JSON object"),
        (4, lambda r: json.dumps({**r, "Office ID": "X"}), "'Office ID' changed from number"),
        (41, lambda r: json.dumps({**r, "Date": 5}), "'Date' changed from string to number"),
        (46, lambda r: json.dumps({**r, "Office ID": [1]}), "changed from number to array"),
        (36, lambda r: json.dumps({**r, "Fraud": 1}), "'Fraud': a field not in the first"),
    ],
)
def test_a_bad_line_is_named(tmp_path: Path, line: int, edit: object, reason: str) -> None:
    lines = [json.dumps(r) for r in ROWS]
    lines[line - 1] = edit(ROWS[line - 1])  # type: ignore[operator]
    path = write(tmp_path, lines)
    for read in (read_raw, lambda p: list(iter_raw(p, batch_rows=10))):
        with pytest.raises(UnusableFileError) as err:
            read(path)
        assert str(err.value).startswith(f"{path}: not a readable jsonl file (line {line}: ")
        assert reason in str(err.value)


def test_text_after_numbers_in_another_chunk_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Arrow sees one chunk at a time: a chunk of text where earlier chunks had numbers
    parses, and is refused here, as within a chunk."""
    monkeypatch.setattr(jsonl, "CHUNK_BYTES", 1)  # a chunk a line
    rows = [{**r, "Office ID": "X"} if i >= 50 else r for i, r in enumerate(ROWS)]
    with pytest.raises(UnusableFileError) as err:
        read_raw(write(tmp_path, [json.dumps(r) for r in rows]))
    assert str(err.value).endswith(
        "(line 51: field 'Office ID': text where earlier lines have numbers)"
    )
