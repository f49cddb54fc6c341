"""Shared fixtures: one small generated manifest (generated once per session)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from opencustoms.parcels.generator import generate, write_generated


@pytest.fixture(scope="session")
def small_world(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A 4-day manifest of 8,000 parcels (seed 5) as CSV, with its labels."""
    out = tmp_path_factory.mktemp("parcels") / "manifest.csv"
    labels = out.with_name("labels.csv")
    manifest, truth = generate(days=4, parcels_per_day=2000, seed=5)
    write_generated(manifest, truth, out, labels)
    return out, labels


@pytest.fixture
def manifest_rows(small_world: tuple[Path, Path]) -> pd.DataFrame:
    return pd.read_csv(small_world[0], dtype=str, keep_default_na=False).head(50)
