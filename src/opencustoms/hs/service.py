"""HS classification service: suggestions, officer feedback, misclassification flags.

>>> [c.hs6 for c in suggest(text="fresh boneless beef", top=3, use_feedback=False)][0]
'020130'
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from sqlalchemy import Engine, func, inspect, select
from threadpoolctl import ThreadpoolController, threadpool_limits

from opencustoms.db import get_engine, session_scope
from opencustoms.declarations.types import check_hs_code
from opencustoms.hs.embed import get_encoder
from opencustoms.hs.facets import CodeFacets, FacetLexicon, QueryFacets, apply_facets, load_facets
from opencustoms.hs.index import HsIndex, Signals
from opencustoms.hs.index_store import load_index
from opencustoms.hs.models import Candidate, FeedbackRecord, HsFeedback
from opencustoms.hs.prior import load_prior, prior_vector
from opencustoms.hs.ranker import Groups, LinearRanker, load_ranker
from opencustoms.hs.text import PreparedQuery, prepare_query
from opencustoms.settings import get_settings

MAX_TOP = 100
# Cosine below which a past case says nothing (at 1.0, the same text, it decides the
# ranking). MiniLM puts paraphrases of one product at ~0.8+ and unrelated goods below 0.4;
# e5 (the view of non-Latin queries) compresses everything into ~0.8-1.0.
FEEDBACK_THRESHOLD = {"minilm": 0.75, "e5": 0.92}
SOFTMAX_TEMPERATURE = 0.5
INFORMATIVE_CHARS = 8


@dataclass
class _Ranking:
    classifier: Classifier
    scores: np.ndarray  # fused scores plus the feedback boost
    boost: np.ndarray
    signals: Signals
    facets: QueryFacets


@dataclass
class _FeedbackMemory:
    key: tuple[int, int]
    vectors: dict[str, np.ndarray]  # model -> (n, 384) query embeddings of the stored texts
    codes: list[str]


@dataclass
class Classifier:
    index: HsIndex
    ranker: LinearRanker
    groups: Groups
    row_of: dict[str, int]
    facets: FacetLexicon
    code_facets: CodeFacets
    prior: np.ndarray  # trade-frequency prior per code, 0..1

    def scores(self, query: PreparedQuery) -> tuple[np.ndarray, Signals, QueryFacets]:
        """Ranker scores over all codes, the signals they came from and the textile facets
        read from the query."""
        # numpy's BLAS and the encoders' thread pools fight over the 2 cores; one thread is
        # several times faster per query (measured 24 -> 111 ms when they compete).
        with _blas_threads().limit(limits=1, user_api="blas"):
            signals = self.index.signals(query)
        fused = self.ranker.score(signals.values, self.groups)
        spread = float(fused.max() - fused.mean())
        facets = self.facets.read(query.english)
        fused = apply_facets(fused, facets, self.facets, self.code_facets, spread=spread)
        if self.ranker.prior_weight:
            fused = fused + np.float32(self.ranker.prior_weight * spread) * self.prior
        return fused, signals, facets


@lru_cache(maxsize=1)
def _blas_threads() -> ThreadpoolController:
    # Built once: a fresh threadpool_limits() scans the loaded libraries, ~1 ms per query.
    return ThreadpoolController()


@lru_cache(maxsize=1)
def get_classifier() -> Classifier:
    """The process-wide classifier (index prebuilt under var/, see hs/index_store.py)."""
    index = load_index()
    facets = load_facets()
    return Classifier(
        index=index,
        ranker=load_ranker(),
        groups=Groups.of(index.codes),
        row_of={c: i for i, c in enumerate(index.codes)},
        facets=facets,
        code_facets=facets.code_facets(index.kb, index.codes),
        prior=prior_vector(load_prior(get_settings().hs_prior_file), index.codes),
    )


_memory: dict[str, _FeedbackMemory] = {}


def _feedback_memory(engine: Engine) -> _FeedbackMemory | None:
    """Embeddings of the stored cases, reloaded only when the table changed."""
    if not inspect(engine).has_table(HsFeedback.__tablename__):
        return None
    url = engine.url.render_as_string(hide_password=True)
    with session_scope(engine) as s:
        key_row = s.execute(select(func.count(HsFeedback.id), func.max(HsFeedback.id))).one()
        key = (int(key_row[0] or 0), int(key_row[1] or 0))
        cached = _memory.get(url)
        if cached is not None and cached.key == key:
            return cached
        rows = s.execute(select(HsFeedback.text, HsFeedback.hs6).order_by(HsFeedback.id)).all()
    if not rows:
        return None
    prepared = [prepare_query(r.text) for r in rows]
    vectors = {}
    with threadpool_limits(limits=1):
        for model in FEEDBACK_THRESHOLD:
            texts = [q.text_for(model) or q.original for q in prepared]
            vectors[model] = get_encoder(model).encode(texts, query=True)
    _memory[url] = _FeedbackMemory(key=key, vectors=vectors, codes=[r.hs6 for r in rows])
    return _memory[url]


def _feedback_boost(
    memory: _FeedbackMemory,
    model: str,
    query_vec: np.ndarray,
    scores: np.ndarray,
    row_of: dict[str, int],
) -> np.ndarray:
    """Lift the codes of close past cases towards (and, for near-duplicates, above) the top."""
    sims = memory.vectors[model] @ query_vec
    threshold = FEEDBACK_THRESHOLD[model]
    boost = np.zeros_like(scores)
    top, spread = float(scores.max()), float(np.ptp(np.sort(scores)[-20:])) or 1.0
    for sim, code in zip(sims, memory.codes, strict=True):
        strength = (float(sim) - threshold) / (1.0 - threshold)
        row = row_of.get(code)
        if strength <= 0 or row is None:
            continue
        # Just above threshold: level with the 20th candidate; halfway: level with the
        # first; beyond: above it. Officers' decisions outrank retrieval for close texts.
        lift = max(0.0, top - float(scores[row]) + spread * (2.0 * strength - 1.0))
        boost[row] = max(boost[row], lift)
    return boost


def _rank(text: str, *, engine: Engine | None, use_feedback: bool = True) -> _Ranking:
    query = prepare_query(text)  # bad input is refused before the index is loaded
    clf = get_classifier()
    scores, signals, facets = clf.scores(query)
    boost = np.zeros_like(scores)
    if use_feedback:
        memory = _feedback_memory(engine or get_engine())
        # The query's own view: e5 when the input is not Latin script, MiniLM otherwise.
        model = "e5" if "e5" in signals.query_vectors else "minilm"
        vec = signals.query_vectors.get(model)
        if memory is not None and vec is not None:
            boost = _feedback_boost(memory, model, vec, scores, clf.row_of)
    return _Ranking(clf, scores + boost, boost, signals, facets)


def suggest(
    *, text: str, top: int = 5, engine: Engine | None = None, use_feedback: bool = True
) -> list[Candidate]:
    """Ranked HS6 candidates for a goods description (English or Korean).

    Raises ``QueryError`` for non-text or text without any letter or digit, and
    ``ValueError`` when ``top`` is outside 1..100.
    """
    if not 1 <= top <= MAX_TOP:
        raise ValueError(f"top: must be between 1 and {MAX_TOP}, got {top}")
    ranking = _rank(text, engine=engine, use_feedback=use_feedback)
    clf, scores, boost = ranking.classifier, ranking.scores, ranking.boost
    best_line, values = ranking.signals.best_line, ranking.signals.values
    order = np.argsort(-scores, kind="stable")[: max(top, 20)]
    shares = np.exp((scores[order] - scores[order[0]]) / SOFTMAX_TEMPERATURE)
    shares /= shares.sum()
    # A description of a few characters ("x", "tea") cannot pin down a subheading however
    # peaked the scores are: confidence shrinks with the amount of text.
    shares *= min(1.0, sum(ch.isalnum() for ch in text) / INFORMATIVE_CHARS)
    kb, corpus = clf.index.kb, clf.index.corpus
    lexical = np.sum([values[k] for k in values if k.startswith("bm25")], axis=0)
    out = []
    for rank, row in enumerate(order[:top]):
        code = clf.index.codes[row]
        sub = kb.subheadings[code]
        line = int(best_line[row])
        matched = corpus.line_texts[line] if line >= 0 else sub.description
        source = "feedback" if boost[row] > 0 else ("lexical" if lexical[row] > 0 else "dense")
        out.append(
            Candidate(
                hs6=code,
                heading=code[:4],
                chapter=code[:2],
                score=round(float(scores[row]), 4),
                confidence=round(float(shares[rank]), 4),
                description=sub.description,
                heading_description=kb.headings.get(code[:4], ""),
                chapter_description=kb.chapters.get(code[:2], ""),
                matched=matched,
                source=source,
                facets=clf.facets.explain(ranking.facets, clf.code_facets, int(row)),
            )
        )
    return out


def ranked_codes(text: str, *, depth: int = 20, use_feedback: bool = False) -> list[str]:
    """Just the codes, best first (evaluation and batch use)."""
    ranking = _rank(text, engine=None, use_feedback=use_feedback)
    codes, scores = ranking.classifier.index.codes, ranking.scores
    return [codes[i] for i in np.argsort(-scores, kind="stable")[:depth]]


def record_feedback(
    *,
    engine: Engine,
    text: str,
    hs_code: str,
    user: str,
    confirmed: bool,
    suggested_hs: str | None = None,
) -> FeedbackRecord:
    """Store an officer's decision: ``confirmed`` = the suggestion was right; otherwise
    ``hs_code`` is the correction. Both teach later rankings the code for this text."""
    prepare_query(text)  # same validation as suggest()
    try:
        code = check_hs_code(str(hs_code).replace(".", "").strip())
    except ValueError as exc:
        raise ValueError(f"hs_code: {exc}") from exc
    if len(code) < 6:
        raise ValueError("hs_code: at least 6 digits are needed to teach a subheading")
    if code[:6] not in get_classifier().index.kb.subheadings:
        raise ValueError(f"hs_code: {code[:6]} is not an HS 2022 subheading")
    if not user.strip():
        raise ValueError("user: must not be empty")
    row = HsFeedback(
        text=text[:10_000],
        hs_code=code,
        hs6=code[:6],
        confirmed=bool(confirmed),
        suggested_hs6=(suggested_hs or "")[:6] or None,
        user=user.strip(),
    )
    with session_scope(engine) as s:
        s.add(row)
        s.flush()
        return FeedbackRecord(
            id=row.id,
            text=row.text,
            hs_code=code,
            hs6=row.hs6,
            confirmed=row.confirmed,
            user=row.user,
        )
