"""The retrieval index: per-HS6 relevance signals from lexical and dense retrievers.

Every signal is a vector over the 5,612 HS 2022 subheadings, so the ranker combines them
element-wise. US national lines score their HS6 parent by the best line ("max pooling"),
headings pass their score down to every subheading they contain.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field, replace

import bm25s
import numpy as np
import Stemmer

from opencustoms.hs.corpus import Corpus, build_corpus, dense_texts
from opencustoms.hs.dense import E5Job, Offered, shared_line_products
from opencustoms.hs.embed import EMBEDDINGS_DIR, EmbeddingFile, get_encoder, load_embeddings
from opencustoms.hs.knowledge import KnowledgeBase, load_knowledge
from opencustoms.hs.text import PreparedQuery

DENSE_MODELS = ("minilm", "e5")
PRF_DEPTH = 10
# What e5 encodes of a Latin-script description: "core" (the product name, when the text has
# more than that) or "full".
E5_ENGLISH_QUERY = "core"
PRF_WEIGHT = 0.7
# Where a product name ends in a customs description: the first clause or qualifier.
_CORE_END = re.compile(
    r",|;|\(|\b(composed|made|consisting|used|which|that|with|for|designed|imported|"
    r"containing|featuring|intended|from|in)\b",
    re.IGNORECASE,
)


def query_core(text: str) -> str:
    """The product name at the start of a description ('' when it is the whole text).

    >>> query_core("a girls cardigan sweater made of knit man-made fabric")
    'girls cardigan sweater'
    """
    text = re.sub(r"^(an?|the)\s+", "", text.strip(), flags=re.IGNORECASE)
    match = _CORE_END.search(text)
    core = text[: match.start()].strip() if match else text
    return core if core and core != text else ""


_STEMMER = Stemmer.Stemmer("english")


def _tokenize(texts: list[str]) -> list[list[str]]:
    tokens = bm25s.tokenize(
        texts, stopwords="en", stemmer=_STEMMER, return_ids=False, show_progress=False
    )
    return [list(t) for t in tokens]


# Lucene/Anserini's standard BM25 setting. The line and subheading documents vary from a few
# words to hundreds, and b=0.75 over-rewarded short documents matching one query word;
# measured with k1=1.2/b=0.75 and k1=1.5/b=0.9 in benchmarks/RESULTS-hs.md.
BM25_K1 = 0.9
BM25_B = 0.4
# Words the nomenclature negates ("not knitted or crocheted", "other than crude") describe
# what the goods are not: indexed, they pull knitted garments into chapter 62 and crude oil
# into 2710. The negated phrase runs to the next punctuation.
_NEGATED = re.compile(r"\b(?:not|other than|excluding|except|nor)\b[^,;:()\[\]]*", re.IGNORECASE)


def drop_negated(text: str) -> str:
    """The document text without negated phrases (lexical fields only).

    >>> drop_negated("Petroleum oils (other than crude), not containing biodiesel; light oils")
    'Petroleum oils ( ),  ; light oils'
    """
    return _NEGATED.sub(" ", text)


def _bm25(texts: list[str]) -> bm25s.BM25:
    model = bm25s.BM25(k1=BM25_K1, b=BM25_B)
    model.index(_tokenize([drop_negated(t) for t in texts]), show_progress=False)
    return model


@dataclass
class Signals:
    """Relevance of every subheading (rows follow ``HsIndex.codes``) for one query."""

    values: dict[str, np.ndarray]
    best_line: np.ndarray  # index into ``corpus.line_texts`` of each code's best dense line
    best_line_score: np.ndarray
    query_vectors: dict[str, np.ndarray]


@dataclass
class HsIndex:
    kb: KnowledgeBase
    corpus: Corpus
    codes: list[str]
    heading_of: np.ndarray  # subheading row -> heading row
    line_code: np.ndarray  # line row -> subheading row (lines are grouped by code)
    line_starts: np.ndarray  # first line row of each code that has lines
    line_owner: np.ndarray  # code row for each entry of line_starts
    bm25_sub: bm25s.BM25
    bm25_line: bm25s.BM25
    bm25_head: bm25s.BM25
    bm25_subdoc: bm25s.BM25  # subheading + all its US lines in one document
    bm25_headdoc: bm25s.BM25  # heading + its subheadings + all their US lines
    dense: dict[str, dict[str, np.ndarray]]
    build_seconds: float = 0.0
    encoders: dict[str, object] = field(default_factory=dict)

    @property
    def memory_bytes(self) -> int:
        """Bytes held by the dense matrices (the bulk of the loaded index)."""
        return sum(m.nbytes for d in self.dense.values() for m in d.values())

    def _max_per_code(self, line_scores: np.ndarray) -> np.ndarray:
        out = np.full(len(self.codes), -1.0, dtype=np.float32)
        out[self.line_owner] = np.maximum.reduceat(line_scores, self.line_starts)
        return out

    def _best_line(self, line_scores: np.ndarray, per_code: np.ndarray) -> np.ndarray:
        """Row of each code's best line (-1 without lines): "the description that matched"."""
        arg = np.full(len(self.codes), -1, dtype=np.int64)
        rows = np.flatnonzero(line_scores >= per_code[self.line_code])
        arg[self.line_code[rows][::-1]] = rows[::-1]
        return arg

    def _lexical(self, tokens: list[str], suffix: str, values: dict[str, np.ndarray]) -> None:
        if not tokens:
            zeros = np.zeros(len(self.codes), dtype=np.float32)
            for name in ("bm25_line", "bm25_subdoc", "bm25_headdoc"):
                values[name + suffix] = zeros
            return
        line_bm25 = self.bm25_line.get_scores(tokens).astype(np.float32)
        values["bm25_line" + suffix] = self._max_per_code(line_bm25)
        values["bm25_subdoc" + suffix] = self.bm25_subdoc.get_scores(tokens).astype(np.float32)
        head = self.bm25_headdoc.get_scores(tokens).astype(np.float32)
        values["bm25_headdoc" + suffix] = head[self.heading_of]

    def signals(self, query: PreparedQuery) -> Signals:
        """All signals for one query.

        Besides the whole text, the *core* (the product name before the first clause such as
        "made of", "used for", a comma) is scored on its own: long descriptions bury the
        noun that decides the heading under materials and uses. The MiniLM line view is also
        re-scored after pseudo-relevance feedback (query moved towards its 10 best lines).

        The e5 encoding and its line product run in a worker thread while this one does
        BM25 and the MiniLM encoding; the worker then takes half of each MiniLM line product
        (``dense.shared_line_products``). The encoders and numpy release the GIL, so on two
        cores a query costs about half its CPU (benchmarks/RESULTS-hs.md, issue 20).
        """
        core = query_core(query.english)
        minilm_text = query.text_for("minilm") if "minilm" in self.dense else ""
        # The worker first MiniLM-encodes the core (short, and not padded to the text's
        # length as in one batch) so it is ready when this thread has the text's vector.
        minilm_core = (
            Offered(get_encoder("minilm").encode, [core], query=True)
            if minilm_text and core and core != minilm_text
            else None
        )
        e5_text = self._e5_text(query, core)
        e5_job = E5Job(e5_text, self.dense["e5"].get("lines")) if e5_text else None
        values: dict[str, np.ndarray] = {}
        self._lexical(_tokenize([query.english])[0], "", values)
        if core:
            self._lexical(_tokenize([core])[0], "_core", values)
        else:  # the text is all product name: its core view is the text itself
            for name in ("bm25_line", "bm25_subdoc", "bm25_headdoc"):
                values[name + "_core"] = values[name]
        best_line = np.full(len(self.codes), -1, dtype=np.int64)
        best_score = np.full(len(self.codes), -1.0, dtype=np.float32)
        vectors: dict[str, np.ndarray] = {}
        if minilm_text:  # else nothing is left for the English-only model: it abstains
            seen = self._minilm_view(minilm_text, minilm_core, values, vectors)
            if seen is not None:
                best_line, best_score = seen
        if e5_job is not None:
            e5_best = self._e5_view(query, e5_job, values, vectors)
            if e5_best is not None and best_line.max() < 0:  # MiniLM abstained: e5's line
                best_line, best_score = e5_best
        return Signals(
            values=values, best_line=best_line, best_line_score=best_score, query_vectors=vectors
        )

    def _e5_text(self, query: PreparedQuery, core: str) -> str:
        """What e5 encodes ('' when it has no view to give)."""
        if "e5" not in self.dense:
            return ""
        if query.non_latin:
            return query.text_for("e5")
        # For Latin-script text e5 is a second view of the US lines only: its
        # subheading/heading views ranked English worse than MiniLM's, and one e5
        # encoding of a whole description costs ~40 ms (the product name ~20 ms).
        if "lines" not in self.dense["e5"]:
            return ""
        return core if E5_ENGLISH_QUERY == "core" and core else query.english

    def _e5_view(
        self,
        query: PreparedQuery,
        job: E5Job,
        values: dict[str, np.ndarray],
        vectors: dict[str, np.ndarray],
    ) -> tuple[np.ndarray, np.ndarray] | None:
        """e5's signals into ``values``; its best lines for non-Latin text."""
        mats = self.dense["e5"]
        if not query.non_latin:
            values["e5_line"] = self._max_per_code(job.line_sims())
            return None
        q = job.vector()
        vectors["e5"] = q
        values["e5_sub"] = mats["subheadings"] @ q
        values["e5_head"] = (mats["headings"] @ q)[self.heading_of]
        if "lines" not in mats:
            return None
        # Non-Latin text: the best line, no feedback or core views.
        sims = job.line_sims()
        values["e5_line"] = line_sim = self._max_per_code(sims)
        return self._best_line(sims, line_sim), line_sim

    def _minilm_view(
        self,
        text: str,
        core: Offered[np.ndarray] | None,
        values: dict[str, np.ndarray],
        vectors: dict[str, np.ndarray],
    ) -> tuple[np.ndarray, np.ndarray] | None:
        """MiniLM's signals into ``values``; its best lines."""
        q = get_encoder("minilm").encode([text], query=True)[0]
        vectors["minilm"] = q
        mats = self.dense["minilm"]
        values["minilm_sub"] = mats["subheadings"] @ q
        values["minilm_head"] = (mats["headings"] @ q)[self.heading_of]
        if "lines" not in mats:
            return None
        lines = mats["lines"]
        # The text and its core in one pass over the line matrix, then the feedback view.
        first = shared_line_products(
            lines, q[None, :] if core is None else np.vstack([q, core.result()])
        )
        sims = first[0]
        top = np.argpartition(-sims, PRF_DEPTH)[:PRF_DEPTH]
        moved = q + PRF_WEIGHT * lines[top].mean(axis=0)
        moved = moved / np.linalg.norm(moved)
        line_sim = self._max_per_code(sims)
        values["minilm_line"] = line_sim
        values["minilm_line_prf"] = self._max_per_code(
            shared_line_products(lines, moved[None, :])[0]
        )
        values["minilm_line_core"] = line_sim if core is None else self._max_per_code(first[1])
        return self._best_line(sims, line_sim), line_sim


