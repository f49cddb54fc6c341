"""Docstring examples under src/ (pytest --doctest-modules) run with their own var/
directory, like the tests, so they never touch the working copy's database."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from opencustoms.settings import get_settings


@pytest.fixture(autouse=True)
def _isolated_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("OPENCUSTOMS_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("OPENCUSTOMS_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()
