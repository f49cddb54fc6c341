"""Textile-material evidence: a query naming a fibre lifts the subheadings that name it.

Section XI subheadings differ mostly by fibre ("of wool or fine animal hair", "of cotton",
"of man-made fibres"), which queries state in trade words ("polyester", "merino") that
neither BM25 nor the sentence encoders tie to the nomenclature wording reliably. The
lexicon and the weight are data (``data/hs/textile_materials.yaml``).

>>> lex = load_materials()
>>> lex.named_in("girls cardigan of 80% polyester, 20% wool")
['wool', 'man-made fibres']
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import yaml

from opencustoms.hs.knowledge import HS_DATA_DIR, KnowledgeBase

MATERIALS_FILE = HS_DATA_DIR / "textile_materials.yaml"
# "of textile materials (other than wool or fine animal hair, cotton or man-made fibres)"
# names fibres only to exclude them: a negated parenthesis goes whole, otherwise up to the
# next comma or semicolon.
_NEGATED = re.compile(
    r"\((?:not|other than|excluding|except)\b[^)]*\)"
    r"|\b(?:not|other than|excluding|except)\b[^,;:()]*",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Material:
    name: str
    query: re.Pattern[str]
    nomenclature: re.Pattern[str]


@dataclass(frozen=True)
class MaterialLexicon:
    weight: float
    materials: tuple[Material, ...]

    def named_in(self, text: str) -> list[str]:
        """Materials a query names, in lexicon order."""
        return [m.name for m in self.materials if m.query.search(text)]

    def code_mask(self, kb: KnowledgeBase, codes: list[str]) -> dict[str, np.ndarray]:
        """Per material, which subheadings' descriptions name it (negated mentions aside)."""
        texts = [_NEGATED.sub("", kb.subheadings[c].description) for c in codes]
        return {
            m.name: np.array([bool(m.nomenclature.search(t)) for t in texts])
            for m in self.materials
        }


@lru_cache(maxsize=2)
def load_materials(path: Path = MATERIALS_FILE) -> MaterialLexicon:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    weight = float(data["weight"])
    if not 0.0 <= weight <= 1.0:
        raise ValueError(f"{path.name}: weight must be within 0..1, got {weight}")
    materials = tuple(
        Material(
            name=str(row["name"]),
            query=re.compile(row["query"], re.IGNORECASE),
            nomenclature=re.compile(row["nomenclature"], re.IGNORECASE),
        )
        for row in data["materials"]
    )
    return MaterialLexicon(weight=weight, materials=materials)


def material_lift(
    scores: np.ndarray, text: str, lexicon: MaterialLexicon, masks: dict[str, np.ndarray]
) -> np.ndarray:
    """Scores plus ``weight`` x (best - mean score) for subheadings naming a queried fibre."""
    named = lexicon.named_in(text)
    if not named or not lexicon.weight:
        return scores
    hit = np.logical_or.reduce([masks[name] for name in named])
    spread = float(scores.max() - scores.mean())
    return scores + np.float32(lexicon.weight * spread) * hit
