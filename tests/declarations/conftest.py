"""Fixtures of the declarations tests: an engine per dialect and generated files."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from opencustoms.db import make_engine, migrate


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """A migrated, empty database of each dialect (SQLite and PostgreSQL)."""
    eng = make_engine(database_url)
    migrate(eng)
    yield eng
    eng.dispose()
