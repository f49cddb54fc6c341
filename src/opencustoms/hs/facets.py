"""Textile facets: the fibre of chief weight, the wearer and knitted-or-woven.

Once retrieval has found the kind of article, Section XI picks the subheading by facts that
queries state in trade words and that neither BM25 nor the sentence encoders weigh: "54%
cotton, 36% polyester" means cotton (Subheading Note 2), "50% cotton, 50% polyester" means
man-made fibres (the later heading wins a tie), "boys'" rules out the women's or girls'
headings, "knit" rules out chapter 62. The patterns, the fibre order and the weights are data
(``data/hs/textile_facets.yaml``).

Fibre evidence lifts the subheadings naming the fibre of chief weight, or, where no sibling in
the heading names it, the residual sibling ("of other textile materials"). Wearer and
construction only penalise contradicting subheadings: a lift would raise gendered headings
over unisex ones (6109 T-shirts, 6110 pullovers).

>>> lex = load_facets()
>>> f = lex.read("boys T-shirts of 50% cotton and 50% polyester, knit jersey")
>>> (f.fibre, f.fibre_explicit, f.wearer, f.construction)
('synthetic fibres', True, 'men', 'knit')
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import yaml

from opencustoms.hs.knowledge import HS_DATA_DIR, KnowledgeBase

FACETS_FILE = HS_DATA_DIR / "textile_facets.yaml"
# "of textile materials (other than wool or fine animal hair, cotton or man-made fibres)"
# names fibres only to exclude them: a negated parenthesis goes whole, otherwise up to the
# next comma or semicolon.
_NEGATED = re.compile(
    r"\((?:not|other than|excluding|except)\b[^)]*\)"
    r"|\b(?:not|other than|excluding|except)\b[^,;:()]*",
    re.IGNORECASE,
)
_EITHER_CONSTRUCTION = re.compile(r"\bwhether or not knitted or crocheted", re.IGNORECASE)
# "54% cotton", "54 percent cotton" and "cotton 54%".
_SHARE_BEFORE = re.compile(r"(\d{1,3}(?:\.\d+)?)\s*(?:%|percent)\s*([a-z][a-z\-]*)", re.I)
_SHARE_AFTER = re.compile(r"\b([a-z][a-z\-]*)\s*(\d{1,3}(?:\.\d+)?)\s*(?:%|percent)", re.I)
WEARERS = ("men", "women", "babies")
CONSTRUCTIONS = ("knit", "woven")


@dataclass(frozen=True)
class Fibre:
    name: str
    family: str  # man-made fibres weigh together (Section XI Note 2(B)(b))
    query: re.Pattern[str]
    nomenclature: re.Pattern[str]


@dataclass(frozen=True)
class QueryFacets:
    """What a description says about fibre, wearer and construction (None: not said)."""

    fibre: str | None = None
    fibre_explicit: bool = False  # shares by weight given, or a single fibre family named
    wearer: str | None = None
    construction: str | None = None

    def describe_each(self) -> tuple[str, str, str]:
        """Fibre, wearer and construction in plain words ('' where the text is silent)."""
        fibre = wearer = construction = ""
        if self.fibre:
            how = "chief weight" if self.fibre_explicit else "first named"
            fibre = f"{self.fibre} ({how})"
        if self.wearer:
            wearer = f"for {self.wearer}"
        if self.construction:
            construction = "knitted or crocheted" if self.construction == "knit" else "woven"
        return fibre, wearer, construction


@dataclass(frozen=True)
class CodeFacets:
    """Per subheading (rows as the index codes): what its own HS 2022 text says."""

    names_fibre: dict[str, np.ndarray]  # fibre -> bool
    names_any_fibre: np.ndarray
    sibling_names_fibre: dict[str, np.ndarray]  # some sibling subheading names it
    sibling_names_any: np.ndarray
    wearer: np.ndarray  # index into WEARERS, -1 for none or several
    construction: np.ndarray  # index into CONSTRUCTIONS, -1 for neither


@dataclass(frozen=True)
class FacetLexicon:
    fibres: tuple[Fibre, ...]  # heading order: a tie goes to the later fibre
    wearer_query: dict[str, re.Pattern[str]]
    wearer_nomenclature: dict[str, re.Pattern[str]]
    construction_query: dict[str, re.Pattern[str]]
    construction_nomenclature: re.Pattern[str]
    weights: dict[str, float]

    def read(self, text: str) -> QueryFacets:
        fibre, explicit = self._fibre(text)
        wearers = [w for w in WEARERS if self.wearer_query[w].search(text)]
        # Babies' garments take their heading whatever else the text says (Ch. 61 Note 6).
        wearer = "babies" if "babies" in wearers else (wearers[0] if len(wearers) == 1 else None)
        built = [c for c in CONSTRUCTIONS if self.construction_query[c].search(text)]
        return QueryFacets(
            fibre=fibre,
            fibre_explicit=explicit,
            wearer=wearer,
            construction=built[0] if len(built) == 1 else None,
        )

    def _fibre_of(self, word: str) -> Fibre | None:
        return next((f for f in self.fibres if f.query.match(word)), None)

    def _fibre(self, text: str) -> tuple[str | None, bool]:
        shares: dict[str, float] = {}
        for pattern, pct_group, word_group in ((_SHARE_BEFORE, 1, 2), (_SHARE_AFTER, 2, 1)):
            for m in pattern.finditer(text):
                fibre = self._fibre_of(m.group(word_group))
                if fibre is not None:
                    shares[fibre.name] = shares.get(fibre.name, 0.0) + float(m.group(pct_group))
            if shares:
                break
        if shares:
            by_family: dict[str, float] = {}
            for f in self.fibres:
                by_family[f.family] = by_family.get(f.family, 0.0) + shares.get(f.name, 0.0)
            top = max(by_family.values())
            family = [fam for fam, w in by_family.items() if w == top][-1]
            members = [f.name for f in self.fibres if f.family == family]
            return max(members, key=lambda n: shares.get(n, 0.0)), True
        named = sorted(
            (m.start(), f) for f in self.fibres for m in [f.query.search(text)] if m is not None
        )
        if not named:
            return None, False
        # Without shares, descriptions list the main fibre first.
        return named[0][1].name, len({f.family for _, f in named}) == 1

    def code_facets(self, kb: KnowledgeBase, codes: list[str]) -> CodeFacets:
        own = [_NEGATED.sub(" ", kb.subheadings[c].description) for c in codes]
        names = {
            f.name: np.array([bool(f.nomenclature.search(t)) for t in own]) for f in self.fibres
        }
        any_fibre = np.logical_or.reduce(list(names.values()))
        wearer = np.full(len(codes), -1, dtype=np.int8)
        construction = np.full(len(codes), -1, dtype=np.int8)
        for i, code in enumerate(codes):
            full = _EITHER_CONSTRUCTION.sub(
                " ", f"{kb.subheadings[code].description}; {kb.headings.get(code[:4], '')}"
            )
            positive = _NEGATED.sub(" ", full)
            found = [
                k for k, w in enumerate(WEARERS) if self.wearer_nomenclature[w].search(positive)
            ]
            if len(found) == 1:
                wearer[i] = found[0]
            if self.construction_nomenclature.search(positive):
                construction[i] = CONSTRUCTIONS.index("knit")
            elif self.construction_nomenclature.search(full):  # only in a negated phrase
                construction[i] = CONSTRUCTIONS.index("woven")

        # Siblings: the two-dash subheadings of one one-dash group (6112.41 / 6112.49 under
        # "women's swimwear") when there are several, otherwise the heading (6109.10 / .90).
        five = Counter(c[:5] for c in codes)
        keys = [c[:5] if five[c[:5]] > 1 else c[:4] for c in codes]
        group = np.unique(np.array(keys), return_inverse=True)[1]

        def among_siblings(mask: np.ndarray) -> np.ndarray:
            hit = np.zeros(group.max() + 1, dtype=bool)
            hit[group[mask]] = True
            return hit[group]

        return CodeFacets(
            names_fibre=names,
            names_any_fibre=any_fibre,
            sibling_names_fibre={n: among_siblings(m) for n, m in names.items()},
            sibling_names_any=among_siblings(any_fibre),
            wearer=wearer,
            construction=construction,
        )

    def evidence(self, facets: QueryFacets, codes: CodeFacets) -> dict[str, np.ndarray]:
        """Per facet the query states: +1 where a code fits it, -1 where it contradicts it."""
        out: dict[str, np.ndarray] = {}
        if facets.fibre:
            named = codes.names_fibre[facets.fibre]
            residual = (
                ~codes.names_any_fibre
                & codes.sibling_names_any
                & ~codes.sibling_names_fibre[facets.fibre]
            )
            fits = (named | residual).astype(np.int8)
            if facets.fibre_explicit:
                fits -= codes.names_any_fibre & ~named
            out["fibre"] = fits
        for name, said, kinds, of_code in (
            ("wearer", facets.wearer, WEARERS, codes.wearer),
            ("construction", facets.construction, CONSTRUCTIONS, codes.construction),
        ):
            if said:
                out[name] = -((of_code >= 0) & (of_code != kinds.index(said))).astype(np.int8)
        return out

    def adjustment(self, facets: QueryFacets, codes: CodeFacets) -> np.ndarray | None:
        """Per-code lift (+) or penalty (-) in units of the score spread; None if no facet."""
        w = self.weights
        adj = np.zeros(len(codes.wearer), dtype=np.float32)
        for name, signs in self.evidence(facets, codes).items():
            # A contradicted fibre has its own weight; wearer/construction only penalise.
            down = w["other_fibre"] if name == "fibre" else w[name]
            adj += np.where(signs > 0, w[name], np.where(signs < 0, -down, 0.0))
        return adj if np.any(adj) else None

    def explain(self, facets: QueryFacets, codes: CodeFacets, row: int) -> list[str]:
        """Plain words for how the query's facets moved one code ("fits"/"contradicts")."""
        words = dict(zip(("fibre", "wearer", "construction"), facets.describe_each(), strict=True))
        return [
            f"{'fits' if signs[row] > 0 else 'contradicts'}: {words[name]}"
            for name, signs in self.evidence(facets, codes).items()
            if signs[row]
        ]


