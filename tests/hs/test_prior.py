"""Trade-frequency prior: counts per HS 2022 subheading, HS 2017 codes carried forward."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from opencustoms.hs.knowledge import load_knowledge
from opencustoms.hs.prior import count_codes, load_prior, prior_vector, write_prior


def test_counts_carry_old_codes_and_drop_unknown_ones() -> None:
    kb = load_knowledge()
    counts = count_codes(["020130", "20130", "851712", "999999", "0201.30"], kb)
    assert counts["020130"] == 2.0  # "0201.30" is not a six-digit code: dropped
    assert counts["851713"] == 1.0  # HS 2017 8517.12 -> HS 2022 8517.13
    assert "999999" not in counts


def test_round_trip_and_vector(tmp_path: Path) -> None:
    path = write_prior({"020130": 9.0, "610910": 2.5}, source="test", path=tmp_path / "p.csv")
    assert path.read_text().startswith("# source: test\n")
    counts = load_prior(path)
    assert counts == {"020130": 9.0, "610910": 2.5}
    v = prior_vector(counts, ["020130", "610910", "010121"])
    assert v[0] == pytest.approx(1.0) and 0 < v[1] < 1 and v[2] == 0
    assert not prior_vector({}, ["020130"]).any()


def test_bad_count_names_the_row(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("hs6,declarations\n020130,many\n")
    with pytest.raises(ValueError, match=r"row 2: declarations: not a number"):
        load_prior(bad)


def test_shipped_prior_covers_common_codes() -> None:
    counts = load_prior()
    assert len(counts) > 2000 and all(len(c) == 6 for c in counts)
    assert np.isfinite(list(counts.values())).all()


def test_cli_counts_the_declaration_store(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from opencustoms.cli.hs import app
    from opencustoms.db import make_engine, migrate
    from opencustoms.declarations.service import ingest_file
    from opencustoms.settings import BUNDLED_DATA_DIR, get_settings

    monkeypatch.setenv("OPENCUSTOMS_DATABASE_URL", database_url)
    monkeypatch.setenv("OPENCUSTOMS_VAR_DIR", str(tmp_path))
    get_settings.cache_clear()
    runner = CliRunner()
    engine = make_engine(database_url)
    try:
        migrate(engine)
        empty = runner.invoke(app, ["prior"])
        assert empty.exit_code == 2 and "declarations: the store holds no" in empty.output
        rows = (BUNDLED_DATA_DIR / "kcs" / "df_syn_valid_eng.csv").read_text().splitlines()[:51]
        sample = tmp_path / "fifty.csv"
        sample.write_text("\n".join(rows) + "\n")
        ingest_file(path=sample, engine=engine)
        result = runner.invoke(app, ["prior"])
    finally:
        engine.dispose()
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    counts = load_prior(tmp_path / "hs" / "trade_prior.csv")
    assert 0 < sum(counts.values()) <= 50 and "from 50 declaration items" in result.output
