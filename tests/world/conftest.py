"""A small generated world shared by the world tests (generation takes a few seconds)."""

from __future__ import annotations

from pathlib import Path

import pytest

from opencustoms.world.base import GeneratedWorld
from opencustoms.world.generate import generate


@pytest.fixture(scope="session")
def small_world() -> GeneratedWorld:
    return generate(seed=11, scale=0.05)


@pytest.fixture(scope="session")
def world_dir(small_world: GeneratedWorld, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("world")
    small_world.write(folder)
    return folder
