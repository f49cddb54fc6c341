"""Bulk loads build the declaration search indexes once at the end, and never leave them
missing: not after a failed load, not after a killed one (the next ingest restores them)."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine

from opencustoms.declarations import service
from opencustoms.declarations.models import declarations
from opencustoms.declarations.service import ingest_file
from opencustoms.settings import BUNDLED_DATA_DIR, get_settings

KCS_VALID = BUNDLED_DATA_DIR / "kcs" / "df_syn_valid_eng.csv"
SEARCH_INDEXES = {str(index.name) for index in declarations.indexes}


def present(engine: Engine) -> set[str]:
    names = {ix["name"] for ix in sa.inspect(engine).get_indexes(declarations.name)}
    return {str(n) for n in names} & SEARCH_INDEXES


def rows_csv(tmp_path: Path, start: int, stop: int) -> Path:
    lines = KCS_VALID.read_text().splitlines()
    path = tmp_path / f"rows{start}-{stop}.csv"
    path.write_text("\n".join([lines[0], *lines[1 + start : 1 + stop]]) + "\n")
    return path


@pytest.fixture
def bulk_from_1000_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENCUSTOMS_INGEST_BULK_ROWS", "1000")
    monkeypatch.setenv("OPENCUSTOMS_INGEST_BATCH_SIZE", "2000")
    get_settings.cache_clear()


@pytest.mark.usefixtures("bulk_from_1000_rows")
def test_a_load_larger_than_the_store_builds_the_indexes_at_the_end(engine: Engine) -> None:
    seen: list[set[str]] = []
    summary = ingest_file(
        path=KCS_VALID,
        profile="kcs",
        engine=engine,
        progress=lambda d, n: seen.append(present(engine)),
    )
    assert summary.stored == 8134
    assert seen[0] == SEARCH_INDEXES  # before the first batch: nothing dropped yet
    assert all(s == set() for s in seen[1:]), "the batches ran without the search indexes"
    assert present(engine) == SEARCH_INDEXES


@pytest.mark.usefixtures("bulk_from_1000_rows")
def test_a_small_load_into_a_larger_store_keeps_the_indexes(engine: Engine, tmp_path: Path) -> None:
    ingest_file(path=rows_csv(tmp_path, 0, 6000), profile="kcs", engine=engine)
    seen: list[set[str]] = []
    summary = ingest_file(
        path=rows_csv(tmp_path, 6000, 8134),
        profile="kcs",
        engine=engine,
        progress=lambda d, n: seen.append(present(engine)),
    )
    assert summary.stored == 2134
    assert all(s == SEARCH_INDEXES for s in seen), "2,134 rows into 6,000 stored is not bulk"


@pytest.mark.usefixtures("bulk_from_1000_rows")
def test_a_failed_bulk_load_restores_the_indexes(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = service.store_batch
    calls = []

    def second_batch_fails(*args: object, **kwargs: object) -> object:
        calls.append(1)
        if len(calls) == 2:
            raise OSError("disk gone")
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(service, "store_batch", second_batch_fails)
    with pytest.raises(OSError, match="disk gone"):
        ingest_file(path=KCS_VALID, profile="kcs", engine=engine)
    assert present(engine) == SEARCH_INDEXES


def test_indexes_left_missing_by_a_killed_load_come_back_with_the_next_ingest(
    engine: Engine, tmp_path: Path
) -> None:
    ingest_file(path=rows_csv(tmp_path, 0, 500), profile="kcs", engine=engine)
    with engine.begin() as conn:  # what a bulk load killed between its batches leaves
        for index in declarations.indexes:
            index.drop(conn)
    assert present(engine) == set()
    ingest_file(path=rows_csv(tmp_path, 500, 600), profile="kcs", engine=engine)
    assert present(engine) == SEARCH_INDEXES
