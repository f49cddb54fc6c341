"""Query normalisation: size limits, question boilerplate, Korean glossary expansion.

>>> prepare_query("What is the HTS US Code for fresh boneless beef?").english
'fresh boneless beef meat of bovine animals'
>>> prepare_query("냉동 새우").glossary_hits
('냉동', '새우')
"""

from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from opencustoms.errors import InvalidInput
from opencustoms.hs.knowledge import HS_DATA_DIR

GLOSSARY_FILE = HS_DATA_DIR / "glossary_ko_en.csv"
TERMS_FILE = HS_DATA_DIR / "glossary_en_terms.csv"
# Retrieval looks at the start of a description; 100 kB of text would only cost time.
MAX_QUERY_CHARS = 2000
_HANGUL = re.compile(r"[\uac00-\ud7a3]")
_QUESTION = re.compile(
    r"^\s*(what\s+is\s+the\s+|what's\s+the\s+|which\s+)?"
    r"(hts(\s+us)?|hs|us\s+hts|harmonized\s+(tariff\s+)?(schedule\s+)?)?\s*"
    r"(code|classification|number|heading|tariff\s+code)\s+(for|of)\s+(an?\s+|the\s+)?",
    re.IGNORECASE,
)


class QueryError(InvalidInput):
    """The input cannot be classified at all (``field: reason``)."""

    def __init__(self, message: str) -> None:
        field, _, reason = message.partition(":")
        super().__init__(field.strip(), reason.strip() or message)


@dataclass(frozen=True)
class PreparedQuery:
    original: str  # normalised, size-limited input (what the multilingual model sees)
    english: str  # boilerplate removed, Korean terms replaced by the glossary's English,
    # other non-Latin script removed (may be empty: then only the multilingual model ranks)
    has_korean: bool
    non_latin: bool  # Korean, Chinese, Thai, ... letters present
    glossary_hits: tuple[str, ...]
    truncated: bool

    def text_for(self, model: str) -> str:
        """What a model encodes: the multilingual one reads non-Latin input as typed."""
        return self.original if model == "e5" and self.non_latin else self.english


@lru_cache(maxsize=1)
def load_glossary() -> list[tuple[str, str]]:
    """Korean term -> English customs wording, longest term first (greedy matching)."""
    with GLOSSARY_FILE.open(encoding="utf-8", newline="") as f:
        rows = [(r["korean"].strip(), r["english"].strip()) for r in csv.DictReader(f)]
    return sorted((r for r in rows if r[0]), key=lambda r: -len(r[0]))


@lru_cache(maxsize=1)
def load_terms() -> list[tuple[re.Pattern[str], str]]:
    """Everyday English trade words -> the nomenclature's wording ("laptop" -> "portable
    automatic data processing machine"): the HS texts predate most product names."""
    with TERMS_FILE.open(encoding="utf-8", newline="") as f:
        rows = [(r["term"].strip().lower(), r["expansion"].strip()) for r in csv.DictReader(f)]
    return [(re.compile(rf"\b{re.escape(t)}s?\b", re.IGNORECASE), e) for t, e in rows if t]


def expand_terms(text: str) -> str:
    """Append the nomenclature wording of known trade words (the original words stay).

    >>> expand_terms("used laptop")
    'used laptop portable automatic data processing machine'
    """
    extra = [e for pattern, e in load_terms() if pattern.search(text)]
    return " ".join([text, *extra]) if extra else text


def _is_latin(ch: str) -> bool:
    return ch.isascii() or unicodedata.name(ch, "").startswith("LATIN")


def _translate(text: str) -> tuple[str, tuple[str, ...]]:
    hits: list[str] = []
    out = text
    if _HANGUL.search(out):
        for ko, en in load_glossary():
            if ko in out:
                hits.append(ko)
                out = out.replace(ko, f" {en} ")
    # Script the glossary does not know carries no signal for the English-only retrievers.
    out = "".join(ch if not ch.isalpha() or _is_latin(ch) else " " for ch in out)
    return re.sub(r"\s+", " ", out).strip(), tuple(hits)


def prepare_query(text: object) -> PreparedQuery:
    """Validate and normalise one goods description.

    Raises ``QueryError`` for non-strings and for text with no letters or digits at all.
    """
    if not isinstance(text, str):
        raise QueryError(f"text: expected a string, got {type(text).__name__}")
    norm = unicodedata.normalize("NFKC", text).replace("\x00", " ")
    truncated = len(norm) > MAX_QUERY_CHARS
    norm = re.sub(r"\s+", " ", norm[:MAX_QUERY_CHARS]).strip()
    if not any(ch.isalnum() for ch in norm):
        raise QueryError("text: empty or without any letter or digit")
    has_korean = bool(_HANGUL.search(norm))
    non_latin = any(ch.isalpha() and not _is_latin(ch) for ch in norm)
    english, hits = _translate(norm) if non_latin else (norm, ())
    english = expand_terms(_QUESTION.sub("", english).strip().rstrip(" ?."))
    return PreparedQuery(
        original=norm,
        english=english,
        has_korean=has_korean,
        non_latin=non_latin,
        glossary_hits=hits,
        truncated=truncated,
    )