def apply_facets(
    scores: np.ndarray,
    facets: QueryFacets,
    lexicon: FacetLexicon,
    codes: CodeFacets,
    *,
    spread: float | None = None,
) -> np.ndarray:
    """Scores plus the facet adjustment scaled by the query's spread (best - mean score,
    computed from ``scores`` unless the caller already has it)."""
    adj = lexicon.adjustment(facets, codes)
    if adj is None:
        return scores
    if spread is None:
        spread = float(scores.max() - scores.mean())
    return scores + np.float32(spread) * adj


def _compile(pattern: str, where: str) -> re.Pattern[str]:
    try:
        return re.compile(pattern, re.IGNORECASE)
    except re.error as exc:
        raise ValueError(f"{where}: invalid pattern: {exc}") from exc


@lru_cache(maxsize=2)
def load_facets(path: Path = FACETS_FILE) -> FacetLexicon:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    weights = {k: float(v) for k, v in data["weights"].items()}
    for key in ("fibre", "other_fibre", "wearer", "construction"):
        if not 0.0 <= weights.get(key, -1.0) <= 1.0:
            raise ValueError(f"{path.name}: weights.{key} must be within 0..1")
    fibres = tuple(
        Fibre(
            name=str(row["name"]),
            family=str(row["family"]),
            query=_compile(row["query"], f"{path.name}: fibres.{row['name']}.query"),
            nomenclature=_compile(
                row["nomenclature"], f"{path.name}: fibres.{row['name']}.nomenclature"
            ),
        )
        for row in data["fibres"]
    )
    wearers = data["wearers"]
    if set(wearers) != set(WEARERS):
        raise ValueError(f"{path.name}: wearers must be exactly {', '.join(WEARERS)}")
    built = data["construction"]
    return FacetLexicon(
        fibres=fibres,
        wearer_query={w: _compile(wearers[w]["query"], f"wearers.{w}.query") for w in WEARERS},
        wearer_nomenclature={
            w: _compile(wearers[w]["nomenclature"], f"wearers.{w}.nomenclature") for w in WEARERS
        },
        construction_query={
            c: _compile(built[c]["query"], f"construction.{c}.query") for c in CONSTRUCTIONS
        },
        construction_nomenclature=_compile(built["nomenclature"], "construction.nomenclature"),
        weights=weights,
    )