def _drop_lines(corpus: Corpus, exclude: frozenset[int]) -> tuple[Corpus, np.ndarray]:
    keep = np.array([i for i in range(len(corpus.line_texts)) if i not in exclude], dtype=np.int64)
    return (
        replace(
            corpus,
            line_texts=[corpus.line_texts[i] for i in keep],
            line_codes=[corpus.line_codes[i] for i in keep],
        ),
        keep,
    )


def build_index(
    kb: KnowledgeBase | None = None,
    *,
    models: tuple[str, ...] = DENSE_MODELS,
    exclude_lines: frozenset[int] = frozenset(),
) -> HsIndex:
    """Load the knowledge base and shipped embeddings, and index the lexical fields.

    ``exclude_lines`` leaves US lines out of every field (ranker training: a synthetic query
    made from a line must not be answered by that line).
    """
    started = time.perf_counter()
    kb = kb or load_knowledge()
    full = build_corpus(kb)
    corpus, keep = _drop_lines(full, exclude_lines)
    codes = corpus.sub_codes
    row_of = {c: i for i, c in enumerate(codes)}
    head_row = {h: i for i, h in enumerate(corpus.heading_codes)}
    heading_of = np.array([head_row[c[:4]] for c in codes], dtype=np.int64)
    line_code = np.array([row_of[cs[0]] for cs in corpus.line_codes], dtype=np.int64)
    if np.any(np.diff(line_code) < 0):
        raise RuntimeError("corpus lines must be grouped by subheading")
    starts = np.flatnonzero(np.diff(np.concatenate([[-1], line_code])) != 0)
    # One lexical document per subheading: its own text, its heading and chapter, and the
    # HS 2017 descriptions that map onto it (older wording users still type).
    sub_docs = [
        " ".join(
            [
                corpus.sub_texts[i],
                kb.chapters.get(c[:2], ""),
                *(kb.hs2017_descriptions.get(o, "") for o in kb.subheadings[c].hs2017),
            ]
        )
        for i, c in enumerate(codes)
    ]
    lines_of: dict[int, list[str]] = {}
    for text, row in zip(corpus.line_texts, line_code, strict=True):
        lines_of.setdefault(int(row), []).append(text)
    sub_full = [" ".join([doc, *lines_of.get(i, [])]) for i, doc in enumerate(sub_docs)]
    head_docs = [
        " ".join(
            [kb.headings[h], *(s.description for s in kb.subheadings.values() if s.heading == h)]
        )
        for h in corpus.heading_codes
    ]
    head_full = [""] * len(head_docs)
    for i in range(len(codes)):
        head_full[heading_of[i]] += " " + " ".join(lines_of.get(i, []))
    head_full = [f"{d} {extra}" for d, extra in zip(head_docs, head_full, strict=True)]
    dense = {
        name: {
            kind: load_embeddings(EmbeddingFile(EMBEDDINGS_DIR, f"{name}-{kind}"), texts=t)
            for kind, t in dense_texts(full, name).items()
        }
        for name in models
    }
    if exclude_lines:
        for mats in dense.values():
            if "lines" in mats:
                mats["lines"] = mats["lines"][keep]
    index = HsIndex(
        kb=kb,
        corpus=corpus,
        codes=codes,
        heading_of=heading_of,
        line_code=line_code,
        line_starts=starts,
        line_owner=line_code[starts],
        bm25_sub=_bm25(sub_docs),
        bm25_line=_bm25(corpus.line_texts),
        bm25_head=_bm25(head_docs),
        bm25_subdoc=_bm25(sub_full),
        bm25_headdoc=_bm25(head_full),
        dense=dense,
    )
    index.build_seconds = time.perf_counter() - started
    return index
