"""The runnable examples in the trade-crime and world docstrings stay true."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "opencustoms.tradecrime.entities",
    "opencustoms.tradecrime.graph",
    "opencustoms.tradecrime.params",
    "opencustoms.tradecrime.pricing",
    "opencustoms.tradecrime.review",
    "opencustoms.tradecrime.evaluate",
    "opencustoms.world.format",
    "opencustoms.world.fx",
    "opencustoms.world.names",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted > 0
