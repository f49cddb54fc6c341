"""Ingestion into SQLite and PostgreSQL: counts, idempotency, conflicts, formats, reads."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import Engine, func, select

from opencustoms.declarations.io import load_frame
from opencustoms.declarations.models import declarations, ingest_runs, quarantine
from opencustoms.declarations.queries import get_declaration, list_quarantine, query_frame, summary
from opencustoms.declarations.service import ingest_file, ingest_records
from opencustoms.settings import BUNDLED_DATA_DIR

KCS_VALID = BUNDLED_DATA_DIR / "kcs" / "df_syn_valid_eng.csv"


def count(engine: Engine, table) -> int:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def head_csv(tmp_path: Path, name: str, skip: int, n: int) -> Path:
    lines = KCS_VALID.read_text().splitlines()
    path = tmp_path / name
    path.write_text("\n".join([lines[0], *lines[1 + skip : 1 + skip + n]]) + "\n")
    return path


def test_kcs_file_is_stored_and_reingest_stores_nothing(engine: Engine) -> None:
    first = ingest_file(path=KCS_VALID, profile="kcs", engine=engine)
    assert (first.input, first.stored, first.quarantined, first.duplicates) == (8134, 8134, 0, 0)
    again = ingest_file(path=KCS_VALID, profile="kcs", engine=engine)
    assert (again.input, again.stored, again.duplicates, again.conflicts) == (8134, 0, 8134, 0)
    assert count(engine, declarations) == 8134
    assert count(engine, ingest_runs) == 2


def test_overlapping_files_and_conflicts(engine: Engine, tmp_path: Path) -> None:
    a = head_csv(tmp_path, "a.csv", 0, 300)
    b = head_csv(tmp_path, "b.csv", 200, 300)  # rows 200..299 overlap
    text = b.read_text().splitlines()
    row = text[1].split(",")
    row[19] = "999.5"  # Item Price of the first overlapping row changes
    text[1] = ",".join(row)
    b.write_text("\n".join(text) + "\n")
    assert ingest_file(path=a, engine=engine).stored == 300
    s = ingest_file(path=b, engine=engine)
    assert (s.input, s.stored, s.duplicates, s.quarantined, s.conflicts) == (300, 200, 99, 1, 1)
    assert s.balanced
    (held,) = list_quarantine(engine=engine, ingest_id=s.ingest_id)
    assert held.row_number == 1 and held.raw["Item Price"] == "999.5"
    assert [r.field for r in held.reasons] == ["item_price_krw"]
    stored = get_declaration(engine=engine, declaration_id=row[0])
    assert stored is not None and stored.item_price_krw != 999.5  # not overwritten


def test_same_rows_from_parquet_and_jsonl_are_duplicates(engine: Engine, tmp_path: Path) -> None:
    src = head_csv(tmp_path, "s.csv", 0, 500)
    ingest_file(path=src, engine=engine)
    frame = load_frame(src, "kcs")
    frame["declaration_date"] = frame["declaration_date"].dt.date
    pq_path = tmp_path / "s.parquet"
    frame.to_parquet(pq_path, index=False)
    s = ingest_file(path=pq_path, profile="canonical", engine=engine)
    assert (s.input, s.duplicates, s.stored, s.quarantined) == (500, 500, 0, 0)
    jl = tmp_path / "s.jsonl"
    frame["declaration_date"] = frame["declaration_date"].astype(str)
    records = [
        {k: v for k, v in r.items() if not pd.isna(v)}
        for r in frame.astype(object).to_dict(orient="records")
    ]
    jl.write_text("\n".join(json.dumps(r) for r in records) + "\n{broken\n")
    s = ingest_file(path=jl, profile="canonical", engine=engine)
    assert (s.input, s.duplicates, s.quarantined) == (501, 500, 1)
    held = list_quarantine(engine=engine, ingest_id=s.ingest_id)
    assert held[0].row_number == 501 and held[0].reasons[0].field == "_row"


def test_records_batch_is_all_or_nothing_and_reports_unknown_fields(engine: Engine) -> None:
    good = {
        "declaration_id": "R1",
        "declaration_date": "2021-03-01",
        "office_id": "30",
        "hs_code": "8517.12",
        "item_no": 2,
    }
    s = ingest_records(
        records=[good, {**good, "colour": "red", "item_no": 3}, "x"],
        source="api:test",
        engine=engine,
    )
    assert (s.input, s.stored, s.quarantined) == (3, 1, 2)
    reasons = {q.row_number: q.reasons for q in list_quarantine(engine=engine)}
    assert reasons[2][0].field == "colour" and reasons[3][0].field == "_row"
    with pytest.raises(TypeError):  # a failure inside the batch writes nothing at all
        ingest_records(
            records=[{**good, "declaration_id": "R2"}, {object(): 1}],
            source="api:bad",
            engine=engine,
        )
    assert get_declaration(engine=engine, declaration_id="R2", item_no=2) is None
    assert count(engine, ingest_runs) == 1
    got = get_declaration(engine=engine, declaration_id="R1", item_no=2)
    assert got is not None and got.hs_code == "851712"


def test_nul_characters_are_quarantined_not_fatal(engine: Engine, tmp_path: Path) -> None:
    good = {
        "declaration_id": "N1",
        "declaration_date": "2021-03-01",
        "office_id": "30",
        "hs_code": "440890",
    }
    path = tmp_path / "nul.jsonl"
    path.write_text(
        "\n".join(
            json.dumps(r)
            for r in [good, {**good, "declaration_id": "N2", "importer_id": "A\u0000B"}]
        )
        + "\n"
    )
    s = ingest_file(path=path, profile="canonical", engine=engine)
    assert (s.stored, s.quarantined) == (1, 1)
    (held,) = list_quarantine(engine=engine)
    assert held.reasons[0].field == "importer_id" and "NUL" in held.reasons[0].problem


def test_json_oddities_are_quarantined_not_fatal(engine: Engine, tmp_path: Path) -> None:
    good = {
        "declaration_id": "J1",
        "declaration_date": "2021-03-01",
        "office_id": "30",
        "hs_code": "440890",
    }
    lines = [
        json.dumps(good),
        json.dumps({**good, "declaration_id": "J2", "hs_code": "7705", "tax_rate": float("nan")}),
        json.dumps({**good, "declaration_id": "J3"}).replace("J3", "J\\ud800"),
        "[1, 2]",
    ]
    path = tmp_path / "odd.jsonl"
    path.write_text("\n".join(lines) + "\n")
    s = ingest_file(path=path, profile="canonical", engine=engine)
    assert (s.input, s.stored, s.quarantined) == (4, 1, 3)
    held = {q.row_number: q for q in list_quarantine(engine=engine)}
    assert held[2].raw["tax_rate"] == "nan" and held[2].reasons[0].field == "hs_code"
    assert "surrogate" in held[3].reasons[0].problem
    assert held[4].reasons[0].problem == "JSON value is not an object"
    r = ingest_records(records=[{**good, "declaration_id": "J\ud800"}], source="api", engine=engine)
    assert (r.input, r.quarantined) == (1, 1)


def test_query_frame_and_summary(engine: Engine) -> None:
    ingest_file(path=KCS_VALID, engine=engine)
    frame = query_frame(engine=engine, start="2021-02-01", end=dt.date(2021, 2, 28), office_id="30")
    assert len(frame) > 100
    assert frame["declaration_date"].between("2021-02-01", "2021-02-28").all()
    assert (frame["office_id"] == "30").all()
    reference = load_frame(KCS_VALID, "kcs")
    assert list(frame.columns) == list(reference.columns)
    assert dict(frame.dtypes) == dict(reference.dtypes)
    everything = query_frame(engine=engine).sort_values("declaration_id").reset_index(drop=True)
    expected = reference.sort_values("declaration_id").reset_index(drop=True)
    pd.testing.assert_frame_equal(everything, expected, check_exact=False)
    s = summary(engine=engine)
    assert s.total == 8134 and sum(c.rows for c in s.by_office) == 8134
    assert [m.month for m in s.fraud_by_month] == ["2021-01", "2021-02", "2021-03"]
    rate = (reference["fraud"] == 1).mean()
    overall = sum(m.fraud_rate * m.rows for m in s.fraud_by_month if m.fraud_rate) / s.total
    assert overall == pytest.approx(rate)
    assert count(engine, quarantine) == 0
