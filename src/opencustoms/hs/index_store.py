"""The HS index prebuilt under ``var/``: written once, memory-mapped on every later load.

Building the index from the shipped files (``index.build_index``) reads the 4 MB US schedule
and tokenises ~33,000 documents for BM25: 5-13 s, paid by every process that classifies.
The store keeps what that produces - the BM25 score matrices, the dense matrices as float32,
the row maps, the corpus and knowledge-base texts - in ``var/hs/index/<digest>/``, and a
load memory-maps the arrays (well under a second).

The directory is named by a digest of every input: the nomenclature and US schedule files,
the embedding matrices and manifests, the source of the modules that derive the index from
them and the versions of the tokeniser libraries. Any change gives another digest, so a stale
store is never read; it is rebuilt (and older ones removed). ``manifest.json`` repeats the
full digest and is checked on load.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import logging
import os
import shutil
import tempfile
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

import bm25s
import numpy as np

from opencustoms.files import sha256_file
from opencustoms.hs import corpus as corpus_module
from opencustoms.hs import embed as embed_module
from opencustoms.hs import index as index_module
from opencustoms.hs import knowledge as knowledge_module
from opencustoms.hs.corpus import Corpus
from opencustoms.hs.embed import EMBEDDINGS_DIR
from opencustoms.hs.index import DENSE_MODELS, HsIndex, build_index
from opencustoms.hs.knowledge import (
    HS2017_FILE,
    HS2022_FILE,
    HS_DATA_DIR,
    HTS_FILE,
    SECTIONS_FILE,
    KnowledgeBase,
    Subheading,
    UsLine,
)
from opencustoms.settings import get_settings

log = logging.getLogger(__name__)

# Bumped when the layout of the store changes (the digest covers everything else).
STORE_FORMAT = 1
BM25_FIELDS = ("bm25_sub", "bm25_line", "bm25_head", "bm25_subdoc", "bm25_headdoc")
ROW_MAPS = ("heading_of", "line_code", "line_starts", "line_owner")
DENSE_KINDS = ("lines", "subheadings", "headings")
# Code whose change changes the index built from the same files.
_CODE = (index_module, corpus_module, knowledge_module, embed_module)
_LIBRARIES = ("bm25s", "PyStemmer", "numpy")


def store_root() -> Path:
    return get_settings().var_dir / "hs" / "index"


def input_files(data_dir: Path = HS_DATA_DIR) -> list[Path]:
    """Every data file the default index is built from."""
    files = [data_dir / n for n in (HS2022_FILE, HS2017_FILE, SECTIONS_FILE, HTS_FILE)]
    for model in DENSE_MODELS:
        for kind in DENSE_KINDS:
            stem = EMBEDDINGS_DIR / f"{model}-{kind}"
            files += [stem.with_suffix(".npy"), stem.with_suffix(".json")]
    return files


def inputs_digest(files: list[Path] | None = None) -> str:
    """sha256 over the input files' contents, the index code and the library versions."""
    h = hashlib.sha256(f"format {STORE_FORMAT}\n".encode())
    for path in files if files is not None else input_files():
        h.update(path.name.encode() + b"\x00")
        h.update(bytes.fromhex(sha256_file(path)))
    for module in _CODE:
        h.update(Path(str(module.__file__)).read_bytes())
    for lib in _LIBRARIES:
        h.update(f"{lib}=={importlib.metadata.version(lib)}\n".encode())
    return h.hexdigest()


def load_index(*, root: Path | None = None, digest: str | None = None) -> HsIndex:
    """The default index (both dense models, every US line) from the store, which is built
    and written first when it is missing or was built from other inputs.

    A store that cannot be written (read-only ``var/``) only costs the build on each start.
    """
    started = time.perf_counter()
    root = root or store_root()
    digest = digest or inputs_digest()
    target = root / digest[:24]
    index = read_store(target, digest=digest)
    if index is None:
        index = build_index()
        try:
            write_store(index, target, digest=digest)
        except OSError as exc:
            log.warning("HS index store %s not written: %s", target, exc)
    index.build_seconds = time.perf_counter() - started
    return index


def read_store(target: Path, *, digest: str) -> HsIndex | None:
    """The index stored in ``target``; None when absent, incomplete or of another digest."""
    manifest_path = target / "manifest.json"
    if not manifest_path.exists():
        return None
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        if manifest.get("digest") != digest or manifest.get("format") != STORE_FORMAT:
            return None
        return _read(target)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.warning("HS index store %s unreadable, rebuilding: %s", target, exc)
        return None


def _load(path: Path) -> np.ndarray:
    # Read-only memory map: the pages are shared by every process of the machine.
    return np.asarray(np.load(path, mmap_mode="r"))


