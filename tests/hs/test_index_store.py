"""The prebuilt HS index under var/: same index back, rebuilt when its inputs change."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from opencustoms.hs import index_store
from opencustoms.hs.index import HsIndex
from opencustoms.hs.index_store import (
    BM25_FIELDS,
    ROW_MAPS,
    input_files,
    inputs_digest,
    load_index,
    read_store,
    write_store,
)
from opencustoms.hs.service import Classifier

DIGEST_A = "a" * 64
DIGEST_B = "b" * 64


@pytest.fixture
def counted_build(classifier: Classifier, monkeypatch: pytest.MonkeyPatch) -> list[HsIndex]:
    """build_index replaced by the session's index; each call is recorded."""
    calls: list[HsIndex] = []

    def fake_build() -> HsIndex:
        calls.append(classifier.index)
        return classifier.index

    monkeypatch.setattr(index_store, "build_index", fake_build)
    return calls


def test_stored_index_reads_back_the_same(classifier: Classifier, tmp_path: Path) -> None:
    index = classifier.index
    write_store(index, tmp_path / "store", digest=DIGEST_A)
    back = read_store(tmp_path / "store", digest=DIGEST_A)
    assert back is not None
    assert back.kb == index.kb
    assert back.corpus == index.corpus
    assert back.codes == index.codes
    for name in ROW_MAPS:
        np.testing.assert_array_equal(getattr(back, name), getattr(index, name))
    for model, mats in index.dense.items():
        for kind, matrix in mats.items():
            np.testing.assert_array_equal(back.dense[model][kind], matrix)
    tokens = ["stainless", "steel", "bolt"]
    for name in BM25_FIELDS:
        np.testing.assert_array_equal(
            getattr(back, name).get_scores(tokens), getattr(index, name).get_scores(tokens)
        )


def test_store_of_another_digest_is_not_read(classifier: Classifier, tmp_path: Path) -> None:
    write_store(classifier.index, tmp_path / "store", digest=DIGEST_A)
    assert read_store(tmp_path / "store", digest=DIGEST_B) is None
    assert read_store(tmp_path / "missing", digest=DIGEST_A) is None


def test_damaged_store_is_not_read(classifier: Classifier, tmp_path: Path) -> None:
    write_store(classifier.index, tmp_path / "store", digest=DIGEST_A)
    matrix = tmp_path / "store" / "dense" / "minilm-lines.npy"
    matrix.write_bytes(matrix.read_bytes()[:1000])  # truncated copy
    assert read_store(tmp_path / "store", digest=DIGEST_A) is None


def test_load_builds_once_then_reads_and_rebuilds_on_new_inputs(
    counted_build: list[HsIndex], tmp_path: Path
) -> None:
    root = tmp_path / "index"
    load_index(root=root, digest=DIGEST_A)
    assert len(counted_build) == 1
    assert (root / DIGEST_A[:24] / "manifest.json").exists()
    again = load_index(root=root, digest=DIGEST_A)
    assert len(counted_build) == 1, "the second load must come from the store"
    assert again is not counted_build[0]
    load_index(root=root, digest=DIGEST_B)  # the inputs changed
    assert len(counted_build) == 2
    assert sorted(p.name for p in root.iterdir()) == [DIGEST_B[:24]], "stale store removed"


def test_unwritable_store_still_gives_an_index(
    counted_build: list[HsIndex], tmp_path: Path
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory", encoding="utf-8")
    index = load_index(root=blocker / "index", digest=DIGEST_A)
    assert index is counted_build[0]


def test_digest_follows_file_contents(tmp_path: Path) -> None:
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    a.write_text("hscode,description\n010121,horses\n", encoding="utf-8")
    b.write_text("x\n", encoding="utf-8")
    first = inputs_digest([a, b])
    assert inputs_digest([a, b]) == first
    a.write_text("hscode,description\n010121,asses\n", encoding="utf-8")
    assert inputs_digest([a, b]) != first


def test_digest_covers_the_shipped_data_and_embeddings() -> None:
    names = {p.name for p in input_files()}
    assert "us_hts_2024_basic_edition.csv" in names
    assert {"minilm-lines.npy", "minilm-lines.json", "e5-lines.npy"} <= names
    assert all(p.exists() for p in input_files())
