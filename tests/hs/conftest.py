"""The HS index is loaded once per test session (it takes a few seconds)."""

from __future__ import annotations

import pytest

from opencustoms.hs.service import Classifier, get_classifier


@pytest.fixture(scope="session")
def classifier() -> Classifier:
    return get_classifier()