def _read(target: Path) -> HsIndex:
    texts = json.loads((target / "texts.json").read_text(encoding="utf-8"))
    corpus = Corpus(**texts["corpus"])
    kb = _kb_from_json(texts["kb"])
    arrays = {name: _load(target / "arrays" / f"{name}.npy") for name in ROW_MAPS}
    dense = {
        model: {kind: _load(target / "dense" / f"{model}-{kind}.npy") for kind in kinds}
        for model, kinds in texts["dense"].items()
    }
    lexical = {
        name: bm25s.BM25.load(target / "bm25" / name, mmap=True, show_progress=False)
        for name in BM25_FIELDS
    }
    index = HsIndex(
        kb=kb,
        corpus=corpus,
        codes=corpus.sub_codes,
        heading_of=arrays["heading_of"],
        line_code=arrays["line_code"],
        line_starts=arrays["line_starts"],
        line_owner=arrays["line_owner"],
        bm25_sub=lexical["bm25_sub"],
        bm25_line=lexical["bm25_line"],
        bm25_head=lexical["bm25_head"],
        bm25_subdoc=lexical["bm25_subdoc"],
        bm25_headdoc=lexical["bm25_headdoc"],
        dense=dense,
    )
    _check_shapes(index)
    return index


def _check_shapes(index: HsIndex) -> None:
    n_codes, n_lines = len(index.codes), len(index.corpus.line_texts)
    for model, mats in index.dense.items():
        rows = {"lines": n_lines, "subheadings": n_codes, "headings": len(index.kb.headings)}
        for kind, matrix in mats.items():
            if matrix.shape[0] != rows[kind]:
                raise ValueError(f"dense {model}-{kind}: {matrix.shape[0]} rows, not {rows[kind]}")
    if len(index.heading_of) != n_codes or len(index.line_code) != n_lines:
        raise ValueError("row maps do not match the corpus")


def write_store(index: HsIndex, target: Path, *, digest: str) -> None:
    """Write ``index`` into ``target`` atomically (a temporary directory renamed), then
    remove the stores of other digests next to it."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".building-", dir=target.parent))
    try:
        (tmp / "arrays").mkdir()
        (tmp / "dense").mkdir()
        for name in ROW_MAPS:
            np.save(tmp / "arrays" / f"{name}.npy", getattr(index, name))
        for model, mats in index.dense.items():
            for kind, matrix in mats.items():
                np.save(tmp / "dense" / f"{model}-{kind}.npy", np.asarray(matrix, np.float32))
        for name in BM25_FIELDS:
            lexical: bm25s.BM25 = getattr(index, name)
            lexical.save(tmp / "bm25" / name)
        texts = {
            "corpus": asdict(index.corpus),
            "kb": _kb_to_json(index.kb),
            "dense": {model: list(mats) for model, mats in index.dense.items()},
        }
        (tmp / "texts.json").write_text(json.dumps(texts, ensure_ascii=False), encoding="utf-8")
        manifest = {"digest": digest, "format": STORE_FORMAT, "written": time.time()}
        (tmp / "manifest.json").write_text(json.dumps(manifest) + "\n", encoding="utf-8")
        if target.exists():  # stale or half-read leftovers of this digest
            shutil.rmtree(target)
        os.replace(tmp, target)
    except OSError:
        shutil.rmtree(tmp, ignore_errors=True)
        if (target / "manifest.json").exists():
            return  # another process wrote the same store at the same time
        raise
    for other in target.parent.iterdir():
        if other != target and (other / "manifest.json").exists():  # an older store
            shutil.rmtree(other, ignore_errors=True)


def _kb_to_json(kb: KnowledgeBase) -> dict[str, Any]:
    return {
        "sections": kb.sections,
        "chapters": kb.chapters,
        "headings": kb.headings,
        "subheadings": [
            [
                s.code,
                s.description,
                s.heading,
                s.chapter,
                s.section,
                s.hs2017,
                [[u.hts, u.hs6, u.description, u.path, u.general_rate] for u in s.us_lines],
            ]
            for s in kb.subheadings.values()
        ],
        "hs2017_to_2022": kb.hs2017_to_2022,
        "hs2017_descriptions": kb.hs2017_descriptions,
    }


def _kb_from_json(data: dict[str, Any]) -> KnowledgeBase:
    subs = {}
    for code, description, heading, chapter, section, hs2017, lines in data["subheadings"]:
        subs[code] = Subheading(
            code=code,
            description=description,
            heading=heading,
            chapter=chapter,
            section=section,
            us_lines=[UsLine(*line) for line in lines],
            hs2017=list(hs2017),
        )
    return KnowledgeBase(
        sections=data["sections"],
        chapters=data["chapters"],
        headings=data["headings"],
        subheadings=subs,
        hs2017_to_2022=data["hs2017_to_2022"],
        hs2017_descriptions=data["hs2017_descriptions"],
    )
