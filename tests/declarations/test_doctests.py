"""The runnable examples in the declarations docstrings stay true."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "opencustoms.db",
    "opencustoms.declarations.io",
    "opencustoms.declarations.schema",
    "opencustoms.declarations.service",
    "opencustoms.declarations.synth",
    "opencustoms.declarations.validate",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted > 0
