"""Fuzzed input: every row is stored, quarantined with named reasons, or a duplicate."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, func, select

from opencustoms.declarations.models import declarations
from opencustoms.declarations.queries import get_declaration, list_quarantine, query_frame
from opencustoms.declarations.schema import FIELD_NAMES
from opencustoms.declarations.service import ingest_file
from opencustoms.declarations.synth import kcs_like

from .fuzzing import fuzzed_kcs_csv


def test_fuzzed_csv_loses_nothing(engine: Engine, tmp_path: Path) -> None:
    fuzz = fuzzed_kcs_csv(12_000, seed=11)
    path = tmp_path / "fuzz.csv"
    path.write_bytes(fuzz.data)
    s = ingest_file(path=path, profile="kcs", engine=engine, batch_size=2_500)

    assert s.input == 12_000
    assert s.stored + s.quarantined + s.duplicates == s.input
    assert s.duplicates == len(fuzz.duplicates)
    assert s.conflicts == len(fuzz.conflicts)
    assert s.stored == fuzz.clean
    assert s.quarantined == len(fuzz.broken) + len(fuzz.malformed) + len(fuzz.conflicts)

    held = {q.row_number: q for q in list_quarantine(engine=engine, limit=100_000)}
    assert set(held) == set(fuzz.broken) | fuzz.malformed | fuzz.conflicts
    for number, field in fuzz.broken.items():
        assert field in [r.field for r in held[number].reasons], held[number]
    for number in fuzz.malformed:
        assert held[number].reasons[0].field == "_row"
        assert "fields, expected 22" in held[number].reasons[0].problem
    for number in fuzz.conflicts:
        assert [r.field for r in held[number].reasons] == ["item_price_krw"]
    allowed = {*FIELD_NAMES, "_row"}
    assert all(r.field in allowed and r.problem for q in held.values() for r in q.reasons)
    # the raw content of a quarantined row is kept, bad bytes made visible
    bad_bytes = [q for q in held.values() if q.reasons[0].problem == "not valid UTF-8 text"]
    assert bad_bytes and "\\xff" in bad_bytes[0].raw["Importer ID"]

    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(declarations)).scalar() == s.stored
    frame = query_frame(engine=engine)
    assert frame["declaration_id"].is_unique and len(frame) == s.stored
    # every stored row is a valid Declaration by the pydantic model itself
    for key in frame["declaration_id"].sample(200, random_state=1):
        assert get_declaration(engine=engine, declaration_id=key) is not None


def test_fuzzed_file_with_missing_optional_columns(engine: Engine, tmp_path: Path) -> None:
    frame = kcs_like(2_000, seed=5).drop(columns=["Courier ID", "Fraud", "Critical Fraud"])
    path = tmp_path / "cut.csv"
    frame.to_csv(path, index=False)
    s = ingest_file(path=path, engine=engine)
    assert (s.input, s.stored, s.quarantined) == (2_000, 2_000, 0)
    assert query_frame(engine=engine)["fraud"].isna().all()
